package crashinfo

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness"
)

// exited is the event supervisord sends when process name of group, which
// ran with pid, exits unexpectedly.
func exited(group, name string, pid int) listener.ProcessStateEvent {
	return listener.ProcessStateEvent{ProcessName: name, GroupName: group, State: listener.StateExited,
		FromState: listener.StateRunning, PID: pid}
}

// brokenLog is a supervisord whose main log cannot be read.
type brokenLog struct {
	Source
	err error
}

func (b brokenLog) ReadLog(context.Context, int, int) (string, error) { return "", b.err }

// warnLog is a supervisord at loglevel=warn: its main log has the
// "exited:" lines of unexpected exits, not the "spawned:" lines.
type warnLog struct{ Source }

func (w warnLog) ReadLog(ctx context.Context, offset, length int) (string, error) {
	text, err := w.Source.ReadLog(ctx, offset, length)
	var kept []string
	for l := range strings.SplitSeq(text, "\n") {
		if !strings.Contains(l, " INFO ") && !strings.Contains(l, " DEBG ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n"), err
}

func lines(l Log) string { return strings.Join(l.Lines, "|") }

// Fetch under the emulated supervisord, whose XML-RPC interface and main
// log follow supervisord 4.2.5's.
func TestFetch(t *testing.T) {
	t.Parallel()
	sup := testharness.Start(t, testharness.Config{
		RPC:         true,
		BackoffUnit: 10 * time.Millisecond,
		Programs: []testharness.Program{
			{Name: "web"}, // virtual, restarted after an unexpected exit
			{Name: "oneshot", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}},
			{Name: "batch", ProcessConfig: testharness.ProcessConfig{ExitCodes: []int{0, 2}, Autorestart: testharness.RestartNever}},
			{Name: "merged", ProcessConfig: testharness.ProcessConfig{RedirectStderr: true}},
			{Name: "quiet", ProcessConfig: testharness.ProcessConfig{StdoutLogfile: "NONE", StderrLogfile: "NONE"}},
			{Name: "quick", ProcessConfig: testharness.ProcessConfig{
				Command:     []string{"sh", "-c", "echo 'no config file' >&2; exit 1"},
				NoAutostart: true, StartSecs: time.Second, StartRetries: 1,
			}},
			// Two processes called job: b's cannot start, a's exits.
			{Name: "a", ProcessConfig: testharness.ProcessConfig{ProcessName: "job", Autorestart: testharness.RestartNever}},
			{Name: "b", ProcessConfig: testharness.ProcessConfig{ProcessName: "job", Command: []string{"/nonexistent/job"}, StartRetries: -1}},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := sup.Client()
	opts := Options{TailLines: 2}

	// web exits 3 and is started again at once: getProcessInfo describes
	// the new run, the main log the one that crashed.
	web := sup.Process("web")
	pid := web.PID()
	must(t, web.Write(testharness.Stderr, []byte("starting\nwarning: low disk\npanic: boom\n")))
	must(t, web.Write(testharness.Stdout, []byte("listening on :8080\n")))
	must(t, web.Exit(3))
	must(t, sup.WaitProcessState(ctx, "web", listener.StateRunning))
	d := Fetch(ctx, c, exited("web", "web", pid), opts)
	if d.Info == nil || d.Info.PID == pid || d.Info.PID == 0 {
		t.Fatalf("getProcessInfo should describe the next run: %+v, %v", d.Info, d.InfoErr)
	}
	if d.Exit != (Exit{Cause: "exit status 3"}) || d.ExitErr != nil || !d.RanForKnown || d.RanFor < 0 || d.RanFor > 10*time.Second {
		t.Errorf("exit %+v (%v) after %v (%v); want exit status 3, not expected", d.Exit, d.ExitErr, d.RanFor, d.RanForKnown)
	}
	if len(d.Logs) != 2 || d.Logs[0].Channel != "stderr" || d.Logs[1].Channel != "stdout" ||
		lines(d.Logs[0]) != "warning: low disk|panic: boom" || lines(d.Logs[1]) != "listening on :8080" ||
		d.Logs[0].Path != d.Info.StderrLogfile || d.Logs[1].Path != d.Info.StdoutLogfile || d.Logs[0].Path == "" {
		t.Errorf("logs %+v", d.Logs)
	}
	if d.SpawnErr != "" {
		t.Errorf("spawn error %q for an EXITED event", d.SpawnErr)
	}
	if d := Fetch(ctx, c, exited("web", "web", pid), Options{TailLines: 1, Logs: StderrOnly}); len(d.Logs) != 1 || lines(d.Logs[0]) != "panic: boom" {
		t.Errorf("stderr only: %+v", d.Logs)
	}
	if d := Fetch(ctx, c, exited("web", "web", pid), Options{}); d.Logs != nil {
		t.Errorf("no tail lines, yet logs %+v", d.Logs)
	}

	// Without the main log, the exit is unknown, and the details say why.
	broken := errors.New("injected failure")
	d = Fetch(ctx, brokenLog{c, broken}, exited("web", "web", pid), opts)
	if !d.Exit.IsZero() || d.RanForKnown || !errors.Is(d.ExitErr, broken) ||
		!strings.Contains(d.ExitErr.Error(), "started again") || len(d.Logs) != 2 {
		t.Errorf("exit %+v, %v, %v; logs %+v", d.Exit, d.ExitErr, d.RanForKnown, d.Logs)
	}
	d = Fetch(ctx, warnLog{c}, exited("web", "web", pid), opts)
	if !d.Exit.IsZero() || !errors.Is(d.ExitErr, ErrRunNotLogged) {
		t.Errorf("loglevel=warn: exit %+v, %v", d.Exit, d.ExitErr)
	}

	// A process not started again: getProcessInfo serves when the main
	// log does not.
	oneshot := sup.Process("oneshot")
	pid = oneshot.PID()
	must(t, oneshot.Exit(4))
	must(t, sup.WaitProcessState(ctx, "oneshot", listener.StateExited))
	for _, src := range []Source{c, brokenLog{c, broken}} {
		d = Fetch(ctx, src, exited("oneshot", "oneshot", pid), opts)
		if d.Exit != (Exit{Cause: "exit status 4"}) || d.ExitErr != nil || !d.RanForKnown {
			t.Errorf("%T: exit %+v, %v, %v", src, d.Exit, d.ExitErr, d.RanForKnown)
		}
	}
	pid = mustStart(ctx, t, oneshot)
	must(t, oneshot.Signal(syscall.SIGKILL))
	must(t, sup.WaitProcessState(ctx, "oneshot", listener.StateExited))
	if d = Fetch(ctx, c, exited("oneshot", "oneshot", pid), opts); d.Exit != (Exit{Cause: "terminated by SIGKILL"}) {
		t.Errorf("from the main log: %+v, %v", d.Exit, d.ExitErr)
	}
	if d = Fetch(ctx, brokenLog{c, broken}, exited("oneshot", "oneshot", pid), opts); d.Exit != (Exit{Cause: "killed by a signal"}) {
		t.Errorf("from getProcessInfo: %+v, %v", d.Exit, d.ExitErr)
	}

	// An expected exit (exitcodes=0,2), for listeners that report those.
	batch := sup.Process("batch")
	pid = batch.PID()
	must(t, batch.Exit(2))
	must(t, sup.WaitProcessState(ctx, "batch", listener.StateExited))
	ev := exited("batch", "batch", pid)
	ev.Expected = true
	if d = Fetch(ctx, c, ev, opts); d.Exit != (Exit{Cause: "exit status 2", Expected: true}) {
		t.Errorf("expected exit: %+v, %v", d.Exit, d.ExitErr)
	}

	// redirect_stderr=true: stderr is in the stdout log.
	merged := sup.Process("merged")
	must(t, merged.Write(testharness.Stderr, []byte("to stderr, redirected\n")))
	ev = exited("merged", "merged", merged.PID())
	ev.State = listener.StateRunning // any event: the logs do not depend on it
	if d = Fetch(ctx, c, ev, Options{TailLines: 5, Logs: StderrOnly}); len(d.Logs) != 1 || d.Logs[0].Channel != "stdout" ||
		lines(d.Logs[0]) != "to stderr, redirected" || !d.Exit.IsZero() || d.ExitErr != nil {
		t.Errorf("redirected, stderr only: %+v", d)
	}
	if d = Fetch(ctx, c, ev, Options{TailLines: 5}); len(d.Logs) != 2 || !d.Logs[0].NotKept || lines(d.Logs[1]) != "to stderr, redirected" {
		t.Errorf("redirected: %+v", d.Logs)
	}

	// stdout_logfile=NONE, stderr_logfile=NONE: nothing to read.
	ev = exited("quiet", "quiet", sup.Process("quiet").PID())
	for _, which := range []Logs{StderrAndStdout, StderrOnly} {
		d = Fetch(ctx, c, ev, Options{TailLines: 5, Logs: which})
		for _, l := range d.Logs {
			if !l.NotKept || l.Err != nil || l.Lines != nil {
				t.Errorf("logs not kept: %+v", d.Logs)
			}
		}
	}

	// A program that dies before startsecs: BACKOFF, then FATAL. The
	// events carry no pid; the exit is the last one logged.
	quick := sup.Process("quick")
	must(t, quick.Start(ctx, false))
	must(t, sup.WaitProcessState(ctx, "quick", listener.StateFatal))
	fatal := listener.ProcessStateEvent{ProcessName: "quick", GroupName: "quick", State: listener.StateFatal, FromState: listener.StateBackoff}
	d = Fetch(ctx, c, fatal, opts)
	if d.Exit != (Exit{Cause: "exit status 1"}) || !d.RanForKnown || d.RanFor >= time.Second ||
		d.SpawnErr != "Exited too quickly (process log may have details)" || lines(d.Logs[0]) != "no config file|no config file" {
		t.Errorf("FATAL after quick exits: %+v", d)
	}

	// b:job cannot start at all. The exit of a:job is in the main log
	// under the same name, but is not b's.
	must(t, sup.WaitProcessState(ctx, "b:job", listener.StateFatal))
	a := sup.Process("a:job")
	pid = a.PID()
	must(t, a.Exit(3))
	must(t, sup.WaitProcessState(ctx, "a:job", listener.StateExited))
	if d = Fetch(ctx, c, exited("a", "job", pid), opts); d.Exit != (Exit{Cause: "exit status 3"}) {
		t.Fatalf("a:job: %+v, %v", d.Exit, d.ExitErr)
	}
	fatal = listener.ProcessStateEvent{ProcessName: "job", GroupName: "b", State: listener.StateFatal, FromState: listener.StateBackoff}
	d = Fetch(ctx, c, fatal, opts)
	if !d.Exit.IsZero() || d.ExitErr != nil || !strings.Contains(d.SpawnErr, "/nonexistent/job") {
		t.Errorf("b:job: exit %+v, %v; spawn error %q", d.Exit, d.ExitErr, d.SpawnErr)
	}

	// Nothing more is asked when getProcessInfo fails.
	d = Fetch(ctx, c, exited("nosuch", "nosuch", 1), opts)
	if d.Info != nil || !errors.Is(d.InfoErr, rpc.ErrBadName) || d.Logs != nil || d.ExitErr != nil {
		t.Errorf("unknown process: %+v", d)
	}
	d = Fetch(ctx, Unreachable{Err: rpc.ErrNoServerURL}, exited("web", "web", 1), opts)
	if d.Info != nil || !errors.Is(d.InfoErr, rpc.ErrNoServerURL) || d.Logs != nil || d.ExitErr != nil {
		t.Errorf("unreachable: %+v", d)
	}
}

// mustStart starts p and returns its pid.
func mustStart(ctx context.Context, t *testing.T, p *testharness.Process) int {
	t.Helper()
	must(t, p.Start(ctx, true))
	return p.PID()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
