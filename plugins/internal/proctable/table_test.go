package proctable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/testharness"
)

// harnessPrograms are real children: the test binary in its child role.
func harnessPrograms(t testing.TB, names ...string) []testharness.Program {
	bin := testBinary(t)
	var out []testharness.Program
	for _, n := range names {
		out = append(out, testharness.Program{Name: n, ProcessConfig: testharness.ProcessConfig{
			Command: []string{bin}, Env: []string{roleVar + "=child"},
		}})
	}
	return out
}

func newTable(t testing.TB, sup Supervisor, cfg Config) *Table {
	t.Helper()
	cfg.Supervisor = sup
	tab, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tab.Close() })
	return tab
}

func TestTickOnlyFollowsHarness(t *testing.T) {
	ctx := context.Background()
	programs := append(harnessPrograms(t, "a", "b", "c", "d", "e"), testharness.Program{Name: "f", ProcessConfig: testharness.ProcessConfig{
		Command: []string{testBinary(t)}, Env: []string{roleVar + "=fail"},
		NoAutostart: true, StartSecs: time.Second, StartRetries: -1,
	}})
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: programs})
	cs := &counting{Supervisor: s.Client()}
	tab := newTable(t, cs, Config{Refresh: -1})
	if err := tab.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if m := mismatch(tab.Processes(), settle(t, s.Client())); m != "" {
		t.Fatalf("after Load:%s", m)
	}
	tick := func(what string, want func(calls) bool) {
		t.Helper()
		before := cs.snapshot()
		if _, err := tab.Check(ctx); err != nil {
			t.Fatalf("%s: Check: %v", what, err)
		}
		got := cs.snapshot().sub(before)
		if m := mismatch(tab.Processes(), settle(t, s.Client())); m != "" {
			t.Fatalf("%s: table differs from getAllProcessInfo:%s", what, m)
		}
		if !want(got) {
			t.Errorf("%s: calls: %v", what, got)
		}
	}
	none := func(c calls) bool { return c.total() == 0 }
	tick("nothing changed", none)
	tick("nothing changed, again", none)

	if err := s.Process("b").Stop(ctx, true); err != nil {
		t.Fatal(err)
	}
	tick("b stopped", func(c calls) bool { return c.all == 0 && c.multi == 1 && c.inMulti == 2 })
	tick("after b stopped", none)

	c := s.Process("c")
	old := c.PID()
	if err := c.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "c to run again", func() bool { return c.State() == listener.StateRunning && c.PID() != old })
	// The exit was reaped: b and f, which have no pid, may have had a run
	// too short to see.
	tick("c crashed and restarted", func(c calls) bool { return c.all == 0 && c.one == 0 && c.multi == 1 && c.inMulti == 3 })

	if err := s.Process("b").Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	tick("b started", func(c calls) bool { return c.all == 0 && c.one == 0 && c.inMulti == 2 })

	// f runs for less than a tick: it starts, exits at once and goes FATAL.
	if err := s.Process("f").Start(ctx, true); err == nil {
		t.Fatal("f started")
	}
	tick("f failed between two ticks", func(c calls) bool { return c.all == 0 && c.one == 1 })
	tick("after f failed", none)

	if err := s.Process("d").Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitProcessState(ctx, "d", listener.StateExited); err != nil {
		t.Fatal(err)
	}
	tick("d exited as expected", func(c calls) bool { return c.all == 0 && c.multi == 1 && c.inMulti == 2 })
	tick("after d exited", none)
	st := tab.Stats()
	if st.Quiet+st.Checks == 0 || st.Refreshes != 1 {
		t.Errorf("stats: %+v", st)
	}
}

