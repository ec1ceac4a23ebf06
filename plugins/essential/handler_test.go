package essential

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// fakeSupervisor answers as supervisord would about one program's end,
// and counts the shutdowns asked for.
type fakeSupervisor struct {
	mu        sync.Mutex
	info      rpc.ProcessInfo
	mainLog   string
	shutdowns int
	// shutdownErrs are returned by the next Shutdown calls, in order.
	shutdownErrs []error
	// stateErr is GetState's error: rpc.ErrShutdownState for a
	// supervisord already stopping.
	stateErr error
}

func (f *fakeSupervisor) GetProcessInfo(context.Context, string) (rpc.ProcessInfo, error) {
	return f.info, nil
}
func (f *fakeSupervisor) ReadLog(context.Context, int, int) (string, error) { return f.mainLog, nil }
func (f *fakeSupervisor) TailProcessStderrLog(context.Context, string, int, int) (rpc.LogTail, error) {
	return rpc.LogTail{}, nil
}
func (f *fakeSupervisor) TailProcessStdoutLog(context.Context, string, int, int) (rpc.LogTail, error) {
	return rpc.LogTail{}, nil
}
func (f *fakeSupervisor) GetState(context.Context) (rpc.SupervisorState, error) {
	if f.stateErr != nil {
		return 0, f.stateErr
	}
	return rpc.SupervisorRunning, nil
}
func (f *fakeSupervisor) Shutdown(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shutdowns++
	if len(f.shutdownErrs) > 0 {
		err := f.shutdownErrs[0]
		f.shutdownErrs = f.shutdownErrs[1:]
		return err
	}
	return nil
}

func (f *fakeSupervisor) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shutdowns
}

// event builds a PROCESS_STATE_* event.
func event(state, payload string) listener.Event {
	return listener.Event{Header: listener.Header{EventName: listener.EventType("PROCESS_STATE_" + state), Serial: 7}, Payload: payload}
}

const (
	fatalWeb      = "processname:web groupname:web from_state:BACKOFF"
	crashedWeb    = "processname:web groupname:web from_state:RUNNING expected:0 pid:4242"
	finishedWeb   = "processname:web groupname:web from_state:RUNNING expected:1 pid:4242"
	crashedWorker = "processname:worker groupname:worker from_state:RUNNING expected:0 pid:4343"
	webExited3    = "2026-12-02 17:00:00,000 INFO spawned: 'web' with pid 4242\n" +
		"2026-12-02 17:00:05,000 WARN exited: web (exit status 3; not expected)\n"
	webKilled = "2026-12-02 17:00:00,000 INFO spawned: 'web' with pid 4242\n" +
		"2026-12-02 17:00:05,000 WARN exited: web (terminated by SIGKILL; not expected)\n"
)

type fixture struct {
	h      *handler
	sv     *fakeSupervisor
	record string
	log    *rig.Buffer
}

func newFixture(t *testing.T, on trigger, sv *fakeSupervisor, programs ...string) *fixture {
	t.Helper()
	sel, err := selection.New(selection.Spec{Programs: programs, Empty: selection.EmptyNone, Policy: selection.SelfNever})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{sv: sv, record: filepath.Join(t.TempDir(), "record.json"), log: &rig.Buffer{}}
	f.h = newHandler(config{selector: sel, on: on, record: f.record, log: log.New(f.log),
		retry: retry.Policy{MaxAttempts: 3, Initial: time.Millisecond, Jitter: retry.NoJitter}}, sv)
	return f
}

func (f *fixture) read(t *testing.T) (record, bool) {
	t.Helper()
	r, ok, err := readRecord(f.record)
	if err != nil {
		t.Fatal(err)
	}
	return r, ok
}

func TestFatalIsRecordedThenShutsDown(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{info: rpc.ProcessInfo{Name: "web", Group: "web", State: listener.StateFatal,
		SpawnErr: "Exited too quickly (process log may have details)"}, mainLog: webExited3}
	f := newFixture(t, onFatal, sv, "web")
	if err := f.h.HandleEvent(context.Background(), event("FATAL", fatalWeb)); err != nil {
		t.Fatal(err)
	}
	r, ok := f.read(t)
	if !ok || r.Program != "web" || r.State != "FATAL" || r.From != "BACKOFF" || r.Code != codeFatal ||
		r.Exit != "exit status 3" || !strings.HasPrefix(r.SpawnErr, "Exited too quickly") {
		t.Fatalf("record %+v, %v", r, ok)
	}
	if sv.count() != 1 {
		t.Errorf("%d shutdowns, want 1", sv.count())
	}
	if want := "web went FATAL (Exited too quickly (process log may have details)): shutting supervisord down; essential run will exit with 69"; !strings.Contains(f.log.Messages(), want) {
		t.Errorf("log lacks %q:\n%s", want, f.log.Messages())
	}
}

