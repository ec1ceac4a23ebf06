package testharness

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

const (
	stStopped  = listener.StateStopped
	stStarting = listener.StateStarting
	stRunning  = listener.StateRunning
	stBackoff  = listener.StateBackoff
	stStopping = listener.StateStopping
	stExited   = listener.StateExited
	stFatal    = listener.StateFatal
)

// recorderPool is a virtual pool that acknowledges nothing: the test reads
// the notified events from the transcript instead.
func stateEvents(tr *Transcript, process string) []string {
	var out []string
	for _, r := range tr.Filter(RecordNotified, "") {
		if !r.EventName.Is(listener.ProcessState) {
			continue
		}
		ev := listener.Event{Header: listener.Header{EventName: r.EventName}, Payload: r.Payload}
		pse, err := ev.ProcessState()
		if err != nil {
			panic(err)
		}
		if pse.Namespec() != process {
			continue
		}
		out = append(out, strings.TrimPrefix(string(r.EventName), "PROCESS_STATE_")+" "+
			stripPID(strings.TrimPrefix(r.Payload, "processname:"+pse.ProcessName+" groupname:"+pse.GroupName+" ")))
	}
	return out
}

var pidToken = regexp.MustCompile(`\bpid:[1-9][0-9]*`)

// stripPID replaces pid values, which differ from run to run.
func stripPID(payload string) string {
	return pidToken.ReplaceAllString(payload, "pid:N")
}

func TestVirtualProgramLifecycle(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessState}, BufferSize: 100}},
		Programs: []Program{{Name: "app", ProcessConfig: ProcessConfig{ExitCodes: []int{0, 2}}}}})
	app := procOf(t, s, "app")
	must(t, app.Exit(2)) // expected: autorestart=unexpected leaves it EXITED
	if app.State() != stExited {
		t.Fatalf("state %s", app.State())
	}
	ctx := testCtx(t)
	must(t, app.Start(ctx, true))
	must(t, app.Exit(1)) // unexpected: restarted
	must(t, app.Stop(ctx, true))
	want := []string{
		"STARTING from_state:STOPPED tries:0",
		"RUNNING from_state:STARTING pid:N",
		"EXITED from_state:RUNNING expected:1 pid:N",
		"STARTING from_state:EXITED tries:0",
		"RUNNING from_state:STARTING pid:N",
		"EXITED from_state:RUNNING expected:0 pid:N",
		"STARTING from_state:EXITED tries:0",
		"RUNNING from_state:STARTING pid:N",
		"STOPPING from_state:RUNNING pid:N",
		"STOPPED from_state:STOPPING pid:N",
	}
	if got := stateEvents(s.Transcript(), "app"); !slices.Equal(got, want) {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	info := app.Info()
	if info.ExitStatus != -1 || !strings.Contains(info.Description, " ") || info.PID != 0 {
		t.Errorf("info after stop %+v", info)
	}
	if sigs := app.Signals(); !slices.Equal(sigs, []syscall.Signal{syscall.SIGTERM}) {
		t.Errorf("signals %v", sigs)
	}
}

// A process that dies within startsecs backs off, retries after 1, 2, ...
// backoff units, and is FATAL once the retries are spent.
func TestBackoffThenFatal(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{BackoffUnit: time.Millisecond, Programs: []Program{{Name: "failer", ProcessConfig: ProcessConfig{
		Command: []string{"/bin/false"}, StartSecs: 10 * time.Second, StartRetries: 2}}}})
	ctx := testCtx(t)
	must(t, s.WaitProcessState(ctx, "failer", stFatal))
	want := []string{
		"STARTING from_state:STOPPED tries:0",
		"BACKOFF from_state:STARTING tries:1",
		"STARTING from_state:BACKOFF tries:1",
		"BACKOFF from_state:STARTING tries:2",
		"STARTING from_state:BACKOFF tries:2",
		"BACKOFF from_state:STARTING tries:3",
		"FATAL from_state:BACKOFF",
	}
	if got := stateEvents(s.Transcript(), "failer"); !slices.Equal(got, want) {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	info := procOf(t, s, "failer").Info()
	if info.Description != "Exited too quickly (process log may have details)" || info.State != stFatal {
		t.Fatalf("info %+v", info)
	}
	// startProcess on a FATAL process starts it again (and fails again).
	err := procOf(t, s, "failer").Start(ctx, true)
	var fault *rpc.Fault
	if !errors.As(err, &fault) || !errors.Is(err, rpc.ErrSpawnError) || fault.String != "SPAWN_ERROR: failer" {
		t.Fatalf("Start = %v, want SPAWN_ERROR", err)
	}
}