func TestPeriodicRefresh(t *testing.T) {
	ctx := context.Background()
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: harnessPrograms(t, "a")})
	cs := &counting{Supervisor: s.Client()}
	fake := clock.NewFake(time.Unix(1_800_000_000, 0))
	tab := newTable(t, cs, Config{Refresh: time.Minute, Clock: fake})
	if err := tab.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance time.Duration
		full    int64
	}{{0, 0}, {59 * time.Second, 0}, {time.Second, 1}, {30 * time.Second, 0}, {30 * time.Second, 1}} {
		fake.Advance(step.advance)
		before := cs.snapshot()
		if _, err := tab.Check(ctx); err != nil {
			t.Fatal(err)
		}
		if got := cs.snapshot().sub(before); got.all != step.full {
			t.Errorf("after %v more: %v, want %d getAllProcessInfo", step.advance, got, step.full)
		}
	}
}

// waitFor polls cond until it holds, failing the test after 10s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// event builds a listener.Event as supervisord would send it.
func event(poolSerial uint64, name listener.EventType, payload string) listener.Event {
	return listener.Event{Header: listener.Header{Ver: "3.0", Server: "supervisor", Pool: "t", PoolSerial: poolSerial,
		EventName: name, Len: len(payload)}, Payload: payload}
}

func TestEventsQueuedBeforeLoadAreStale(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	var tab *Table
	var changes []Change
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: harnessPrograms(t, "a", "b", "c"),
		Pools: []testharness.Pool{{Name: "events", Events: []listener.EventType{listener.ProcessState, listener.ProcessGroup},
			BufferSize: 100, Handler: listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
				<-release
				ch, err := tab.Observe(ctx, ev)
				changes = append(changes, ch...)
				return err
			})}}})
	settle(t, s.Client())
	tab = newTable(t, s.Client(), Config{Refresh: -1})
	if err := tab.Load(ctx); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	// Every event was sent before the answer the table loaded: none may
	// take a process back to STARTING.
	if len(changes) != 0 {
		t.Errorf("changes from events older than the load: %+v", changes)
	}
	if st := tab.Stats(); st.Stale == 0 {
		t.Errorf("no event counted stale: %+v", st)
	}
	if m := mismatch(tab.Processes(), settle(t, s.Client())); m != "" {
		t.Error(m)
	}
	// The next event is news.
	if err := s.Process("b").Stop(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || !changes[0].Event || changes[1].After.State != listener.StateStopped {
		t.Errorf("after b stopped: %+v", changes)
	}
}