func TestTriggers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		on      trigger
		state   string
		payload string
		fires   bool
	}{
		{onFatal, "FATAL", fatalWeb, true},
		{onFatal, "EXITED", crashedWeb, false},
		{onUnexpected, "EXITED", crashedWeb, true},
		{onUnexpected, "EXITED", finishedWeb, false},
		{onUnexpected, "FATAL", fatalWeb, true},
		{onExit, "EXITED", finishedWeb, true},
		{onExit, "STOPPED", "processname:web groupname:web from_state:STOPPING pid:4242", false},
		{onExit, "EXITED", crashedWorker, false}, // not selected
		{onExit, "BACKOFF", "processname:web groupname:web from_state:STARTING tries:1", false},
	} {
		sv := &fakeSupervisor{info: rpc.ProcessInfo{Name: "web", Group: "web", State: listener.StateExited}, mainLog: webExited3}
		f := newFixture(t, tt.on, sv, "web")
		if err := f.h.HandleEvent(context.Background(), event(tt.state, tt.payload)); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.read(t); ok != tt.fires || (sv.count() == 1) != tt.fires {
			t.Errorf("--on %s, %s %q: recorded %v, %d shutdowns; want firing %v", tt.on, tt.state, tt.payload, ok, sv.count(), tt.fires)
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		payload, mainLog string
		want             int
	}{
		{crashedWeb, webExited3, 3},
		{crashedWeb, webKilled, 128 + 9},
		{finishedWeb, strings.ReplaceAll(webExited3, "exit status 3; not expected", "exit status 0; expected"), 0},
	} {
		sv := &fakeSupervisor{info: rpc.ProcessInfo{Name: "web", Group: "web", State: listener.StateExited}, mainLog: tt.mainLog}
		f := newFixture(t, onExit, sv, "web")
		if err := f.h.HandleEvent(context.Background(), event("EXITED", tt.payload)); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.read(t); r.Code != tt.want {
			t.Errorf("%q: code %d, want %d (%+v)", tt.mainLog, r.Code, tt.want, r)
		}
	}
}

func TestExitCodeTable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		state    listener.State
		expected bool
		cause    string
		want     int
	}{
		{listener.StateFatal, false, "exit status 3", codeFatal},
		{listener.StateFatal, false, "", codeFatal},
		{listener.StateExited, false, "exit status 3", 3},
		{listener.StateExited, true, "exit status 0", 0},
		{listener.StateExited, false, "terminated by SIGTERM", 143},
		{listener.StateExited, false, "terminated by SIGSEGV (core dumped)", 139},
		{listener.StateExited, false, "killed by a signal", codeSignalled},
		{listener.StateExited, false, "", codeUnknown},
		{listener.StateExited, true, "", 0},
	} {
		exit := crashinfo.Exit{Cause: tt.cause}
		if got := exitCode(tt.state, tt.expected, exit); got != tt.want {
			t.Errorf("exitCode(%v, %v, %q) = %d, want %d", tt.state, tt.expected, tt.cause, got, tt.want)
		}
	}
}