// Stopping a BACKOFF process goes straight to STOPPED with pid:0.
func TestStopDuringBackoff(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{BackoffUnit: time.Hour, Programs: []Program{{Name: "failer", ProcessConfig: ProcessConfig{
		Command: []string{"/bin/false"}, StartSecs: 10 * time.Second}}}})
	ctx := testCtx(t)
	must(t, s.WaitProcessState(ctx, "failer", stBackoff))
	must(t, procOf(t, s, "failer").Stop(ctx, true))
	got := stateEvents(s.Transcript(), "failer")
	if got[len(got)-1] != "STOPPED from_state:BACKOFF pid:0" {
		t.Fatalf("events %q", got)
	}
}

// A child that ignores SIGTERM is killed after stopwaitsecs.
func TestStopEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	argv, env := helperCommand(t, "sleeper", "TESTHARNESS_IGNORE_TERM=1", "TESTHARNESS_SAY=ready\n")
	s := Start(t, Config{Programs: []Program{{Name: "stubborn", ProcessConfig: ProcessConfig{
		Command: argv, Env: env, StopWaitSecs: 100 * time.Millisecond}}}})
	ctx := testCtx(t)
	must(t, s.WaitProcessState(ctx, "stubborn", stRunning))
	// The child ignores SIGTERM only once it has set that up.
	must(t, s.waitUntil(ctx, "stubborn's greeting", func() bool {
		b, _ := os.ReadFile(s.procs["stubborn"].logPath(Stdout))
		return string(b) == "ready\n"
	}))
	must(t, procOf(t, s, "stubborn").Stop(ctx, true))
	tr := s.Transcript()
	exits := tr.Filter(RecordExited, "stubborn")
	if len(exits) != 1 || exits[0].Reason != "terminated by SIGKILL" {
		t.Fatalf("exits %v", exits)
	}
	// supervisord sends SIGKILL again every stopwaitsecs until the child is
	// reaped, so a slow machine may see more than one.
	if got := procOf(t, s, "stubborn").Signals(); len(got) < 2 || got[0] != syscall.SIGTERM ||
		slices.ContainsFunc(got[1:], func(sig syscall.Signal) bool { return sig != syscall.SIGKILL }) {
		t.Fatalf("signals %v, want SIGTERM then SIGKILL", got)
	}
	// The SIGKILL emits no second STOPPING event.
	if got := stateEvents(tr, "stubborn"); !slices.Equal(got[len(got)-2:], []string{"STOPPING from_state:RUNNING pid:N", "STOPPED from_state:STOPPING pid:N"}) {
		t.Fatalf("events %q", got)
	}
}

func TestRealChildExitCodesAndEnvironment(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{RPC: true, Programs: []Program{
		{Name: "crash", ProcessConfig: ProcessConfig{Command: []string{"sh", "-c", "exit 3"}, Autorestart: RestartNever}},
		{Name: "env", ProcessConfig: ProcessConfig{
			Command: []string{"sh", "-c", `echo "$SUPERVISOR_ENABLED $SUPERVISOR_PROCESS_NAME $SUPERVISOR_GROUP_NAME $SUPERVISOR_SERVER_URL $EXTRA"`},
			Env:     []string{"EXTRA=extra"}, Autorestart: RestartNever}},
	}, Groups: []Group{{Name: "grp", Programs: []string{"env"}}}})
	ctx := testCtx(t)
	must(t, s.WaitProcessState(ctx, "crash", stExited))
	must(t, s.WaitProcessState(ctx, "grp:env", stExited))
	if got := stateEvents(s.Transcript(), "crash"); got[len(got)-1] != "EXITED from_state:RUNNING expected:0 pid:N" {
		t.Fatalf("crash events %q", got)
	}
	if info := procOf(t, s, "crash").Info(); info.ExitStatus != 3 || info.SpawnErr != "Bad exit code 3" {
		t.Fatalf("crash info %+v", info)
	}
	out, err := os.ReadFile(s.procs["grp:env"].logPath(Stdout))
	must(t, err)
	if want := "1 env grp " + s.ServerURL() + " extra\n"; string(out) != want {
		t.Fatalf("child saw %q, want %q", out, want)
	}
}

