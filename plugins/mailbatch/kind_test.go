package mailbatch

import (
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// at is 2024-05-06 07:08:09.123 in the local zone, so that the asctime
// reads the same whatever TZ the tests run in.
var at = time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.Local)

func stateEvent(c testharness.ProcessStateChange) listener.Event {
	ev := c.Event()
	return listener.Event{Header: listener.Header{EventName: ev.Type}, Payload: ev.Payload}
}

// The lines and subjects are superlance's, word for word (its tests check
// "Process bar:foo (pid 58597) died unexpectedly", "[bar:foo](58597)
// exited unexpectedly", "Process bar:foo failed to start too many times").
func TestKindsWordLikeSuperlance(t *testing.T) {
	t.Parallel()
	exited := stateEvent(testharness.ProcessStateChange{Process: "foo", Group: "bar", From: listener.StateRunning, To: listener.StateExited, PID: 58597})
	expected := stateEvent(testharness.ProcessStateChange{Process: "foo", Group: "bar", From: listener.StateRunning, To: listener.StateExited, PID: 58597, Expected: true})
	fatal := stateEvent(testharness.ProcessStateChange{Process: "foo", Group: "bar", From: listener.StateBackoff, To: listener.StateFatal})
	same := stateEvent(testharness.ProcessStateChange{Process: "foo", Group: "foo", From: listener.StateRunning, To: listener.StateExited, PID: 7})
	tick := listener.Event{Header: listener.Header{EventName: listener.Tick60}, Payload: "when:1700000000"}
	tests := []struct {
		kind    kind
		ev      listener.Event
		line    string
		ok      bool
		subject string
	}{
		{crashMailBatch, exited, "2024-05-06 07:08:09,123 -- Process bar:foo (pid 58597) died unexpectedly", true, "Crash alert from supervisord"},
		{crashMailBatch, same, "2024-05-06 07:08:09,123 -- Process foo:foo (pid 7) died unexpectedly", true, "Crash alert from supervisord"},
		{crashMailBatch, expected, "", false, "Crash alert from supervisord"},
		{crashMailBatch, fatal, "", false, "Crash alert from supervisord"},
		{crashSMS, exited, "[bar:foo](58597) exited unexpectedly 2024-05-06 07:08:09,123", true, ""},
		{crashSMS, expected, "", false, ""},
		{fatalMailBatch, fatal, "2024-05-06 07:08:09,123 -- Process bar:foo failed to start too many times", true, "Fatal start alert from supervisord"},
		{fatalMailBatch, exited, "", false, "Fatal start alert from supervisord"},
		{fatalMailBatch, tick, "", false, "Fatal start alert from supervisord"},
	}
	for _, tt := range tests {
		_, line, ok, err := tt.kind.line(tt.ev, at)
		if err != nil {
			t.Errorf("%s on %s %q: %v", tt.kind.name, tt.ev.EventName, tt.ev.Payload, err)
		}
		if line != tt.line || ok != tt.ok {
			t.Errorf("%s on %s %q: %q, %v; want %q, %v", tt.kind.name, tt.ev.EventName, tt.ev.Payload, line, ok, tt.line, tt.ok)
		}
		if tt.kind.defaultSubject != tt.subject {
			t.Errorf("%s default subject %q, want %q", tt.kind.name, tt.kind.defaultSubject, tt.subject)
		}
	}
}
