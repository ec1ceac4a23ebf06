package testharness

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

// supervisorPython is the interpreter that can import Debian's supervisor.
const supervisorPython = "/usr/bin/python3"

// requireSupervisorPython skips the test when supervisor's Python package
// is missing, except under CI=true, where that is a failure.
func requireSupervisorPython(t *testing.T) {
	t.Helper()
	if err := exec.Command(supervisorPython, "-c", "import supervisor.events, supervisor.childutils").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("supervisor's Python package is needed (apt-get install supervisor): %v", err)
		}
		t.Skipf("supervisor's Python package is not importable by %s: %v", supervisorPython, err)
	}
}

func TestEventPayloads(t *testing.T) {
	t.Parallel()
	when := time.Unix(1795237283, 900_000_000)
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"starting", ProcessStateChange{Process: "bogus", Group: "bogus", From: listener.StateStopped, To: listener.StateStarting}.Event(),
			"processname:bogus groupname:bogus from_state:STOPPED tries:0"},
		{"running", ProcessStateChange{Process: "crlf", Group: "crlf", From: listener.StateStarting, To: listener.StateRunning, PID: 6179}.Event(),
			"processname:crlf groupname:crlf from_state:STARTING pid:6179"},
		{"backoff", ProcessStateChange{Process: "failer", Group: "failer", From: listener.StateStarting, To: listener.StateBackoff, Tries: 1}.Event(),
			"processname:failer groupname:failer from_state:STARTING tries:1"},
		{"exited", ProcessStateChange{Process: "die", Group: "die", From: listener.StateRunning, To: listener.StateExited, PID: 6180}.Event(),
			"processname:die groupname:die from_state:RUNNING expected:0 pid:6180"},
		{"stopped from backoff", ProcessStateChange{Process: "t", Group: "t", From: listener.StateBackoff, To: listener.StateStopped}.Event(),
			"processname:t groupname:t from_state:BACKOFF pid:0"},
		{"fatal", ProcessStateChange{Process: "failer", Group: "failer", From: listener.StateBackoff, To: listener.StateFatal}.Event(),
			"processname:failer groupname:failer from_state:BACKOFF"},
		{"log", NewProcessLogEvent(Stdout, "talker", "talker", 6191, []byte("héllo wörld\n")),
			"processname:talker groupname:talker pid:6191 channel:stdout\nhéllo wörld\n"},
		{"undecodable log", NewProcessLogEvent(Stderr, "t", "g", 1, []byte("a\xc3")),
			"processname:t groupname:g pid:1 channel:stderr\nUndecodable: b'a\\xc3'"},
		{"comm", NewProcessCommunicationEvent(Stdout, "talker", "talker", 6191, []byte("comm dataé")),
			"processname:talker groupname:talker pid:6191\ncomm dataé"},
		{"remote", NewRemoteCommunicationEvent("mytype", "payload data ü"), "type:mytype\npayload data ü"},
		{"tick 5 is the start of the slice", NewTickEvent(listener.Tick5, when), "when:1795237280"},
		{"tick 3600", NewTickEvent(listener.Tick3600, when), "when:1795237200"},
		{"group added ends with a newline", NewProcessGroupAddedEvent("sleeper"), "groupname:sleeper\n"},
		{"supervisor running is empty", NewSupervisorRunningEvent(), ""},
	}
	for _, tt := range tests {
		if tt.ev.Payload != tt.want {
			t.Errorf("%s: payload %q, want %q", tt.name, tt.ev.Payload, tt.want)
		}
	}
}

func TestEnvelopeCountsCodePoints(t *testing.T) {
	t.Parallel()
	ev := NewProcessLogEvent(Stdout, "talker", "talker", 6191, []byte("héllo wörld\n"))
	got := envelope("labsup", 31, "rec", 31, ev)
	header, payload, _ := bytes.Cut(got, []byte("\n"))
	if want := "ver:3.0 server:labsup serial:31 pool:rec poolserial:31 eventname:PROCESS_LOG_STDOUT len:72"; string(header) != want {
		t.Errorf("header %q, want %q (72 code points, 74 bytes)", header, want)
	}
	if len(payload) != 74 {
		t.Errorf("payload is %d bytes, want 74", len(payload))
	}
	empty := envelope("supervisor", 0, "p", 0, NewSupervisorRunningEvent())
	if want := "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n"; string(empty) != want {
		t.Errorf("empty envelope %q, want %q", empty, want)
	}
}

