package proctable

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/supervisord"
)

// BenchmarkCheck measures a Check, what Observe does on every TICK, under
// a real supervisord running n sleeping programs, and reports the XML-RPC
// calls it made (calls/op) and the share of Checks the O(1) test settled
// (quiet/op).
//
//   - idle: nothing changes between Checks. Where other programs fork, the
//     last pid of the namespace moves and a Check lists supervisord's
//     children; alone in a pid namespace (unshare -pf --mount-proc go
//     test -bench Check) every Check is settled in O(1).
//   - forked: a process was forked elsewhere before each Check (the
//     watcher is told its last pid is one behind), so each Check lists
//     supervisord's children: what a tick costs on a busy machine.
//   - restart: one program was killed and restarted before each Check,
//     which then asks supervisord about it, and about nothing else.
//   - getAllProcessInfo: for comparison, one call of it, which keeps
//     supervisord busy for most of the time measured.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			sd := supervisord.Start(b, supervisord.Config{LogLevel: "info", StartTimeout: time.Minute, Sections: fmt.Sprintf(`
				[program:sleep]
				command=sleep 1000000
				numprocs=%d
				process_name=%%(program_name)s_%%(process_num)d
				startsecs=0
				stdout_logfile=NONE
				stderr_logfile=NONE
				`, n)})
			settle(b, sd.Client)
			cs := &counting{Supervisor: sd.Client}
			tab := newTable(b, cs, Config{SupervisorPID: sd.PID, Refresh: -1})
			if err := tab.Load(ctx); err != nil {
				b.Fatal(err)
			}
			if tab.w == nil {
				b.Fatal("not following /proc")
			}
			check := func(b *testing.B) {
				if _, err := tab.Check(ctx); err != nil {
					b.Fatal(err)
				}
			}
			check(b)
			b.Logf("children listed from %s", tab.w.source())
			run := func(name string, prepare func(b *testing.B)) {
				b.Run(name, func(b *testing.B) {
					before, st := cs.snapshot(), tab.Stats()
					for b.Loop() {
						if prepare != nil {
							b.StopTimer()
							prepare(b)
							b.StartTimer()
						}
						check(b)
					}
					b.ReportMetric(float64(cs.snapshot().sub(before).total())/float64(b.N), "calls/op")
					b.ReportMetric(float64(tab.Stats().Quiet-st.Quiet)/float64(b.N), "quiet/op")
				})
			}
			run("idle", nil)
			run("forked", func(*testing.B) { tab.w.pretendFork() })
			run("restart", func(b *testing.B) {
				info, err := sd.Client.GetProcessInfo(ctx, "sleep:sleep_0")
				if err != nil {
					b.Fatal(err)
				}
				if err := sd.Client.SignalProcess(ctx, "sleep:sleep_0", "KILL"); err != nil {
					b.Fatal(err)
				}
				waitFor(b, "a restart", func() bool {
					now, err := sd.Client.GetProcessInfo(ctx, "sleep:sleep_0")
					return err == nil && now.State == listener.StateRunning && now.PID != info.PID
				})
			})
			b.Run("getAllProcessInfo", func(b *testing.B) {
				for b.Loop() {
					if _, err := sd.Client.GetAllProcessInfo(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			if m := mismatch(tab.Processes(), settle(b, sd.Client)); m != "" {
				b.Fatal(m)
			}
		})
	}
}

// listed is a Supervisor that answers getAllProcessInfo with a fixed
// list and nothing else.
type listed []rpc.ProcessInfo

func (l listed) GetAllProcessInfo(context.Context) ([]rpc.ProcessInfo, error) { return l, nil }
func (l listed) GetProcessInfo(context.Context, string) (rpc.ProcessInfo, error) {
	return rpc.ProcessInfo{}, errors.ErrUnsupported
}
func (l listed) Multicall(context.Context, ...rpc.MethodCall) ([]rpc.MulticallResult, error) {
	return nil, errors.ErrUnsupported
}
func (l listed) GetPID(context.Context) (int, error) { return 0, errors.ErrUnsupported }

func manyProcesses(n int) listed {
	infos := make(listed, n)
	for i := range infos {
		name := fmt.Sprintf("web_%03d", i)
		infos[i] = rpc.ProcessInfo{Group: "web", Name: name, State: listener.StateRunning, PID: 10000 + i,
			StdoutLogfile: "/var/log/" + name + ".log", Start: 1_800_000_000}
	}
	return infos
}

// BenchmarkObserveEvent measures applying one PROCESS_STATE event, parsing
// included, in a table of 500 processes: a process going round RUNNING,
// STOPPING, STOPPED, STARTING.
func BenchmarkObserveEvent(b *testing.B) {
	ctx := context.Background()
	tab := newTable(b, manyProcesses(500), Config{NoProc: true, Refresh: -1})
	if err := tab.Load(ctx); err != nil {
		b.Fatal(err)
	}
	const p = "processname:web_250 groupname:web "
	cycle := []listener.Event{
		event(0, listener.ProcessStateStopping, p+"from_state:RUNNING pid:10250"),
		event(0, listener.ProcessStateStopped, p+"from_state:STOPPING pid:10250"),
		event(0, listener.ProcessStateStarting, p+"from_state:STOPPED tries:0"),
		event(0, listener.ProcessStateRunning, p+"from_state:STARTING pid:10250"),
	}
	// The answer the table loaded is ahead of any event: the first round
	// takes it out of that.
	for i, ev := range cycle {
		ev.PoolSerial = uint64(i + 1)
		tab.Observe(ctx, ev)
	}
	serial := uint64(len(cycle))
	b.ReportAllocs()
	for b.Loop() {
		serial++
		ev := cycle[serial%4]
		ev.PoolSerial = serial
		changes, err := tab.Observe(ctx, ev)
		if err != nil || len(changes) != 1 {
			b.Fatalf("%s: %v, %d changes", ev.EventName, err, len(changes))
		}
	}
	if st := tab.Stats(); st.Calls != 1 || st.Stale != 0 || st.Gaps != 0 {
		b.Fatalf("stats: %+v", st)
	}
}

// BenchmarkProcesses measures the copy of 500 processes a reader takes,
// as an exporter does at every scrape.
func BenchmarkProcesses(b *testing.B) {
	tab := newTable(b, manyProcesses(500), Config{NoProc: true, Refresh: -1})
	if err := tab.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(tab.Processes()) != 500 {
			b.Fatal("lost processes")
		}
	}
}