func TestTickOnlyPendingStates(t *testing.T) {
	ctx := context.Background()
	bin := testBinary(t)
	failing := func(name string, retries int) testharness.Program {
		return testharness.Program{Name: name, ProcessConfig: testharness.ProcessConfig{Command: []string{bin},
			Env: []string{roleVar + "=fail"}, NoAutostart: true, StartSecs: time.Second, StartRetries: retries}}
	}
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: []testharness.Program{
		{Name: "slow", ProcessConfig: testharness.ProcessConfig{Command: []string{bin}, Env: []string{roleVar + "=child"},
			NoAutostart: true, StartSecs: 300 * time.Millisecond}},
		failing("bad", -1), failing("stuck", 5),
		{Name: "x", ProcessConfig: testharness.ProcessConfig{Command: []string{bin}, Env: []string{roleVar + "=child"}}},
	}})
	cs := &counting{Supervisor: s.Client()}
	tab := newTable(t, cs, Config{Refresh: -1})
	if err := tab.Load(ctx); err != nil {
		t.Fatal(err)
	}
	check := func() calls {
		t.Helper()
		before := cs.snapshot()
		if _, err := tab.Check(ctx); err != nil {
			t.Fatal(err)
		}
		return cs.snapshot().sub(before)
	}
	state := func(name string) listener.State {
		p, _ := tab.Process(name)
		return p.State
	}
	check()

	// STARTING becomes RUNNING with the same pid: /proc cannot tell.
	if err := s.Process("slow").Start(ctx, false); err != nil {
		t.Fatal(err)
	}
	check()
	if p, _ := tab.Process("slow"); p.State != listener.StateStarting || p.PID != s.Process("slow").PID() {
		t.Fatalf("slow after a Check: %+v", p)
	}
	if err := s.WaitProcessState(ctx, "slow", listener.StateRunning); err != nil {
		t.Fatal(err)
	}
	if got := check(); got.all != 0 || got.one != 1 {
		t.Errorf("Check of a process STARTING: %v", got)
	}
	if state("slow") != listener.StateRunning {
		t.Errorf("slow: %v", state("slow"))
	}
	if got := check(); got.total() != 0 {
		t.Errorf("Check with nothing changed: %v", got)
	}

	// A run too short to see, to FATAL.
	if err := s.Process("bad").Start(ctx, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bad to give up", func() bool { return s.Process("bad").State() == listener.StateFatal })
	if got := check(); got.all != 0 || state("bad") != listener.StateFatal {
		t.Errorf("bad gave up: %v, calls %v", state("bad"), got)
	}

	// BACKOFF, which has no pid, becomes STOPPED when stopped: nothing is
	// forked nor reaped.
	if err := s.Process("stuck").Start(ctx, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "stuck to back off", func() bool { return s.Process("stuck").State() == listener.StateBackoff })
	check()
	if state("stuck") != listener.StateBackoff {
		t.Fatalf("stuck: %v", state("stuck"))
	}
	if err := s.Process("stuck").Stop(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := check(); got.all != 0 || state("stuck") != listener.StateStopped {
		t.Errorf("stuck stopped while backing off: %v, calls %v", state("stuck"), got)
	}
	if m := mismatch(tab.Processes(), settle(t, s.Client())); m != "" {
		t.Error(m)
	}
}

func TestNoProcReadsEverythingAtEveryCheck(t *testing.T) {
	ctx := context.Background()
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: harnessPrograms(t, "a")})
	cs := &counting{Supervisor: s.Client()}
	var logged strings.Builder
	tab := newTable(t, cs, Config{NoProc: true, Log: slog.New(log.NewHandler(&logged, slog.LevelInfo))})
	for range 3 {
		if _, err := tab.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := cs.snapshot(); got.all != 3 || got.total() != 3 {
		t.Errorf("calls: %v", got)
	}
	if n := strings.Count(logged.String(), "not following supervisord's children"); n != 1 {
		t.Errorf("logged %d times: %q", n, logged.String())
	}
}

func TestSupervisordNotAnAncestor(t *testing.T) {
	ctx := context.Background()
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: harnessPrograms(t, "a")})
	stranger := exec.Command("sleep", "1000")
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stranger.Process.Kill(); stranger.Wait() }()
	cs := &counting{Supervisor: pidAnswer{s.Client(), stranger.Process.Pid}}
	var logged strings.Builder
	tab := newTable(t, cs, Config{Log: slog.New(log.NewHandler(&logged, slog.LevelInfo))})
	for range 2 {
		if _, err := tab.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := cs.snapshot(); got.all != 2 || got.pid != 1 {
		t.Errorf("calls: %v", got)
	}
	if !strings.Contains(logged.String(), "is not an ancestor of this process") {
		t.Errorf("log: %q", logged.String())
	}
}

// pidAnswer is a Supervisor whose getPID answers pid.
type pidAnswer struct {
	Supervisor
	pid int
}

func (p pidAnswer) GetPID(context.Context) (int, error) { return p.pid, nil }

