package testharness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/supervisord"
)

// fidelitySections is the scenario both the harness and the real
// supervisord run: a recording listener (this test binary, see
// runRecorder) and programs that exercise the process state graph, numprocs,
// capture mode and PROCESS_LOG. %(exe)s and %(record)s are filled in per run.
const fidelitySections = `
[eventlistener:rec]
command=%(exe)s
environment=TESTHARNESS_HELPER="recorder",TESTHARNESS_RECORD="%(record)s"
events=PROCESS_STATE,PROCESS_GROUP,REMOTE_COMMUNICATION,SUPERVISOR_STATE_CHANGE,PROCESS_LOG,PROCESS_COMMUNICATION
buffer_size=500
startsecs=0

[program:ok]
command=sleep 1000
startsecs=0

[program:crash]
command=sh -c 'exit 3'
startsecs=0
autorestart=false

[program:fail]
command=/bin/false
startsecs=1
startretries=1

[program:web]
command=sleep 1000
process_name=%%(program_name)s_%%(process_num)02d
numprocs=2
autostart=false
startsecs=0

[program:talk]
command=sh -c 'printf "hello \303\251\n<!--XSUPERVISOR:BEGIN-->comm \303\274<!--XSUPERVISOR:END-->"; exec sleep 1000'
startsecs=0
stdout_events_enabled=true
stdout_capture_maxbytes=1KB
`

// fidelityRun is what one side of the fidelity test recorded.
type fidelityRun struct {
	events []recordedEvent
}

