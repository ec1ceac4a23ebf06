package testharness

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func scriptEnv(t *testing.T, steps ...string) []string {
	t.Helper()
	b, err := json.Marshal(steps)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"TESTHARNESS_SCRIPT=" + string(b)}
}

// A real subprocess speaking byte sequences with supervisord's quirks:
// READY split across writes, CRLF after the length, an unchecked RESULT
// prefix, a rejection answered by redelivery of the same serial.
func TestSubprocessListenerQuirks(t *testing.T) {
	t.Parallel()
	argv, env := helperCommand(t, "script", scriptEnv(t,
		"REA", "@sleep 20", "DY\n",
		"@event", "RESULT 2\r\nOK", "READY\n",
		"@event", "XXXXXXX4\nFAIL", "READY\n",
		"@event", "RESULT 2\nOKREADY\n",
		"@event", "RESULT 0\n", "@sleep 20", "READY\n",
		"@event", "RESULT 2\nOK\n", "READY\n",
	)...)
	s := Start(t, Config{Pools: []Pool{{Name: "quirky", Events: []listener.EventType{listener.RemoteCommunication},
		ProcessConfig: ProcessConfig{Command: argv, Env: env}}}})
	ctx := testCtx(t)
	first, _ := s.Notify(NewRemoteCommunicationEvent("t", "one"))
	second, _ := s.Notify(NewRemoteCommunicationEvent("t", "two"))
	third, _ := s.Notify(NewRemoteCommunicationEvent("t", "three"))
	must(t, s.WaitResults(ctx, "quirky", 5))
	must(t, s.WaitListenerState(ctx, "quirky", ListenerUnknown))
	tr := s.Transcript()
	var got []string
	for _, r := range tr.Results("quirky") {
		got = append(got, strings.Join([]string{r.Body, boolWord(r.OK)}, "/")+"@"+strconv.FormatInt(r.Serial, 10))
	}
	want := []string{
		"OK/ok@" + strconv.FormatInt(first, 10),
		"FAIL/rejected@" + strconv.FormatInt(second, 10),
		"OK/ok@" + strconv.FormatInt(second, 10), // the same serial, redelivered
		"/rejected@" + strconv.FormatInt(third, 10),
		"OK/ok@" + strconv.FormatInt(third, 10),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("results %q\nwant %q\n%s", got, want, tr)
	}
	// The echo bug: "\nREADY\n" is read in ACKNOWLEDGED.
	states := tr.ListenerStates("quirky")
	if states[len(states)-1] != ListenerUnknown || !tr.WentUnknown("quirky") {
		t.Fatalf("states %v", states)
	}
	if got := string(tr.Received("quirky")); !strings.HasPrefix(got, "READY\nRESULT 2\r\nOK") {
		t.Fatalf("received %q", got)
	}
}

func boolWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "rejected"
}

// A subprocess that dies holding an event: the respawned process (a new
// pid, ACKNOWLEDGED again) gets the same serial and poolserial.
func TestSubprocessExitMidEvent(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "died-once")
	argv, env := helperCommand(t, "script", scriptEnv(t,
		"READY\n", "@event", "@exit-once 1 "+marker, "RESULT 2\nOKREADY\n",
	)...)
	s := Start(t, Config{Pools: []Pool{{Name: "mortal", Events: []listener.EventType{listener.RemoteCommunication},
		ProcessConfig: ProcessConfig{Command: argv, Env: env}}}})
	ctx := testCtx(t)
	serial, _ := s.Notify(NewRemoteCommunicationEvent("t", "hold me"))
	must(t, s.WaitResults(ctx, "mortal", 1))
	tr := s.Transcript()
	d := tr.Deliveries("mortal")
	if len(d) != 2 || d[0].Serial != serial || d[1].Serial != serial || d[0].PoolSerial != d[1].PoolSerial {
		t.Fatalf("deliveries %+v\n%s", d, tr)
	}
	spawns := tr.Filter(RecordSpawned, "mortal")
	if len(spawns) != 2 || spawns[0].PID == spawns[1].PID {
		t.Fatalf("spawns %v", spawns)
	}
	wantStates := []ListenerState{A, R, B, A, R, B, A, R}
	if got := tr.ListenerStates("mortal"); !slices.Equal(got, wantStates) {
		t.Fatalf("listener states %v, want %v", got, wantStates)
	}
	if rb := tr.Rebuffers("mortal"); len(rb) != 1 || rb[0].Reason != "exited" {
		t.Fatalf("rebuffers %v", rb)
	}
	exits := tr.Filter(RecordExited, "mortal")
	if len(exits) != 1 || exits[0].ExitCode != 1 || exits[0].Reason != "exit status 1" {
		t.Fatalf("exits %v", exits)
	}
}

