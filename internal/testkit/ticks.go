package testkit

import (
	"context"
	"fmt"
	"os"
	"slices"
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
	// Reference, when set, is the command of a listener doing the same
	// work at the least cost (a C one from package cref), measured alike
	// under the same supervisord, in the pool "reference", its runs
	// interleaved with the listener's.
	Reference string
}

// quietTicks is how many ticks after the first one a run of a listener
// measures; a benchmark with a reference runs each listener twice.
const quietTicks = 5

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
// load average, which every figure depends on. With a Reference, the
// listener and the reference run in turn, twice each, and ref-ms/quiet-tick
// and x-reference (the ratio of the two means) follow. Ticks come every 5
// seconds: a run takes half a minute.
func TickUnderSupervisord(b *testing.B, l TickBench, n int) {
	b.Helper()
	sections := flush(Sleepers(n)) + listenerSection(l.Pool, l.Command) + "\n" + flush(l.Sections)
	if l.Reference != "" {
		sections += listenerSection("reference", l.Reference)
	}
	sv := supervisord.Start(b, supervisord.Config{
		LogLevel: "trace", StartTimeout: 2 * time.Minute, StopTimeout: 2 * time.Minute, WaitTimeout: time.Minute,
		// Three pipes per process, and poll() in supervisord, not select().
		SupervisordOptions: "minfds=" + strconv.Itoa(4*n+256),
		Sections:           sections})
	WaitSleepers(b, sv, n)
	first := tickRun(b, sv, l.Pool)
	own := first
	var ref tickStats
	if l.Reference != "" {
		ref = tickRun(b, sv, "reference")
		own.add(tickRun(b, sv, l.Pool))
		ref.add(tickRun(b, sv, "reference"))
	}
	b.ReportMetric(ms(first.first), "ms-first-tick")
	b.ReportMetric(float64(first.firstCalls), "calls-first-tick")
	b.ReportMetric(own.mean(), "ms/quiet-tick")
	b.ReportMetric(ms(own.longest), "ms-max-quiet-tick")
	b.ReportMetric(float64(own.calls)/float64(len(own.quiet)), "calls/quiet-tick")
	b.ReportMetric(own.mean()*1000/float64(n), "us/process")
	if l.Reference != "" {
		b.ReportMetric(ref.mean(), "ref-ms/quiet-tick")
		b.ReportMetric(own.mean()/ref.mean(), "x-reference")
	}
	if avg, err := os.ReadFile("/proc/loadavg"); err == nil {
		if load, err := strconv.ParseFloat(strings.Fields(string(avg))[0], 64); err == nil {
			b.ReportMetric(load, "loadavg")
		}
	}
}

// listenerSection is the section of a listener subscribed to TICK_5,
// started by tickRun.
func listenerSection(pool, command string) string {
	return fmt.Sprintf(`
			[eventlistener:%s]
			command=%s
			events=TICK_5
			autostart=false
			stderr_logfile=NONE
		`, pool, command)
}

// tickStats are the ticks of one or more runs of a listener.
type tickStats struct {
	first      time.Duration // the first run's first tick
	firstCalls int
	quiet      []time.Duration
	longest    time.Duration
	calls      int // over the quiet ticks
}

func (s *tickStats) add(o tickStats) {
	s.quiet = append(s.quiet, o.quiet...)
	s.longest = max(s.longest, o.longest)
	s.calls += o.calls
}

// mean is the quiet ticks' mean, in milliseconds.
func (s *tickStats) mean() float64 {
	var sum time.Duration
	for _, d := range s.quiet {
		sum += d
	}
	return ms(sum) / float64(len(s.quiet))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// tickRun starts the listener pool once every process runs, so that its
// first tick loads the whole table and nothing changes after it, waits
// for 1+quietTicks answers and stops it.
func tickRun(b *testing.B, sv *supervisord.Supervisord, pool string) tickStats {
	b.Helper()
	// The log is read from before the start: the first tick may be sent
	// before StartProcess returns.
	offset := sv.LogSize()
	if err := sv.Client.StartProcess(context.Background(), pool, true); err != nil {
		b.Fatal(err)
	}
	sv.WaitLogSince(b, offset, fmt.Sprintf(`(?s)(%s: BUSY -> ACKNOWLEDGED.*){%d}`, pool, 1+quietTicks))
	if err := sv.Client.StopProcess(context.Background(), pool, true); err != nil {
		b.Fatal(err)
	}
	log := sv.Log()[offset:]
	times := AnswerTimes(log, pool)
	calls := callsPerEvent(log, pool)
	if len(times) < 1+quietTicks || len(calls) < 1+quietTicks {
		b.Fatalf("%d answers, %d call counts in:\n%s", len(times), len(calls), log)
	}
	s := tickStats{first: times[0], firstCalls: calls[0], quiet: slices.Clone(times[1 : 1+quietTicks])}
	b.Logf("%s: first tick %v, quiet ticks %v", pool, times[0], s.quiet)
	for i := 1; i <= quietTicks; i++ {
		s.longest = max(s.longest, times[i])
		s.calls += calls[i]
	}
	return s
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
