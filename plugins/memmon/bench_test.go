package memmon

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/golance/golance/internal/cref"
	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/resident"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
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
// every XML-RPC call, counted per tick (see testkit.TickUnderSupervisord
// for the figures). The reference is package cref's memmon.c, the same
// quiet tick in C, built with the system's compiler: x-reference is
// memmon's mean over its. Ticks come every 5 seconds, so one size takes
// about two minutes: make bench runs it with -benchtime 1x.
func BenchmarkTickRealSupervisord(b *testing.B) {
	memmon := resident.Build(b, "memmon", "CGO_ENABLED=0")
	ref, err := cref.Build(b.TempDir(), "memmon")
	if err != nil {
		b.Logf("no reference, no ratio: %v", err)
	}
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprintf("processes-%d", n), func(b *testing.B) {
			for b.Loop() {
				testkit.TickUnderSupervisord(b, testkit.TickBench{Pool: "memmon", Command: memmon + " -a 1GB -c", Reference: ref}, n)
			}
		})
	}
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

// BenchmarkTickOwn measures memmon's own share of a quiet tick under the
// real supervisord 4.2.5 with 100, 500 and 1000 processes: the handler in
// the benchmark's process, -a 1TB -c, following supervisord's children in
// /proc as the binary does, its lines formatted (to io.Discard). Reported:
// ms-hot-tick, ticks back to back, and ms-cold-tick, ticks 500 ms apart,
// which find the caches as a TICK_5 does, after the machine did other
// work; and calls/tick, the XML-RPC calls of either (0).
func BenchmarkTickOwn(b *testing.B) {
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprintf("processes-%d", n), func(b *testing.B) {
			sv := supervisord.Start(b, supervisord.Config{LogLevel: "info", StartTimeout: 2 * time.Minute, WaitTimeout: time.Minute,
				SupervisordOptions: fmt.Sprintf("minfds=%d", 4*n+256), Sections: testkit.Sleepers(n)})
			testkit.WaitSleepers(b, sv, n)
			mon, err := newHandler(config{any: atMost(1 << 40), cumulative: true, supervisorPID: sv.PID, log: log.New(io.Discard)}, sv.Client)
			if err != nil {
				b.Fatal(err)
			}
			defer mon.Shutdown(context.Background())
			ctx := context.Background()
			tick := func() time.Duration {
				start := time.Now()
				if err := mon.HandleEvent(ctx, tickEvent); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			tick() // loads the table
			calls := mon.table.Stats().Calls
			const hot, cold = 20, 10
			var hotTime, coldTime time.Duration
			for b.Loop() {
				for range hot {
					hotTime += tick()
				}
				for range cold {
					time.Sleep(500 * time.Millisecond)
					coldTime += tick()
				}
			}
			ms := func(d time.Duration, ticks int) float64 { return float64(d.Microseconds()) / 1000 / float64(ticks*b.N) }
			b.ReportMetric(ms(hotTime, hot), "ms-hot-tick")
			b.ReportMetric(ms(coldTime, cold), "ms-cold-tick")
			b.ReportMetric(float64(mon.table.Stats().Calls-calls)/float64((hot+cold)*b.N), "calls/tick")
		})
	}
}