func TestNumprocsAndGroupNames(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		Programs: []Program{
			{Name: "web", ProcessConfig: ProcessConfig{NumProcs: 3, NumProcsStart: 1, ProcessName: "%(program_name)s_%(process_num)02d"}},
			{Name: "db"},
			{Name: "cache", ProcessConfig: ProcessConfig{Priority: 5}},
		},
		Groups: []Group{{Name: "backend", Programs: []string{"db", "cache"}}},
	})
	var names []string
	for _, p := range s.Processes() {
		names = append(names, p.Namespec()+"="+p.State().String())
	}
	want := []string{"backend:cache=RUNNING", "backend:db=RUNNING", "web:web_01=RUNNING", "web:web_02=RUNNING", "web:web_03=RUNNING"}
	if !slices.Equal(names, want) {
		t.Fatalf("processes %v, want %v", names, want)
	}
	if s.Process("web") != nil || s.Process("db") != nil {
		t.Fatal(`a bare group or program name is not a process name here ("web" is a group of web_01..03)`)
	}
	ctx := testCtx(t)
	// "group:*" addresses the whole group.
	_, err := s.call(ctx, func() (any, deferred, error) { return s.stopProcessLocked("web:*", true) })
	must(t, err)
	if procOf(t, s, "web:web_02").State() != stStopped {
		t.Fatal("web:* did not stop web_02")
	}
}

// Closing stops groups in reverse priority order, listeners (priority -1)
// last, after SUPERVISOR_STATE_CHANGE_STOPPING.
func TestCloseStopsInReversePriorityOrder(t *testing.T) {
	t.Parallel()
	s, err := New(Config{
		Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessState, listener.SupervisorStateChange}, BufferSize: 100}},
		Programs: []Program{
			{Name: "first", ProcessConfig: ProcessConfig{Priority: 1}},
			{Name: "last", ProcessConfig: ProcessConfig{Priority: 50}},
		},
	})
	must(t, err)
	must(t, s.Close())
	var got []string
	for _, r := range s.Transcript().Filter(RecordNotified, "") {
		if r.EventName == listener.ProcessStateStopping || r.EventName == listener.SupervisorStateChangeStopping {
			got = append(got, strings.TrimSpace(string(r.EventName)+" "+strings.Fields(r.Payload + " x")[0]))
		}
	}
	want := []string{
		"SUPERVISOR_STATE_CHANGE_STOPPING x",
		"PROCESS_STATE_STOPPING processname:last",
		"PROCESS_STATE_STOPPING processname:first",
		"PROCESS_STATE_STOPPING processname:rec",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("stop order %q, want %q", got, want)
	}
}

// A waiting Start is bounded by WaitTimeout: with a FakeClock nobody
// advances, startsecs never pass.
func TestWaitingStartIsBounded(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Clock: NewFakeClock(time.Unix(1_800_000_000, 0)), WaitTimeout: 50 * time.Millisecond,
		Programs: []Program{{Name: "slow", ProcessConfig: ProcessConfig{NoAutostart: true, StartSecs: time.Minute}}}})
	err := procOf(t, s, "slow").Start(context.Background(), true)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "slow is STARTING") {
		t.Fatalf("Start = %v, want a deadline error describing the process", err)
	}
}
