package listener

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func event(name EventType, payload string) Event {
	return Event{Header: Header{EventName: name, Len: len([]rune(payload))}, Payload: payload}
}

func TestProcessStatePayloads(t *testing.T) {
	tests := []struct {
		name    EventType
		payload string
		want    ProcessStateEvent
	}{
		{ProcessStateStarting, "processname:bogus groupname:bogus from_state:STOPPED tries:0",
			ProcessStateEvent{ProcessName: "bogus", GroupName: "bogus", State: StateStarting, FromState: StateStopped}},
		{ProcessStateRunning, "processname:crlf groupname:crlf from_state:STARTING pid:6179",
			ProcessStateEvent{ProcessName: "crlf", GroupName: "crlf", State: StateRunning, FromState: StateStarting, PID: 6179}},
		{ProcessStateBackoff, "processname:failer groupname:failer from_state:STARTING tries:1",
			ProcessStateEvent{ProcessName: "failer", GroupName: "failer", State: StateBackoff, FromState: StateStarting, Tries: 1}},
		{ProcessStateStopping, "processname:talker groupname:talker from_state:RUNNING pid:6191",
			ProcessStateEvent{ProcessName: "talker", GroupName: "talker", State: StateStopping, FromState: StateRunning, PID: 6191}},
		{ProcessStateStopped, "processname:talker groupname:talker from_state:BACKOFF pid:0",
			ProcessStateEvent{ProcessName: "talker", GroupName: "talker", State: StateStopped, FromState: StateBackoff}},
		{ProcessStateExited, "processname:die groupname:die from_state:RUNNING expected:0 pid:6180",
			ProcessStateEvent{ProcessName: "die", GroupName: "die", State: StateExited, FromState: StateRunning, PID: 6180}},
		{ProcessStateExited, "processname:web_01 groupname:web from_state:RUNNING expected:1 pid:7",
			ProcessStateEvent{ProcessName: "web_01", GroupName: "web", State: StateExited, FromState: StateRunning, Expected: true, PID: 7}},
		{ProcessStateFatal, "processname:failer groupname:failer from_state:BACKOFF",
			ProcessStateEvent{ProcessName: "failer", GroupName: "failer", State: StateFatal, FromState: StateBackoff}},
		{ProcessStateUnknown, "processname:x groupname:x from_state:RUNNING",
			ProcessStateEvent{ProcessName: "x", GroupName: "x", State: StateUnknown, FromState: StateRunning}},
	}
	for _, tt := range tests {
		got, err := event(tt.name, tt.payload).ProcessState()
		if err != nil {
			t.Errorf("%s: %v", tt.payload, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.payload, got, tt.want)
		}
	}
	p, _ := event(ProcessStateExited, "processname:web_01 groupname:web from_state:RUNNING expected:1 pid:7").ProcessState()
	if p.Namespec() != "web:web_01" {
		t.Errorf("Namespec = %q", p.Namespec())
	}
}

func TestProcessStateErrors(t *testing.T) {
	tests := []struct {
		name    EventType
		payload string
		want    error
		reason  string
	}{
		{Tick5, "when:1", ErrWrongEventType, "not a PROCESS_STATE event"},
		{ProcessState, "processname:a groupname:a from_state:RUNNING", ErrMalformedPayload, "no process state in the event name"},
		{ProcessStateRunning, "groupname:a from_state:STARTING pid:1", ErrMalformedPayload, "missing processname"},
		{ProcessStateRunning, "processname:a from_state:STARTING pid:1", ErrMalformedPayload, "missing groupname"},
		{ProcessStateRunning, "processname:a groupname:a pid:1", ErrMalformedPayload, "missing from_state"},
		{ProcessStateRunning, "processname:a groupname:a from_state:SLEEPING", ErrMalformedPayload, "unknown from_state"},
		{ProcessStateRunning, "processname:a groupname:a from_state:STARTING pid:x", ErrMalformedPayload, "pid"},
		{ProcessStateBackoff, "processname:a groupname:a from_state:STARTING tries:-1", ErrMalformedPayload, "tries"},
		{ProcessStateExited, "processname:a groupname:a from_state:RUNNING pid:1", ErrMalformedPayload, "without expected"},
		{ProcessStateExited, "processname:a groupname:a from_state:RUNNING expected:yes pid:1", ErrMalformedPayload, "not 0 or 1"},
		{ProcessStateExited, "processname:a groupname:a garbage", ErrMalformedPayload, "without a colon"},
	}
	for _, tt := range tests {
		_, err := event(tt.name, tt.payload).ProcessState()
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("%s %q: err = %v, want %v mentioning %q", tt.name, tt.payload, err, tt.want, tt.reason)
		}
	}
}

