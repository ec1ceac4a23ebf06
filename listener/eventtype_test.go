package listener

import (
	"errors"
	"testing"
	"time"
)

func TestEventTypeHierarchy(t *testing.T) {
	yes := [][2]EventType{
		{ProcessStateExited, ProcessState}, {ProcessStateExited, AnyEvent}, {ProcessStateExited, ProcessStateExited},
		{Tick5, Tick}, {Tick3600, AnyEvent}, {ProcessLogStderr, ProcessLog}, {ProcessCommunicationStdout, ProcessCommunication},
		{SupervisorStateChangeRunning, SupervisorStateChange}, {ProcessGroupAdded, ProcessGroup}, {RemoteCommunication, AnyEvent},
		{"CUSTOM_EVENT", AnyEvent}, {Tick, AnyEvent},
	}
	for _, p := range yes {
		if !p[0].Is(p[1]) {
			t.Errorf("%s.Is(%s) = false", p[0], p[1])
		}
	}
	no := [][2]EventType{{ProcessState, ProcessStateExited}, {Tick5, Tick60}, {ProcessLogStdout, ProcessState}, {AnyEvent, Tick}, {"PROCESS_STATE_CUSTOM", ProcessState}}
	for _, p := range no {
		if p[0].Is(p[1]) {
			t.Errorf("%s.Is(%s) = true", p[0], p[1])
		}
	}
	for _, typ := range EventTypes {
		if !typ.Known() || !typ.Is(AnyEvent) {
			t.Errorf("%s: Known=%v", typ, typ.Known())
		}
	}
	if AnyEvent.Base() != "" || ProcessState.Base() != AnyEvent || Tick5.Base() != Tick {
		t.Error("Base")
	}
	if !Tick.IsAbstract() || Tick5.IsAbstract() {
		t.Error("IsAbstract")
	}
}

func TestParseEventTypeAndTickPeriod(t *testing.T) {
	if typ, err := ParseEventType(" process_state_exited "); err != nil || typ != ProcessStateExited {
		t.Errorf("ParseEventType: %v %v", typ, err)
	}
	var ue *UnknownEventTypeError
	if _, err := ParseEventType("TICK_7"); !errors.As(err, &ue) {
		t.Errorf("TICK_7: %v", err)
	}
	for typ, want := range map[EventType]time.Duration{Tick5: 5 * time.Second, Tick60: time.Minute, Tick3600: time.Hour} {
		if d, ok := typ.TickPeriod(); !ok || d != want {
			t.Errorf("%s period %v %v", typ, d, ok)
		}
	}
	for _, typ := range []EventType{Tick, "TICK_", "TICK_0", "TICK_x", "JUNK_60"} {
		if _, ok := typ.TickPeriod(); ok {
			t.Errorf("%s has a period", typ)
		}
	}
}

func TestStates(t *testing.T) {
	for _, s := range States {
		got, err := ParseState(s.String())
		if err != nil || got != s || !s.Valid() {
			t.Errorf("%v round trip: %v %v", s, got, err)
		}
	}
	if s, err := ParseState(" exited"); err != nil || s != StateExited {
		t.Errorf("case-insensitive: %v %v", s, err)
	}
	if _, err := ParseState("sleeping"); err == nil {
		t.Error("unknown state accepted")
	}
	if State(5).String() != "State(5)" || State(5).Valid() {
		t.Error("invalid state")
	}
	if StateRunning != 20 || StateFatal != 200 || StateUnknown != 1000 {
		t.Error("codes")
	}
	if !StateBackoff.IsRunning() || StateStopping.IsRunning() || !StateFatal.IsStopped() || StateStopping.IsStopped() {
		t.Error("groups")
	}
}