func TestGroupEventsAndGaps(t *testing.T) {
	ctx := context.Background()
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: harnessPrograms(t, "a", "b")})
	cs := &counting{Supervisor: s.Client()}
	tab := newTable(t, cs, Config{Refresh: -1})
	if err := tab.Load(ctx); err != nil {
		t.Fatal(err)
	}
	observe := func(ev listener.Event) []Change {
		t.Helper()
		ch, err := tab.Observe(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	before := cs.snapshot()
	observe(event(1, listener.ProcessGroupAdded, "groupname:a\n"))
	if got := cs.snapshot().sub(before); got.total() != 0 {
		t.Errorf("ADDED for a known group: %v", got)
	}
	ch := observe(event(2, listener.ProcessGroupRemoved, "groupname:a\n"))
	if _, ok := tab.Process("a"); ok || len(ch) != 1 || !ch[0].Removed() {
		t.Errorf("after REMOVED: changes %+v", ch)
	}
	pid := s.Process("a").PID()
	before = cs.snapshot()
	observe(event(3, listener.ProcessStateStopping, fmt.Sprintf("processname:a groupname:a from_state:RUNNING pid:%d", pid)))
	if got := cs.snapshot().sub(before); got.total() != 0 {
		t.Errorf("a late event of a removed process: %v", got)
	}
	ch = observe(event(4, listener.ProcessGroupAdded, "groupname:a\n"))
	if got := cs.snapshot().sub(before); got.all != 1 || len(ch) != 1 || !ch[0].Added() {
		t.Errorf("ADDED for an unknown group: %v, changes %+v", got, ch)
	}

	// An event of a process the table does not know reads every process.
	if _, err := s.Client().StopProcessGroup(ctx, "b", true); err != nil {
		t.Fatal(err)
	}
	observe(event(5, listener.ProcessGroupRemoved, "groupname:b\n"))
	if err := s.Client().RemoveProcessGroup(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().AddProcessGroup(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	settle(t, s.Client())
	delete(tab.removed, key{"b", "b"}) // as if the REMOVED event were lost, not delivered
	before = cs.snapshot()
	observe(event(6, listener.ProcessStateStarting, "processname:b groupname:b from_state:STOPPED tries:0"))
	if got := cs.snapshot().sub(before); got.all != 1 {
		t.Errorf("an event of an unknown process: %v", got)
	}

	// Events 7 and 8 were lost to a full buffer: the next Check reads
	// every process.
	observe(event(9, listener.Tick5, "when:1800000000"))
	if st := tab.Stats(); st.Gaps != 1 {
		t.Errorf("gaps: %+v", st)
	}
	if got := cs.snapshot().sub(before); got.all != 2 {
		t.Errorf("the tick after a gap: %v", got)
	}
	if m := mismatch(tab.Processes(), settle(t, s.Client())); m != "" {
		t.Error(m)
	}
}

func TestDetail(t *testing.T) {
	ctx := context.Background()
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: harnessPrograms(t, "a")})
	cs := &counting{Supervisor: s.Client()}
	tab := newTable(t, cs, Config{Refresh: -1})
	if err := tab.Load(ctx); err != nil {
		t.Fatal(err)
	}
	pid := s.Process("a").PID()
	// As if events told a restart: STARTING then nothing yet.
	for i, ev := range []listener.Event{
		event(1, listener.ProcessStateExited, fmt.Sprintf("processname:a groupname:a from_state:RUNNING expected:0 pid:%d", pid)),
		event(2, listener.ProcessStateStarting, "processname:a groupname:a from_state:EXITED tries:0"),
	} {
		if _, err := tab.Observe(ctx, ev); err != nil {
			t.Fatal(i, err)
		}
	}
	p, _ := tab.Process("a")
	if p.State != listener.StateStarting || p.PID != 0 || p.Detailed {
		t.Fatalf("after the events: %+v", p)
	}
	before := cs.snapshot()
	d, err := tab.Detail(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := processFrom(s.Process("a").Info())
	if d != want || cs.snapshot().sub(before).one != 1 {
		t.Errorf("Detail: %+v, want %+v", d, want)
	}
	if p, _ := tab.Process("a"); p != want {
		t.Errorf("the table after Detail: %+v", p)
	}
	if _, err := tab.Detail(ctx, "nope"); !errors.Is(err, rpc.ErrBadName) {
		t.Errorf("Detail of an unknown process: %v", err)
	}
}