func TestFirstRecordStands(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{info: rpc.ProcessInfo{State: listener.StateExited}, mainLog: webExited3}
	f := newFixture(t, onUnexpected, sv, "web", "worker")
	ctx := context.Background()
	if err := f.h.HandleEvent(ctx, event("EXITED", crashedWeb)); err != nil {
		t.Fatal(err)
	}
	// A second essential program ending in the shutdown, then a
	// redelivery of the first event: neither changes the record.
	sv.mainLog = "2026-12-02 17:00:06,000 WARN exited: worker (exit status 5; not expected)\n"
	for _, ev := range []listener.Event{event("EXITED", crashedWorker), event("EXITED", crashedWeb)} {
		if err := f.h.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := f.read(t); r.Program != "web" || r.Code != 3 {
		t.Errorf("record %+v, want web's with code 3", r)
	}
	if sv.count() != 3 {
		t.Errorf("%d shutdowns, want 3: each event is answered once supervisord accepted one", sv.count())
	}
}

func TestShutdownRetriedThenRejected(t *testing.T) {
	t.Parallel()
	refused := errors.New("connection refused")
	sv := &fakeSupervisor{info: rpc.ProcessInfo{State: listener.StateFatal}, shutdownErrs: []error{refused, refused, refused, refused}}
	f := newFixture(t, onFatal, sv, "web")
	err := f.h.HandleEvent(context.Background(), event("FATAL", fatalWeb))
	if !errors.Is(err, refused) {
		t.Fatalf("HandleEvent = %v, want the refusal, so that the event is rejected", err)
	}
	if _, ok := f.read(t); !ok {
		t.Error("no record: it must be written before the shutdown is asked for")
	}
	// supervisord delivers the event again; this time it answers.
	if err := f.h.HandleEvent(context.Background(), event("FATAL", fatalWeb)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(f.log.Messages(), "is not shut down"); n != 1 {
		t.Errorf("the failure is logged %d times, want once:\n%s", n, f.log.Messages())
	}
	if !strings.Contains(f.log.Messages(), "supervisord accepted the shutdown after") {
		t.Errorf("no line says it recovered:\n%s", f.log.Messages())
	}
}

func TestAlreadyShuttingDown(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{stateErr: &rpc.Fault{Code: rpc.ErrShutdownState, String: "SHUTDOWN_STATE"}}
	f := newFixture(t, onExit, sv, "web")
	if err := f.h.HandleEvent(context.Background(), event("EXITED", crashedWeb)); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.read(t); ok || sv.count() != 0 {
		t.Errorf("a program ending in someone else's shutdown was recorded (%v) or shut down again (%d)", ok, sv.count())
	}
	// A SHUTDOWN_STATE answer to the shutdown itself is what was asked.
	sv = &fakeSupervisor{shutdownErrs: []error{&rpc.Fault{Code: rpc.ErrShutdownState, String: "SHUTDOWN_STATE"}}}
	f = newFixture(t, onFatal, sv, "web")
	if err := f.h.HandleEvent(context.Background(), event("FATAL", fatalWeb)); err != nil || sv.count() != 1 {
		t.Errorf("HandleEvent = %v after %d shutdowns", err, sv.count())
	}
}

func TestResumeFinishesAnEarlierShutdown(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{}
	f := newFixture(t, onFatal, sv, "other")
	if err := f.h.resume(context.Background()); err != nil || sv.count() != 0 {
		t.Fatalf("resume without a record: %v, %d shutdowns", err, sv.count())
	}
	if _, err := writeRecord(f.record, record{Program: "web", State: "FATAL", Code: codeFatal}); err != nil {
		t.Fatal(err)
	}
	if err := f.h.resume(context.Background()); err != nil || sv.count() != 1 {
		t.Fatalf("resume: %v, %d shutdowns", err, sv.count())
	}
	if !strings.Contains(f.log.Messages(), "web went FATAL, as an earlier essential listener recorded") {
		t.Errorf("log:\n%s", f.log.Messages())
	}
}

func TestWithoutRecordStillShutsDown(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{info: rpc.ProcessInfo{State: listener.StateFatal}}
	f := newFixture(t, onFatal, sv, "web")
	f.h.cfg.record = ""
	if err := f.h.HandleEvent(context.Background(), event("FATAL", fatalWeb)); err != nil || sv.count() != 1 {
		t.Fatalf("HandleEvent = %v, %d shutdowns", err, sv.count())
	}
	if !strings.Contains(f.log.Messages(), "it will exit 0, since no essential run started it") {
		t.Errorf("log:\n%s", f.log.Messages())
	}
}

func TestUnwritableRecordRejects(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{info: rpc.ProcessInfo{State: listener.StateFatal}}
	f := newFixture(t, onFatal, sv, "web")
	f.h.cfg.record = filepath.Join(t.TempDir(), "missing-dir", "record.json")
	if err := f.h.HandleEvent(context.Background(), event("FATAL", fatalWeb)); err == nil || sv.count() != 0 {
		t.Fatalf("HandleEvent = %v after %d shutdowns: supervisord must not be shut down without the record", err, sv.count())
	}
	if _, err := os.Stat(filepath.Dir(f.h.cfg.record)); !os.IsNotExist(err) {
		t.Error("the record's directory was created")
	}
}

func TestRecordString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		r    record
		want string
	}{
		{record{Program: "web", State: "EXITED", Exit: "exit status 3"}, "web exited (exit status 3; not expected)"},
		{record{Program: "web", State: "EXITED", Exit: "exit status 0", Expected: true}, "web exited (exit status 0; expected)"},
		{record{Program: "db:db_01", State: "FATAL", SpawnErr: "can't find command 'x'"}, "db:db_01 went FATAL (can't find command 'x')"},
		{record{Program: "web", State: "EXITED"}, "web exited"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.r, got, tt.want)
		}
	}
}

// A malformed event of a type essential handles gets the one line every
// plugin writes for it, is acknowledged and shuts nothing down.
func TestMalformedEventIsLogged(t *testing.T) {
	t.Parallel()
	sv := &fakeSupervisor{}
	f := newFixture(t, onFatal, sv, "web")
	if err := f.h.HandleEvent(context.Background(), event("FATAL", "garbage")); err != nil {
		t.Fatalf("a malformed event rejected: %v", err)
	}
	if n := strings.Count(f.log.Messages(), `ignoring a malformed PROCESS_STATE_FATAL event (serial 7): token without a colon, in payload "garbage"`); n != 1 {
		t.Errorf("%d malformed-event lines, want 1:\n%s", n, f.log.Messages())
	}
	if sv.count() != 0 {
		t.Errorf("%d shutdowns, want none", sv.count())
	}
}