// An in-process RunFunc over real pipes, scripted the same way.
func TestRunFuncOverRealPipes(t *testing.T) {
	t.Parallel()
	script, _ := json.Marshal([]string{"READY\n", "@event", "RESULT 2\nOKREADY\n", "@event", "RESULT 4\nFAIL", "READY\n", "@event", "RESULT 2\nOKREADY\n"})
	s := Start(t, Config{Pools: []Pool{{Name: "fn", Events: []listener.EventType{listener.RemoteCommunication},
		ProcessConfig: ProcessConfig{Run: func(_ context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
			if runScript(stdin, stdout, stderr, string(script)) != 0 {
				return ExitCode(1)
			}
			return nil
		}}}}})
	ctx := testCtx(t)
	s.Notify(NewRemoteCommunicationEvent("t", "a"))
	s.Notify(NewRemoteCommunicationEvent("t", "b"))
	must(t, s.WaitIdle(ctx))
	var bodies []string
	for _, r := range s.Transcript().Results("fn") {
		bodies = append(bodies, r.Body+"@"+strconv.FormatInt(r.Serial, 10))
	}
	if !slices.Equal(bodies, []string{"OK@0", "FAIL@1", "OK@1"}) {
		t.Fatalf("results %q", bodies)
	}
}

// A listener.Handler run in-process by listener.Serve: the SDK and the
// harness agree on the whole protocol.
func TestHandlerServedInProcess(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	s := Start(t, Config{Pools: []Pool{{
		Name:   "sdk",
		Events: []listener.EventType{listener.ProcessState, listener.RemoteCommunication, listener.Tick, listener.Tick5},
		Handler: listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, string(ev.EventName)+" "+ev.Payload)
			if ev.EventName == listener.RemoteCommunication && strings.Contains(ev.Payload, "fail-once") && !slices.Contains(seen[:len(seen)-1], string(ev.EventName)+" "+ev.Payload) {
				return context.DeadlineExceeded
			}
			return nil
		}),
	}}})
	ctx := testCtx(t)
	s.Notify(NewRemoteCommunicationEvent("unicode", "héllo wörld ü"))
	s.Notify(NewRemoteCommunicationEvent("x", "fail-once"))
	s.Tick(listener.Tick5) // delivered twice (TICK and TICK_5); Serve acknowledges the repeat itself
	must(t, s.WaitIdle(ctx))
	tr := s.Transcript()
	if tr.WentUnknown("sdk") {
		t.Fatalf("the SDK broke the protocol:\n%s", tr)
	}
	mu.Lock()
	defer mu.Unlock()
	pid := procOf(t, s, "sdk").PID()
	want := []string{
		"PROCESS_STATE_STARTING processname:sdk groupname:sdk from_state:STOPPED tries:0",
		"PROCESS_STATE_RUNNING processname:sdk groupname:sdk from_state:STARTING pid:" + strconv.Itoa(pid),
		"REMOTE_COMMUNICATION type:unicode\nhéllo wörld ü",
		"REMOTE_COMMUNICATION type:x\nfail-once",
		"REMOTE_COMMUNICATION type:x\nfail-once",
	}
	if len(seen) != 6 || !slices.Equal(seen[:5], want) || !strings.HasPrefix(seen[5], "TICK_5 when:") {
		t.Fatalf("handler saw %q", seen)
	}
	var results []string
	for _, r := range tr.Results("sdk") {
		results = append(results, r.Body)
	}
	if !slices.Equal(results, []string{"OK", "OK", "OK", "FAIL", "OK", "OK", "OK"}) {
		t.Fatalf("results %q\n%s", results, tr)
	}
	// stderr is a pipe of its own, read independently of stdout.
	if err := s.waitUntil(ctx, "Serve's log of the rejection", func() bool {
		return strings.Contains(s.procs["sdk"].stderrSeen.String(), "serial=3")
	}); err != nil {
		t.Errorf("%v: the process's stderr is %q", err, procOf(t, s, "sdk").Stderr())
	}
}