func TestProcessLogAndCommunication(t *testing.T) {
	l, err := event(ProcessLogStdout, "processname:talker groupname:talker pid:6191 channel:stdout\nhéllo wörld\n").ProcessLog()
	want := ProcessLogEvent{ProcessName: "talker", GroupName: "talker", PID: 6191, Channel: "stdout", Data: "héllo wörld\n"}
	if err != nil || l != want {
		t.Fatalf("got %+v, %v", l, err)
	}
	// The data may itself hold newlines and colons.
	l, err = event(ProcessLogStderr, "processname:a groupname:g pid:1 channel:stderr\nline one\nkey: value\n").ProcessLog()
	if err != nil || l.Data != "line one\nkey: value\n" || l.Namespec() != "g:a" {
		t.Fatalf("got %+v, %v", l, err)
	}
	if _, err := event(ProcessLogStdout, "processname:a groupname:a pid:1 channel:stdout").ProcessLog(); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("no newline: %v", err)
	}
	if _, err := event(ProcessLogStdout, "processname:a groupname:a pid:1\nx").ProcessLog(); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("no channel: %v", err)
	}
	if _, err := event(ProcessLog, "processname:a groupname:a pid:1 channel:stdout\nx").ProcessLog(); !errors.Is(err, ErrWrongEventType) {
		t.Errorf("abstract type: %v", err)
	}

	c, err := event(ProcessCommunicationStderr, "processname:talker groupname:talker pid:6191\ncomm dataé").ProcessCommunication()
	wantc := ProcessCommunicationEvent{ProcessName: "talker", GroupName: "talker", PID: 6191, Channel: "stderr", Data: "comm dataé"}
	if err != nil || c != wantc {
		t.Fatalf("got %+v, %v", c, err)
	}
	if _, err := event(ProcessCommunicationStdout, "processname:a groupname:a\nx").ProcessCommunication(); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("missing pid: %v", err)
	}
	if _, err := event(Tick5, "when:1").ProcessCommunication(); !errors.Is(err, ErrWrongEventType) {
		t.Errorf("wrong type: %v", err)
	}
}

func TestOtherPayloads(t *testing.T) {
	r, err := event(RemoteCommunication, "type:my type\npayload data ü").RemoteCommunication()
	if err != nil || r != (RemoteCommunicationEvent{Type: "my type", Data: "payload data ü"}) {
		t.Errorf("remote: %+v %v", r, err)
	}
	if _, err := event(RemoteCommunication, "kind:x\ny").RemoteCommunication(); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("remote without type: %v", err)
	}

	tick, err := event(Tick60, "when:1795239720").Tick()
	if err != nil || tick.Period != time.Minute || !tick.When.Equal(time.Unix(1795239720, 0)) {
		t.Errorf("tick: %+v %v", tick, err)
	}
	if _, err := event(Tick5, "when:soon").Tick(); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("tick bad when: %v", err)
	}
	if _, err := event(Tick, "when:1").Tick(); !errors.Is(err, ErrWrongEventType) {
		t.Errorf("abstract TICK: %v", err)
	}

	g, err := event(ProcessGroupAdded, "groupname:sleeper\n").ProcessGroup()
	if err != nil || g.GroupName != "sleeper" {
		t.Errorf("group: %+v %v", g, err)
	}
	if _, err := event(ProcessGroupRemoved, "name:x\n").ProcessGroup(); !errors.Is(err, ErrMalformedPayload) {
		t.Errorf("group malformed: %v", err)
	}

	s, err := event(SupervisorStateChangeStopping, "").SupervisorStateChange()
	if err != nil || !s.Stopping {
		t.Errorf("stopping: %+v %v", s, err)
	}
	if _, err := event(Tick5, "").SupervisorStateChange(); !errors.Is(err, ErrWrongEventType) {
		t.Errorf("wrong type: %v", err)
	}
}

func TestTypedOverCapture(t *testing.T) {
	evs := readAll(t, NewReader(bytes.NewReader(capture(t))))
	kinds := map[string]int{}
	for _, ev := range evs {
		v, err := ev.Typed()
		if err != nil {
			t.Errorf("serial %d %s: %v", ev.Serial, ev.EventName, err)
			continue
		}
		kinds[reflect.TypeOf(v).Name()]++
	}
	for _, k := range []string{"ProcessStateEvent", "ProcessLogEvent", "ProcessCommunicationEvent", "RemoteCommunicationEvent", "TickEvent", "ProcessGroupEvent", "SupervisorStateChangeEvent"} {
		if kinds[k] == 0 {
			t.Errorf("the capture yields no %s", k)
		}
	}
	v, err := event("MY_EVENT", "anything").Typed()
	if v != nil || err != nil {
		t.Errorf("unknown type: %v %v", v, err)
	}
}

func TestFieldsAndData(t *testing.T) {
	ev := event(ProcessLogStdout, "processname:a groupname:g pid:1 channel:stdout\nurl: http://x:80/\n")
	want := map[string]string{"processname": "a", "groupname": "g", "pid": "1", "channel": "stdout"}
	if got := ev.Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %v", got)
	}
	if ev.Data() != "url: http://x:80/\n" {
		t.Errorf("Data = %q", ev.Data())
	}
	if got := event(Tick5, "when:1").Data(); got != "" {
		t.Errorf("Data without newline = %q", got)
	}
	if got := event(SupervisorStateChangeRunning, "").Fields(); len(got) != 0 {
		t.Errorf("empty payload fields = %v", got)
	}
	if got := event(ProcessStateRunning, "processname:a  url:http://x:1").Fields(); got["url"] != "http://x:1" {
		t.Errorf("value with colon split wrongly: %v", got)
	}
}

func TestTypedAccessorsDoNotAllocate(t *testing.T) {
	tick := event(Tick5, "when:1795239755")
	exited := event(ProcessStateExited, "processname:die groupname:die from_state:RUNNING expected:0 pid:6180")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := tick.Tick(); err != nil {
			t.Fatal(err)
		}
		if _, err := exited.ProcessState(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("typed accessors allocate %v times", allocs)
	}
}