// TestEventsMatchSupervisord renders every event type with supervisord's
// own Python classes and compares payloads and envelopes byte for byte.
func TestEventsMatchSupervisord(t *testing.T) {
	t.Parallel()
	requireSupervisorPython(t)
	type pycase map[string]any
	type rendered struct {
		Name     string `json:"name"`
		Payload  string `json:"payload"`
		Envelope string `json:"envelope"`
	}
	hexOf := func(s string) string { return hex.EncodeToString([]byte(s)) }
	var cases []pycase
	var ours []Event
	add := func(c pycase, ev Event) {
		c["pool"], c["server"], c["serial"], c["poolserial"] = "pool_1", "lab sup", 42, 7
		cases = append(cases, c)
		ours = append(ours, ev)
	}
	states := []struct{ to, from listener.State }{
		{listener.StateStarting, listener.StateBackoff}, {listener.StateRunning, listener.StateStarting},
		{listener.StateBackoff, listener.StateStarting}, {listener.StateStopping, listener.StateRunning},
		{listener.StateStopped, listener.StateStopping}, {listener.StateExited, listener.StateRunning},
		{listener.StateFatal, listener.StateBackoff}, {listener.StateUnknown, listener.StateRunning},
	}
	for i, st := range states {
		for _, expected := range []bool{true, false} {
			add(pycase{"kind": "state", "process": "web_01", "group": "web", "to": st.to.String(), "from": st.from.String(),
				"pid": 1000 + i, "tries": i, "expected": expected},
				ProcessStateChange{Process: "web_01", Group: "web", From: st.from, To: st.to, PID: 1000 + i, Tries: i, Expected: expected}.Event())
		}
	}
	for _, ch := range []Channel{Stdout, Stderr} {
		for _, data := range []string{"héllo wörld\n", "line1\nline2\n", "bad \xff\xfe 'q' \"d\" \\ \t\x01", ""} {
			add(pycase{"kind": "log", "channel": string(ch), "process": "talker", "group": "g", "pid": 6191, "data": hexOf(data)},
				NewProcessLogEvent(ch, "talker", "g", 6191, []byte(data)))
			add(pycase{"kind": "comm", "channel": string(ch), "process": "talker", "group": "g", "pid": 6191, "data": hexOf(data)},
				NewProcessCommunicationEvent(ch, "talker", "g", 6191, []byte(data)))
		}
	}
	add(pycase{"kind": "remote", "type": "mytype", "data": "payload data ü"}, NewRemoteCommunicationEvent("mytype", "payload data ü"))
	for _, period := range []int{5, 60, 3600} {
		when := time.Unix(1795237283, 0)
		typ := listener.EventType("TICK_" + map[int]string{5: "5", 60: "60", 3600: "3600"}[period])
		add(pycase{"kind": "tick", "period": period, "when": timeslice(time.Duration(period)*time.Second, when)}, NewTickEvent(typ, when))
	}
	add(pycase{"kind": "group_added", "group": "sleeper"}, NewProcessGroupAddedEvent("sleeper"))
	add(pycase{"kind": "group_removed", "group": "sleeper"}, NewProcessGroupRemovedEvent("sleeper"))
	add(pycase{"kind": "running"}, NewSupervisorRunningEvent())
	add(pycase{"kind": "stopping"}, NewSupervisorStoppingEvent())

	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(supervisorPython, "testdata/render_events.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("render_events.py: %v\n%s", err, stderr.String())
	}
	var theirs []rendered
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	if len(theirs) != len(ours) {
		t.Fatalf("python rendered %d events, want %d", len(theirs), len(ours))
	}
	for i, want := range theirs {
		got := ours[i]
		if string(got.Type) != want.Name || got.Payload != want.Payload {
			t.Errorf("case %d: got %s %q, supervisord gives %s %q", i, got.Type, got.Payload, want.Name, want.Payload)
			continue
		}
		env := hex.EncodeToString(envelope("lab sup", 42, "pool_1", 7, got))
		if env != want.Envelope {
			e, _ := hex.DecodeString(want.Envelope)
			t.Errorf("case %d: envelope\n%q\nsupervisord:\n%q", i, envelope("lab sup", 42, "pool_1", 7, got), e)
		}
	}
}
