package memmon

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/resident"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/testharness"
	"github.com/golance/golance/testharness/supervisord"
)

const benchProcesses = 200

// tickEvent is a TICK_5 as supervisord sends it.
var tickEvent = listener.Event{Header: listener.Header{Ver: "3.0", Server: "supervisor", EventName: listener.Tick5}, Payload: "when:1700000000"}

// listed answers GetAllProcessInfo with a list supervisord gave earlier,
// so that a benchmark measures memmon's own share of a tick: the /proc
// snapshot and the rules, without supervisord's time to answer.
type listed struct {
	restart.Supervisor
	infos []rpc.ProcessInfo
}

func (l listed) GetAllProcessInfo(context.Context) ([]rpc.ProcessInfo, error) { return l.infos, nil }

// benchTicks runs memmon's handler on TICK events against sup, which runs
// benchProcesses real processes, every one covered by a limit none
// reaches. "own" is memmon's work per tick: the /proc snapshot with the
// process tree (-c) and the rules, on a process list supervisord gave
// before; "with-rpc" adds asking supervisord for the list, whose cost alone
// is "getAllProcessInfo-only".
func benchTicks(b *testing.B, sup restart.Supervisor) {
	infos, err := sup.GetAllProcessInfo(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if len(infos) != benchProcesses {
		b.Fatalf("%d processes, want %d", len(infos), benchProcesses)
	}
	for _, bc := range []struct {
		name   string
		sup    restart.Supervisor
		metric procmem.Metric
	}{
		{"own-rss", listed{sup, infos}, procmem.RSS},
		{"own-pss", listed{sup, infos}, procmem.PSS},
		{"with-rpc-rss", sup, procmem.RSS},
	} {
		b.Run(fmt.Sprintf("%s-cumulative-%d", bc.name, benchProcesses), func(b *testing.B) {
			mon, err := newHandler(config{any: atMost(1 << 40), cumulative: true, metric: bc.metric}, bc.sup)
			if err != nil {
				b.Fatal(err)
			}
			defer mon.Shutdown(context.Background())
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := mon.HandleEvent(ctx, tickEvent); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/tick")
		})
	}
	b.Run(fmt.Sprintf("getAllProcessInfo-only-%d", benchProcesses), func(b *testing.B) {
		for b.Loop() {
			if _, err := sup.GetAllProcessInfo(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/tick")
	})
}

// BenchmarkTick measures a memmon tick over 200 real processes supervised
// by the emulated supervisord, whose XML-RPC server runs in the benchmark's
// own process.
func BenchmarkTick(b *testing.B) {
	programs := make([]testharness.Program, benchProcesses)
	for i := range programs {
		programs[i] = testharness.Program{Name: fmt.Sprintf("sleeper%03d", i), ProcessConfig: testharness.ProcessConfig{Command: []string{"sleep", "3600"}}}
	}
	s := testharness.Start(b, testharness.Config{RPC: true, Programs: programs})
	c, err := rpc.New(s.ServerURL())
	if err != nil {
		b.Fatal(err)
	}
	benchTicks(b, c)
}

// BenchmarkTickRealSupervisord measures memmon's tick as supervisord 4.2.5
// lives it, from its own debug log: from "event N sent to listener memmon"
// to "memmon: BUSY -> ACKNOWLEDGED", the time supervisord's single thread
// waits for the answer (testkit.AnswerTimes), with 100, 500 and 1000
// processes, memmon's -a 1GB -c covering every one. Its trace log names
// every XML-RPC call, counted per tick. Reported: the first tick, which
// loads the process table (ms-first-tick, calls-first-tick), and the
// ticks after it, with nothing started or stopped (ms/quiet-tick, the
// mean, ms-max-quiet-tick, calls/quiet-tick), and us/process, which stays
// flat when the cost is linear, and the machine's load average, which
// every figure depends on. Ticks come every 5 seconds, so one run
// takes about half a minute per size: make bench runs it with -benchtime 1x.
func BenchmarkTickRealSupervisord(b *testing.B) {
	memmon := resident.Build(b, "memmon", "CGO_ENABLED=0")
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprintf("processes-%d", n), func(b *testing.B) {
			for b.Loop() {
				tickUnderSupervisord(b, memmon, n)
			}
		})
	}
}

// quietTicks is how many ticks after the first one tickUnderSupervisord
// measures.
const quietTicks = 4

// tickUnderSupervisord runs n processes under the real supervisord, then
// starts memmon and reports its ticks as BenchmarkTickRealSupervisord says.
func tickUnderSupervisord(b *testing.B, memmon string, n int) {
	sv := supervisord.Start(b, supervisord.Config{
		LogLevel: "trace", StartTimeout: 2 * time.Minute, StopTimeout: 2 * time.Minute, WaitTimeout: time.Minute,
		// Three pipes per process, and poll() in supervisord, not select().
		SupervisordOptions: "minfds=" + strconv.Itoa(4*n+256),
		Sections: fmt.Sprintf(`
			[program:sleep]
			command=sleep infinity
			numprocs=%d
			process_name=%%(program_name)s_%%(process_num)04d
			startsecs=0
			stdout_logfile=NONE
			stderr_logfile=NONE

			[eventlistener:memmon]
			command=%s -a 1GB -c
			events=TICK_5
			autostart=false
			stderr_logfile=NONE
		`, n, memmon)})
	sv.WaitLog(b, fmt.Sprintf(`success: sleep_%04d entered RUNNING state`, n-1))
	// Started once every process runs, memmon's first tick loads the whole
	// table, and nothing changes after it.
	if err := sv.Client.StartProcess(context.Background(), "memmon", true); err != nil {
		b.Fatal(err)
	}
	offset := sv.LogSize()
	sv.WaitLogSince(b, offset, fmt.Sprintf(`(?s)(memmon: BUSY -> ACKNOWLEDGED.*){%d}`, 1+quietTicks))
	log := sv.Log()[offset:]
	times := testkit.AnswerTimes(log, "memmon")
	calls := callsPerEvent(log, "memmon")
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
	// The machine's load is part of every figure above: say what it was.
	if avg, err := os.ReadFile("/proc/loadavg"); err == nil {
		if load, err := strconv.ParseFloat(strings.Fields(string(avg))[0], 64); err == nil {
			b.ReportMetric(load, "loadavg")
		}
	}
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

// BenchmarkTickScaling shows memmon's own share of a tick growing linearly
// with the number of supervised processes.
func BenchmarkTickScaling(b *testing.B) {
	for _, n := range []int{100, 200, 400} {
		b.Run(fmt.Sprintf("own-rss-cumulative-%d", n), func(b *testing.B) {
			programs := make([]testharness.Program, n)
			for i := range programs {
				programs[i] = testharness.Program{Name: fmt.Sprintf("sleeper%03d", i), ProcessConfig: testharness.ProcessConfig{Command: []string{"sleep", "3600"}}}
			}
			s := testharness.Start(b, testharness.Config{RPC: true, Programs: programs})
			c, err := rpc.New(s.ServerURL())
			if err != nil {
				b.Fatal(err)
			}
			infos, err := c.GetAllProcessInfo(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			mon, err := newHandler(config{any: atMost(1 << 40), cumulative: true}, listed{c, infos})
			if err != nil {
				b.Fatal(err)
			}
			defer mon.Shutdown(context.Background())
			b.ReportAllocs()
			for b.Loop() {
				if err := mon.HandleEvent(context.Background(), tickEvent); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/tick")
		})
	}
}
