package restart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness"
)

// sleeper runs for an hour; stubborn ignores SIGTERM, so supervisord must
// wait StopWaitSecs and kill it.
var (
	sleeper  = []string{"sleep", "3600"}
	stubborn = []string{"sh", "-c", `trap "" TERM; exec sleep 3600`}
)

// waitStubborn waits until the stubborn process has set its trap and
// become sleep: a SIGTERM before that would kill the shell at once.
func waitStubborn(t *testing.T, s *testharness.Supervisor, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", s.Process(name).PID()))
		if string(comm) == "sleep\n" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s did not exec sleep", name)
}

func program(name string, argv []string, cfg testharness.ProcessConfig) testharness.Program {
	cfg.Command = argv
	return testharness.Program{Name: name, ProcessConfig: cfg}
}

// start runs an emulated supervisord with its XML-RPC server and returns it
// with a client.
func start(t *testing.T, programs ...testharness.Program) (*testharness.Supervisor, *rpc.Client) {
	t.Helper()
	s := testharness.Start(t, testharness.Config{RPC: true, Programs: programs})
	c, err := rpc.New(s.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// outcomes collects the outcomes of restarts.
type outcomes struct {
	mu  sync.Mutex
	got []Outcome
	ch  chan Outcome
}

func newOutcomes() *outcomes { return &outcomes{ch: make(chan Outcome, 100)} }

func (o *outcomes) done(_ context.Context, out Outcome) {
	o.mu.Lock()
	o.got = append(o.got, out)
	o.mu.Unlock()
	o.ch <- out
}

func (o *outcomes) wait(t *testing.T) Outcome {
	t.Helper()
	select {
	case out := <-o.ch:
		return out
	case <-time.After(20 * time.Second):
		t.Fatal("no outcome within 20s")
	}
	panic("unreachable")
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// restarts counts how many times process went through STOPPED or EXITED
// and back to RUNNING.
func restarts(s *testharness.Supervisor, process string) int {
	n := 0
	states := s.Transcript().ProcessStates(process)
	for i, st := range states {
		if st == listener.StateRunning && slices.ContainsFunc(states[:i], func(p listener.State) bool {
			return p == listener.StateStopped || p == listener.StateExited
		}) {
			n++
		}
	}
	return n
}

func TestRestartRunsInTheBackground(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("slow", stubborn, testharness.ProcessConfig{StopWaitSecs: 400 * time.Millisecond}))
	waitStubborn(t, s, "slow")
	pid := s.Process("slow").PID()
	r := New(c, Config{})
	o := newOutcomes()

	begun := time.Now()
	if err := r.Restart(Request{Name: "slow", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	// The stop takes StopWaitSecs; Restart must not have waited for it.
	if p := s.Process("slow"); !r.InFlight("slow") || p.PID() != pid {
		t.Fatalf("Restart returned after %v with the process %v, pid %d", time.Since(begun), p.State(), p.PID())
	}
	if err := r.Restart(Request{Name: "slow", Done: o.done}); !errors.Is(err, ErrInFlight) {
		t.Fatalf("second Restart: %v, want ErrInFlight", err)
	}
	out := o.wait(t)
	if err := out.Err(); err != nil || out.NotRunning || out.AlreadyStarted || out.Interrupted {
		t.Fatalf("outcome %+v", out)
	}
	if r.InFlight("slow") {
		t.Fatal("still in flight after Done")
	}
	p := s.Process("slow")
	if p.State() != listener.StateRunning || p.PID() == pid {
		t.Fatalf("after restart: %v pid %d (was %d)", p.State(), p.PID(), pid)
	}
	if err := r.Shutdown(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
}

// A process that stopped by itself between the check and the restart is
// simply started.
func TestRestartOfAStoppedProcessStartsIt(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("idle", sleeper, testharness.ProcessConfig{NoAutostart: true}))
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "idle", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	out := o.wait(t)
	if out.Err() != nil || !out.NotRunning {
		t.Fatalf("outcome %+v, want NotRunning and no error", out)
	}
	if st := s.Process("idle").State(); st != listener.StateRunning {
		t.Fatalf("state %v", st)
	}
}

// StopOnly stops the process and starts nothing; it counts in the budget.
func TestStopOnlyLeavesTheProcessStopped(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("web", sleeper, testharness.ProcessConfig{}))
	r := New(c, Config{Policy: Policy{MaxRestarts: 1, Window: time.Hour}})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "web", StopOnly: true, Done: o.done}); err != nil {
		t.Fatal(err)
	}
	if out := o.wait(t); out.Err() != nil || out.NotRunning || out.AlreadyStarted {
		t.Fatalf("outcome %+v", out)
	}
	if st := s.Process("web").State(); st != listener.StateStopped {
		t.Fatalf("state %v, want STOPPED", st)
	}
	var budget *BudgetError
	if err := r.Restart(Request{Name: "web"}); !errors.As(err, &budget) {
		t.Fatalf("second request: %v, want the budget's refusal", err)
	}
}

// startedByOthers starts the process itself between the stop and the
// start, as an operator running supervisorctl start would.
type startedByOthers struct{ *rpc.Client }

func (c startedByOthers) StopProcess(ctx context.Context, name string, wait bool) error {
	if err := c.Client.StopProcess(ctx, name, wait); err != nil {
		return err
	}
	return c.Client.StartProcess(ctx, name, true)
}

func TestAlreadyStartedIsNotAFailure(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("app", sleeper, testharness.ProcessConfig{}))
	r := New(startedByOthers{c}, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "app", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	out := o.wait(t)
	if out.Err() != nil || !out.AlreadyStarted {
		t.Fatalf("outcome %+v, want AlreadyStarted and no error", out)
	}
	if n := restarts(s, "app"); n != 1 {
		t.Fatalf("%d restarts", n)
	}
}

func TestFailedStartIsReported(t *testing.T) {
	t.Parallel()
	// The program runs once, then exits at once on every later start, so
	// the waiting startProcess fails.
	marker := filepath.Join(t.TempDir(), "started")
	argv := []string{"sh", "-c", `test -e "$0" && exit 1; touch "$0"; exec sleep 3600`, marker}
	s, c := start(t, program("once", argv, testharness.ProcessConfig{StartSecs: 300 * time.Millisecond, StartRetries: -1}))
	if err := s.WaitProcessState(ctxFor(t), "once", listener.StateRunning); err != nil {
		t.Fatal(err)
	}
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "once", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	out := o.wait(t)
	var fault *rpc.Fault
	if out.StopErr != nil || !errors.As(out.StartErr, &fault) {
		t.Fatalf("outcome %+v, want a start fault", out)
	}
	if got := Describe(out.StartErr); got != "<Fault 40: 'ABNORMAL_TERMINATION: once'>" && got != "<Fault 50: 'SPAWN_ERROR: once'>" {
		t.Errorf("described as %q", got)
	}
}

func TestUnknownProcessIsReported(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "web:web_07", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	out := o.wait(t)
	// supervisord answered the stop with a fault, so the start was tried
	// too, as superlance does.
	if !errors.Is(out.StopErr, rpc.ErrBadName) || !errors.Is(out.StartErr, rpc.ErrBadName) {
		t.Fatalf("outcome %+v, want BAD_NAME twice", out)
	}
	if got := Describe(out.StopErr); got != "<Fault 10: 'BAD_NAME: web:web_07'>" {
		t.Errorf("described as %q", got)
	}
}

func TestSupervisordGoneIsReportedWithoutAStart(t *testing.T) {
	t.Parallel()
	c, err := rpc.New("unix://" + filepath.Join(t.TempDir(), "gone.sock"))
	if err != nil {
		t.Fatal(err)
	}
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "app", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	out := o.wait(t)
	if out.StopErr == nil || out.StartErr != nil {
		t.Fatalf("outcome %+v, want a stop error and no start", out)
	}
}

func TestShuttingDownSupervisordIsReported(t *testing.T) {
	t.Parallel()
	_, c := start(t, program("app", sleeper, testharness.ProcessConfig{}))
	if err := c.Shutdown(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "app", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	out := o.wait(t)
	if !errors.Is(out.StopErr, rpc.ErrShutdownState) {
		t.Fatalf("outcome %+v, want SHUTDOWN_STATE", out)
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	_, c := start(t, program("app", sleeper, testharness.ProcessConfig{}))
	fake := clock.NewFake(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	r := New(c, Config{Policy: Policy{MaxRestarts: 2, Window: time.Hour}, Clock: fake})
	o := newOutcomes()
	restart := func() error {
		err := r.Restart(Request{Name: "app", Done: o.done})
		if err == nil {
			if out := o.wait(t); out.Err() != nil {
				t.Fatal(out.Err())
			}
		}
		return err
	}
	for i := range 2 {
		if err := restart(); err != nil {
			t.Fatalf("restart %d: %v", i+1, err)
		}
		fake.Advance(10 * time.Minute)
	}
	var be *BudgetError
	if err := restart(); !errors.As(err, &be) || !be.First || be.Restarts != 2 || !be.Next.Equal(fake.Now().Add(40*time.Minute)) {
		t.Fatalf("third restart: %v (%+v)", err, be)
	}
	if want := "restart budget spent: restarted 2 times in the last 1h0m0s (--max-restarts); next restart allowed after 2025-01-01 13:00:00"; be.Error() != want {
		t.Errorf("message %q", be.Error())
	}
	if err := restart(); !errors.As(err, &be) || be.First {
		t.Fatalf("fourth restart: %v, want a repeated refusal", err)
	}
	// The first restart leaves the window at 13:00.
	fake.Advance(40 * time.Minute)
	if err := restart(); err != nil {
		t.Fatalf("after the window moved: %v", err)
	}
	if err := restart(); !errors.As(err, &be) || !be.First {
		t.Fatalf("budget spent again: %v, want a new first refusal", err)
	}
}

func TestShutdownWaitsForRestarts(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("slow", stubborn, testharness.ProcessConfig{StopWaitSecs: 300 * time.Millisecond}))
	waitStubborn(t, s, "slow")
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "slow", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	mailed := make(chan struct{})
	if err := r.Go(func(ctx context.Context) { close(mailed) }); err != nil {
		t.Fatal(err)
	}
	if err := r.Shutdown(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case out := <-o.ch:
		if out.Err() != nil {
			t.Fatal(out.Err())
		}
	default:
		t.Fatal("Shutdown returned before the restart finished")
	}
	<-mailed
	if st := s.Process("slow").State(); st != listener.StateRunning {
		t.Fatalf("state %v", st)
	}
	if err := r.Restart(Request{Name: "slow"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Restart after Shutdown: %v", err)
	}
	if err := r.Go(func(context.Context) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Go after Shutdown: %v", err)
	}
}

func TestShutdownGivesUpAtItsDeadline(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("stuck", stubborn, testharness.ProcessConfig{StopWaitSecs: 2 * time.Second}))
	waitStubborn(t, s, "stuck")
	r := New(c, Config{})
	o := newOutcomes()
	if err := r.Restart(Request{Name: "stuck", Done: o.done}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := r.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "interrupted the restart of stuck: context deadline exceeded" {
		t.Fatalf("Shutdown: %v", err)
	}
	out := o.wait(t)
	if !out.Interrupted || !errors.Is(out.StopErr, context.Canceled) {
		t.Fatalf("outcome %+v", out)
	}
}

func TestPrepareRunsBeforeTheStop(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("app", sleeper, testharness.ProcessConfig{}))
	r := New(c, Config{})
	o := newOutcomes()
	var stateAtPrepare listener.State
	if err := r.Restart(Request{Name: "app", Done: o.done, Prepare: func(ctx context.Context) {
		stateAtPrepare = s.Process("app").State()
	}}); err != nil {
		t.Fatal(err)
	}
	if out := o.wait(t); out.Err() != nil {
		t.Fatal(out.Err())
	}
	if stateAtPrepare != listener.StateRunning {
		t.Fatalf("Prepare saw %v", stateAtPrepare)
	}
}

// Hold keeps the process stopped until it returns; an error leaves it
// stopped.
func TestHoldRunsBetweenTheStopAndTheStart(t *testing.T) {
	t.Parallel()
	s, c := start(t, program("app", sleeper, testharness.ProcessConfig{}), program("left", sleeper, testharness.ProcessConfig{}))
	r := New(c, Config{})
	o := newOutcomes()
	release := make(chan struct{})
	held := make(chan listener.State, 1)
	if err := r.Restart(Request{Name: "app", Done: o.done, Hold: func(ctx context.Context) error {
		held <- s.Process("app").State()
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if st := <-held; st != listener.StateStopped {
		t.Fatalf("Hold began with app %v, want STOPPED", st)
	}
	if st := s.Process("app").State(); st != listener.StateStopped || !r.InFlight("app") {
		t.Fatalf("held: app %v, in flight %v", st, r.InFlight("app"))
	}
	close(release)
	if out := o.wait(t); out.Err() != nil {
		t.Fatal(out.Err())
	}
	if st := s.Process("app").State(); st != listener.StateRunning {
		t.Fatalf("after Hold: app %v", st)
	}

	errGone := errors.New("what it waits for went away")
	if err := r.Restart(Request{Name: "left", Done: o.done, Hold: func(ctx context.Context) error { return errGone }}); err != nil {
		t.Fatal(err)
	}
	if out := o.wait(t); !errors.Is(out.StartErr, errGone) || out.StopErr != nil {
		t.Fatalf("outcome %+v, want StartErr %v", out, errGone)
	}
	if st := s.Process("left").State(); st != listener.StateStopped {
		t.Fatalf("after a failed Hold: left %v, want STOPPED", st)
	}
}

func TestParallelBoundsConcurrentRestarts(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "c"}
	var programs []testharness.Program
	for _, n := range names {
		programs = append(programs, program(n, sleeper, testharness.ProcessConfig{}))
	}
	_, c := start(t, programs...)
	var mu sync.Mutex
	running, peak := 0, 0
	r := New(c, Config{Parallel: 1})
	o := newOutcomes()
	for _, n := range names {
		err := r.Restart(Request{Name: n, Done: o.done, Prepare: func(ctx context.Context) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range names {
		if out := o.wait(t); out.Err() != nil {
			t.Fatal(out.Err())
		}
	}
	if peak != 1 {
		t.Fatalf("%d restarts ran at once with Parallel 1", peak)
	}
}