// drive runs the scenario's XML-RPC steps and waits for the recorder to
// see the final marker event.
func driveFidelityScenario(t *testing.T, c *rpc.Client, record string) fidelityRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitState := func(name string, want listener.State) {
		t.Helper()
		for {
			info, err := c.GetProcessInfo(ctx, name)
			if err == nil && info.State == want {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s never reached %s (last: %+v, %v)", name, want, info, err)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	waitState("fail", listener.StateFatal)
	waitState("crash", listener.StateExited)
	waitState("talk", listener.StateRunning)
	waitState("ok", listener.StateRunning)
	statuses, err := c.StartProcessGroup(ctx, "web", true)
	if err != nil || len(statuses) != 2 {
		t.Fatalf("StartProcessGroup = %+v, %v", statuses, err)
	}
	if err := c.StopProcess(ctx, "web:web_01", true); err != nil {
		t.Fatal(err)
	}
	if err := c.SendRemoteCommEvent(ctx, "marker", "données ü"); err != nil {
		t.Fatal(err)
	}
	for {
		events := readRecord(t, record)
		if n := len(events); n > 0 && events[n-1].Name == string(listener.RemoteCommunication) {
			return fidelityRun{events: events}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the recorder never saw the marker; it has %d events", len(events))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func readRecord(t *testing.T, path string) []recordedEvent {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	must(t, err)
	defer f.Close()
	var out []recordedEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e recordedEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			break // a line being written
		}
		out = append(out, e)
	}
	return out
}

func fidelityText(t *testing.T, record string) string {
	t.Helper()
	exe, err := os.Executable()
	must(t, err)
	text := strings.NewReplacer("%(exe)s", exe, "%(record)s", record).Replace(fidelitySections)
	return text
}

// TestFidelityWithRealSupervisord is the harness's core promise: the same
// scenario, run by the harness and by a real supervisord with the same
// recording listener, yields the same events with the same payloads, in the
// same order for each process (pids normalised; the interleaving of
// different processes, and of a process's state changes with its output,
// is left to timing by supervisord itself). Under
// CI=true a missing supervisord fails the test.
func TestFidelityWithRealSupervisord(t *testing.T) {
	t.Parallel()
	realRecord := filepath.Join(t.TempDir(), "real.jsonl")
	sv := supervisord.Start(t, supervisord.Config{Identifier: "fidelity", Sections: strings.ReplaceAll(fidelityText(t, realRecord), "%%", "%")})
	// supervisord expands %(...)s in the file, so the INI text for it
	// must not double the percent signs the way a Go format would.
	t0 := time.Now()
	real := driveFidelityScenario(t, sv.Client, realRecord)
	t.Logf("supervisord scenario %v", time.Since(t0))
	t0 = time.Now()
	must(t, sv.Stop())
	t.Logf("supervisord stop %v", time.Since(t0))
	t0 = time.Now()

	harnessRecord := filepath.Join(t.TempDir(), "harness.jsonl")
	cfg, err := ParseConfig(strings.ReplaceAll(fidelityText(t, harnessRecord), "%%", "%"), t.TempDir())
	must(t, err)
	cfg.Identifier = "fidelity"
	cfg.RPC = true
	s := Start(t, cfg)
	fake := driveFidelityScenario(t, s.Client(), harnessRecord)
	t.Logf("harness scenario %v", time.Since(t0))
	t0 = time.Now()
	must(t, s.Close())
	t.Logf("harness close %v", time.Since(t0))

	compareFidelity(t, real.events, fake.events)
}

// fidelityKey is an event as compared: its name and payload with pids
// normalised.
func fidelityKey(e recordedEvent) string {
	return e.Name + " " + stripPID(e.Payload)
}

// eventProcess returns the namespec an event is about, or "" for events
// about no process.
func eventProcess(e recordedEvent) string {
	ev := listener.Event{Header: listener.Header{EventName: listener.EventType(e.Name)}, Payload: e.Payload}
	fields := ev.Fields()
	if name, ok := fields["processname"]; ok {
		return listener.Namespec(fields["groupname"], name)
	}
	return ""
}

func compareFidelity(t *testing.T, real, fake []recordedEvent) {
	t.Helper()
	dump := func() string {
		var b strings.Builder
		fmt.Fprintln(&b, "supervisord:")
		for _, e := range real {
			fmt.Fprintf(&b, "  %d/%d %q\n", e.Serial, e.PoolSerial, fidelityKey(e))
		}
		fmt.Fprintln(&b, "harness:")
		for _, e := range fake {
			fmt.Fprintf(&b, "  %d/%d %q\n", e.Serial, e.PoolSerial, fidelityKey(e))
		}
		return b.String()
	}
	// Startup is deterministic: groups in priority order, then RUNNING.
	prefix := func(events []recordedEvent) []string {
		var out []string
		for _, e := range events {
			if eventProcess(e) != "" {
				break
			}
			out = append(out, fidelityKey(e))
		}
		return out
	}
	if p, q := prefix(real), prefix(fake); !slices.Equal(p, q) {
		t.Errorf("startup events differ:\nsupervisord %q\nharness     %q", p, q)
	}
	// Each process's events, in order: its state changes, and separately
	// its output, since whether a fast child's first output is read before
	// or after supervisord's loop moves it to RUNNING is down to timing.
	perProcess := func(events []recordedEvent) map[string][]string {
		out := map[string][]string{}
		for _, e := range events {
			stream := eventProcess(e)
			if !listener.EventType(e.Name).Is(listener.ProcessState) && stream != "" {
				stream += " (output)"
			}
			out[stream] = append(out[stream], fidelityKey(e))
		}
		return out
	}
	rp, fp := perProcess(real), perProcess(fake)
	var names []string
	for n := range rp {
		names = append(names, n)
	}
	for n := range fp {
		if _, ok := rp[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !slices.Equal(rp[n], fp[n]) {
			t.Errorf("events about %q differ:\nsupervisord %q\nharness     %q", n, rp[n], fp[n])
		}
	}
	// One pool, no overflow, nothing rejected: poolserials count from 0
	// and, since the pool accepts everything, serials equal them.
	for side, events := range map[string][]recordedEvent{"supervisord": real, "harness": fake} {
		for i, e := range events {
			if e.PoolSerial != uint64(i) || e.Serial != e.PoolSerial || e.Pool != "rec" {
				t.Errorf("%s: event %d has serial %d poolserial %d pool %q", side, i, e.Serial, e.PoolSerial, e.Pool)
				break
			}
		}
	}
	if t.Failed() {
		t.Log(dump())
	}
}

// TestFidelityProtocolQuirks runs one scripted listener, writing the byte
// sequences whose handling is peculiar to supervisord, under the real
// supervisord and under the harness, and compares what each logged about
// it: every listener state change, every result verdict, every event sent.
// The harness logs these in supervisord's words, so the lines must match.
func TestFidelityProtocolQuirks(t *testing.T) {
	t.Parallel()
	script, err := json.Marshal([]string{
		"REA", "@sleep 20", "DY\n",
		"@event", "RESULT 2\r\nOK", "READY\n",
		"@event", "XXXXXXX4\nFAIL", "READY\n",
		"@event", "RESULT +0_2\nOKREADY\n",
		"@event", "RESULT 0\n", "@sleep 50", "READY\n",
		"@event", "RESULT 2\nOK\n", "READY\n",
	})
	must(t, err)
	scriptFile := filepath.Join(t.TempDir(), "script.json")
	must(t, os.WriteFile(scriptFile, script, 0o644))
	exe, err := os.Executable()
	must(t, err)
	sections := `
[eventlistener:quirky]
command=` + exe + `
environment=TESTHARNESS_HELPER="script",TESTHARNESS_SCRIPT_FILE="` + scriptFile + `"
events=REMOTE_COMMUNICATION
startsecs=0
autorestart=false
`
	send := func(c *rpc.Client) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, data := range []string{"one", "two", "three"} {
			must(t, c.SendRemoteCommEvent(ctx, "t", data))
		}
	}

	sv := supervisord.Start(t, supervisord.Config{Sections: sections})
	send(sv.Client)
	sv.WaitLog(t, `quirky: ACKNOWLEDGED -> UNKNOWN`)
	realLines := quirkyLines(t, sv.Log())

	cfg, err := ParseConfig(sections, t.TempDir())
	must(t, err)
	cfg.RPC = true
	s := Start(t, cfg)
	send(s.Client())
	must(t, s.WaitListenerState(testCtx(t), "quirky", ListenerUnknown))
	log, err := os.ReadFile(s.MainLogPath())
	must(t, err)
	harnessLines := quirkyLines(t, string(log))

	if !slices.Equal(realLines, harnessLines) {
		t.Fatalf("the logs differ\nsupervisord:\n  %s\nharness:\n  %s",
			strings.Join(realLines, "\n  "), strings.Join(harnessLines, "\n  "))
	}
	if len(realLines) < 20 {
		t.Fatalf("too few lines to compare: %q", realLines)
	}
}

// quirkyLines keeps the level and message of the main log lines about the
// quirky listener's protocol, dropping timestamps.
func quirkyLines(t *testing.T, log string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(log, "\n") {
		fields := strings.SplitN(line, " ", 4)
		if len(fields) < 4 {
			continue
		}
		msg := fields[2] + " " + fields[3]
		if strings.Contains(msg, " quirky: ") || strings.HasSuffix(msg, " sent to listener quirky") {
			out = append(out, msg)
		}
	}
	return out
}

// TestFidelityRebufferAndDuplicates checks two of supervisord's surprises
// against the real thing: a rejection is rebuffered into every pool whose
// listeners share the rejecter's priority (here "other", subscribed to
// something else entirely), and overlapping subscriptions (here
// REMOTE_COMMUNICATION and EVENT) deliver each event twice.
func TestFidelityRebufferAndDuplicates(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	must(t, err)
	sections := func(dir string) string {
		return strings.NewReplacer("%(exe)s", exe, "%(dir)s", dir).Replace(`
[eventlistener:rej]
command=%(exe)s
environment=TESTHARNESS_HELPER="rejectonce"
events=REMOTE_COMMUNICATION
startsecs=0

[eventlistener:other]
command=%(exe)s
environment=TESTHARNESS_HELPER="recorder",TESTHARNESS_RECORD="%(dir)s/other.jsonl"
events=PROCESS_GROUP_REMOVED
startsecs=0

[eventlistener:dup]
command=%(exe)s
environment=TESTHARNESS_HELPER="recorder",TESTHARNESS_RECORD="%(dir)s/dup.jsonl"
events=REMOTE_COMMUNICATION,EVENT
buffer_size=100
priority=5
startsecs=0
`)
	}
	type outcome struct{ other, dup []string }
	// scenario sends two events once every listener is READY: with one
	// still starting, the two rejected events would pile up at the head of
	// its buffer in reverse order, on either side.
	scenario := func(c *rpc.Client, dir string, ready func(name string)) outcome {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, name := range []string{"rej", "other", "dup"} {
			ready(name)
		}
		for _, data := range []string{"first", "second"} {
			must(t, c.SendRemoteCommEvent(ctx, "t", data))
		}
		remote := func(path string) []string {
			var out []string
			for _, e := range readRecord(t, path) {
				if e.Name == string(listener.RemoteCommunication) {
					out = append(out, fmt.Sprintf("poolserial:%d %s", e.PoolSerial, e.Payload))
				}
			}
			return out
		}
		for {
			o := outcome{remote(filepath.Join(dir, "other.jsonl")), remote(filepath.Join(dir, "dup.jsonl"))}
			if len(o.other) >= 2 && len(o.dup) >= 4 {
				return o
			}
			if ctx.Err() != nil {
				t.Fatalf("incomplete: %+v", o)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	realDir := t.TempDir()
	sv := supervisord.Start(t, supervisord.Config{Sections: sections(realDir)})
	real := scenario(sv.Client, realDir, func(name string) { sv.WaitLog(t, name+`: ACKNOWLEDGED -> READY`) })

	harnessDir := t.TempDir()
	cfg, err := ParseConfig(sections(harnessDir), harnessDir)
	must(t, err)
	cfg.RPC = true
	s := Start(t, cfg)
	fake := scenario(s.Client(), harnessDir, func(name string) {
		must(t, s.WaitListenerState(testCtx(t), name, ListenerReady))
	})

	wantOther := []string{"poolserial:0 type:t\nfirst", "poolserial:1 type:t\nsecond"}
	if !slices.Equal(real.other, wantOther) {
		t.Errorf("supervisord itself gave pool other %q, expected %q: has its behaviour changed?", real.other, wantOther)
	}
	if !slices.Equal(fake.other, real.other) {
		t.Errorf("pool other: harness %q, supervisord %q", fake.other, real.other)
	}
	if len(real.dup) != 4 || real.dup[0] != real.dup[1] || real.dup[2] != real.dup[3] {
		t.Errorf("supervisord itself did not duplicate: %q", real.dup)
	}
	// Poolserials in dup depend on how many state events came first, which
	// is timing; the payloads and the pairing do not.
	payloads := func(list []string) []string {
		var out []string
		for _, l := range list {
			_, p, _ := strings.Cut(l, " ")
			out = append(out, p)
		}
		return out
	}
	if !slices.Equal(payloads(fake.dup), payloads(real.dup)) || len(fake.dup) != 4 || fake.dup[0] != fake.dup[1] || fake.dup[2] != fake.dup[3] {
		t.Errorf("pool dup: harness %q, supervisord %q", fake.dup, real.dup)
	}
}

// TestFidelityOverflow fills a pool's buffer while its listener is not yet
// READY and compares what both sides logged: the oldest events discarded,
// the rest delivered in order.
func TestFidelityOverflow(t *testing.T) {
	t.Parallel()
	script, err := json.Marshal([]string{"@sleep 700", "READY\n",
		"@event", "RESULT 2\nOKREADY\n", "@event", "RESULT 2\nOKREADY\n", "@event", "RESULT 2\nOKREADY\n"})
	must(t, err)
	scriptFile := filepath.Join(t.TempDir(), "script.json")
	must(t, os.WriteFile(scriptFile, script, 0o644))
	exe, err := os.Executable()
	must(t, err)
	sections := `
[eventlistener:slow]
command=` + exe + `
environment=TESTHARNESS_HELPER="script",TESTHARNESS_SCRIPT_FILE="` + scriptFile + `"
events=REMOTE_COMMUNICATION
buffer_size=3
startsecs=0
`
	send := func(c *rpc.Client) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for i := range 6 {
			must(t, c.SendRemoteCommEvent(ctx, "n", fmt.Sprint(i)))
		}
	}
	lines := func(log string) []string {
		var out []string
		for _, line := range strings.Split(log, "\n") {
			fields := strings.SplitN(line, " ", 4)
			if len(fields) == 4 && (strings.Contains(fields[3], "pool slow event buffer overflowed") ||
				strings.HasSuffix(fields[3], "sent to listener slow") || strings.HasPrefix(fields[3], "slow: event was")) {
				out = append(out, fields[2]+" "+fields[3])
			}
		}
		return out
	}

	sv := supervisord.Start(t, supervisord.Config{Sections: sections})
	send(sv.Client)
	sv.WaitLog(t, `(?s)(slow: event was processed.*){3}`)
	real := lines(sv.Log())

	cfg, err := ParseConfig(sections, t.TempDir())
	must(t, err)
	cfg.RPC = true
	s := Start(t, cfg)
	send(s.Client())
	must(t, s.WaitResults(testCtx(t), "slow", 3))
	log, err := os.ReadFile(s.MainLogPath())
	must(t, err)
	fake := lines(string(log))

	want := []string{
		"ERRO pool slow event buffer overflowed, discarding event 0",
		"ERRO pool slow event buffer overflowed, discarding event 1",
		"ERRO pool slow event buffer overflowed, discarding event 2",
		"DEBG event 3 sent to listener slow",
		"DEBG slow: event was processed",
		"DEBG event 4 sent to listener slow",
		"DEBG slow: event was processed",
		"DEBG event 5 sent to listener slow",
		"DEBG slow: event was processed",
	}
	if !slices.Equal(real, want) {
		t.Errorf("supervisord logged %q\nexpected %q", real, want)
	}
	if !slices.Equal(fake, real) {
		t.Errorf("harness logged %q\nsupervisord %q", fake, real)
	}
}
