package testkit

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/testharness/supervisord"
)

// TickBench is a listener whose ticks TickUnderSupervisord measures.
type TickBench struct {
	// Pool is the listener's [eventlistener:x] name; Command its command=.
	Pool, Command string
	// Sections are more supervisord.conf sections the listener needs
	// (the server an httpok checks), without continuation lines.
	Sections string
}

// quietTicks is how many ticks after the first one TickUnderSupervisord
// measures.
const quietTicks = 4

// TickUnderSupervisord runs n processes (sleep_0000, ...) under the real
// supervisord, then starts the listener, subscribed to TICK_5, and reports
// its ticks as supervisord lives them, from its own debug log: from "event
// N sent to listener L" to "L: BUSY -> ACKNOWLEDGED", the time
// supervisord's single thread waits for the answer (AnswerTimes). Its
// trace log names every XML-RPC call, counted per tick. Reported: the
// first tick, which loads a process table (ms-first-tick,
// calls-first-tick), the ticks after it, with nothing started or stopped
// (ms/quiet-tick, the mean, ms-max-quiet-tick, calls/quiet-tick),
// us/process, which stays flat when the cost is linear, and the machine's
// load average, which every figure depends on. Ticks come every 5 seconds:
// one run takes about half a minute.
func TickUnderSupervisord(b *testing.B, l TickBench, n int) {
	b.Helper()
	sv := supervisord.Start(b, supervisord.Config{
		LogLevel: "trace", StartTimeout: 2 * time.Minute, StopTimeout: 2 * time.Minute, WaitTimeout: time.Minute,
		// Three pipes per process, and poll() in supervisord, not select().
		SupervisordOptions: "minfds=" + strconv.Itoa(4*n+256),
		Sections: flush(Sleepers(n)) + fmt.Sprintf(`
			[eventlistener:%s]
			command=%s
			events=TICK_5
			autostart=false
			stderr_logfile=NONE
		`, l.Pool, l.Command) + "\n" + flush(l.Sections)})
	WaitSleepers(b, sv, n)
	// Started once every process runs, the listener's first tick loads
	// the whole table, and nothing changes after it. The log is read from
	// before the start: the first tick may be sent before StartProcess
	// returns.
	offset := sv.LogSize()
	if err := sv.Client.StartProcess(context.Background(), l.Pool, true); err != nil {
		b.Fatal(err)
	}
	sv.WaitLogSince(b, offset, fmt.Sprintf(`(?s)(%s: BUSY -> ACKNOWLEDGED.*){%d}`, l.Pool, 1+quietTicks))
	log := sv.Log()[offset:]
	times := AnswerTimes(log, l.Pool)
	calls := callsPerEvent(log, l.Pool)
	if len(times) < 1+quietTicks || len(calls) < 1+quietTicks {
		b.Fatalf("%d answers, %d call counts in:\n%s", len(times), len(calls), log)
	}
	var quiet, longest time.Duration
	quietCalls := 0
	for i := 1; i <= quietTicks; i++ {
		quiet += times[i]
		longest = max(longest, times[i])
		quietCalls += calls[i]
	}
	mean := float64(quiet.Microseconds()) / 1000 / quietTicks
	b.ReportMetric(float64(times[0].Microseconds())/1000, "ms-first-tick")
	b.ReportMetric(float64(calls[0]), "calls-first-tick")
	b.ReportMetric(mean, "ms/quiet-tick")
	b.ReportMetric(float64(longest.Microseconds())/1000, "ms-max-quiet-tick")
	b.ReportMetric(float64(quietCalls)/quietTicks, "calls/quiet-tick")
	b.ReportMetric(mean*1000/float64(n), "us/process")
	if avg, err := os.ReadFile("/proc/loadavg"); err == nil {
		if load, err := strconv.ParseFloat(strings.Fields(string(avg))[0], 64); err == nil {
			b.ReportMetric(load, "loadavg")
		}
	}
}

// Sleepers is the supervisord.conf section of n sleeping processes,
// sleep:sleep_0000 to sleep:sleep_<n-1>, unlogged, that the tick
// benchmarks supervise; WaitSleepers waits until they all run.
func Sleepers(n int) string {
	return fmt.Sprintf(`
[program:sleep]
command=sleep infinity
numprocs=%d
process_name=%%(program_name)s_%%(process_num)04d
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
`, n)
}

// WaitSleepers waits until the last of Sleepers(n) runs under sv.
func WaitSleepers(b testing.TB, sv *supervisord.Supervisord, n int) {
	b.Helper()
	sv.WaitLog(b, fmt.Sprintf(`success: sleep_%04d entered RUNNING state`, n-1))
}

// flush takes the indentation off every line of sections, which the
// sections before them have not.
func flush(sections string) string {
	lines := strings.Split(sections, "\n")
	for i, l := range lines {
		lines[i] = "\t\t\t" + strings.TrimLeft(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// callsPerEvent returns, for each event supervisord sent to listener in
// its trace log, how many XML-RPC calls it served before the listener's
// answer.
func callsPerEvent(log, listener string) []int {
	var out []int
	open := false
	for line := range strings.SplitSeq(log, "\n") {
		switch {
		case strings.HasSuffix(line, " sent to listener "+listener):
			open = true
			out = append(out, 0)
		case open && strings.Contains(line, " XML-RPC method called: "):
			out[len(out)-1]++
		case strings.HasSuffix(line, " "+listener+": BUSY -> ACKNOWLEDGED"):
			open = false
		}
	}
	return out
}