// Stopping an in-process listener cancels its context; Serve returns and
// the process is STOPPED.
func TestStopInProcessListener(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "sdk", Events: []listener.EventType{listener.RemoteCommunication},
		Handler: listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })}}})
	ctx := testCtx(t)
	sdk := procOf(t, s, "sdk")
	must(t, s.WaitListenerState(ctx, "sdk", ListenerReady))
	must(t, sdk.Stop(ctx, true))
	if sdk.State() != listener.StateStopped {
		t.Fatalf("state %s", sdk.State())
	}
	exits := s.Transcript().Filter(RecordExited, "sdk")
	if len(exits) != 1 || exits[0].Reason != "exit status 0" {
		t.Fatalf("exits %v", exits)
	}
	must(t, sdk.Start(ctx, true))
	must(t, s.WaitListenerState(ctx, "sdk", ListenerReady))
}

func TestScriptHelperReadsCodePoints(t *testing.T) {
	t.Parallel()
	in := bufio.NewReader(strings.NewReader("ver:3.0 len:3\nüéxtrailing"))
	_, payload, err := readEnvelope(in)
	if err != nil || payload != "üéx" {
		t.Fatalf("payload %q, %v", payload, err)
	}
}

func TestInProcessExitStatuses(t *testing.T) {
	t.Parallel()
	run := func(err error, panics bool) RunFunc {
		return func(context.Context, io.Reader, io.Writer, io.Writer) error {
			if panics {
				panic("boom")
			}
			return err
		}
	}
	s := Start(t, Config{Programs: []Program{
		{Name: "ok", ProcessConfig: ProcessConfig{Run: run(nil, false), Autorestart: RestartNever}},
		{Name: "seven", ProcessConfig: ProcessConfig{Run: run(ExitCode(7), false), Autorestart: RestartNever}},
		{Name: "err", ProcessConfig: ProcessConfig{Run: run(io.ErrUnexpectedEOF, false), Autorestart: RestartNever}},
		{Name: "panic", ProcessConfig: ProcessConfig{Run: run(nil, true), Autorestart: RestartNever}},
	}})
	ctx := testCtx(t)
	for name, want := range map[string]string{"ok": "exit status 0", "seven": "exit status 7", "err": "exit status 1", "panic": "exit status 2"} {
		must(t, s.WaitProcessState(ctx, name, listener.StateExited))
		if exits := s.Transcript().Filter(RecordExited, name); len(exits) != 1 || exits[0].Reason != want {
			t.Errorf("%s: exits %v, want %s", name, exits, want)
		}
	}
}

// An in-process child that ignores its context is killed by SIGKILL after
// stopwaitsecs: its pipes are closed and it counts as dead.
func TestSIGKILLEndsAnInProcessChild(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := Start(t, Config{Programs: []Program{{Name: "deaf", ProcessConfig: ProcessConfig{
		StopWaitSecs: 20 * time.Millisecond,
		Run: func(context.Context, io.Reader, io.Writer, io.Writer) error {
			<-release
			return nil
		}}}}})
	// Registered after Start, so it runs before Close, which waits for
	// the goroutine.
	t.Cleanup(func() { close(release) })
	ctx := testCtx(t)
	must(t, procOf(t, s, "deaf").Stop(ctx, true))
	if exits := s.Transcript().Filter(RecordExited, "deaf"); len(exits) != 1 || exits[0].Reason != "terminated by SIGKILL" {
		t.Fatalf("exits %v", exits)
	}
	if sigs := procOf(t, s, "deaf").Signals(); sigs[0] != syscall.SIGTERM || sigs[1] != syscall.SIGKILL {
		t.Fatalf("signals %v", sigs)
	}
}

// An envelope much larger than a pipe's buffer reaches an SDK listener
// intact: the harness writes what does not fit from a goroutine, as
// supervisord keeps it in its input buffer.
func TestLargeEnvelopeOverPipes(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	s := Start(t, Config{Pools: []Pool{{Name: "big", Events: []listener.EventType{listener.RemoteCommunication},
		Handler: listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
			got <- ev.Payload
			return nil
		})}}})
	data := strings.Repeat("é0123456789", 30_000) // 360,000 bytes, 330,000 code points
	s.Notify(NewRemoteCommunicationEvent("big", data))
	must(t, s.WaitIdle(testCtx(t)))
	if p := <-got; p != "type:big\n"+data {
		t.Fatalf("payload of %d bytes arrived as %d bytes", len(data)+9, len(p))
	}
}
