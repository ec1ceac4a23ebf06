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
		kind    Kind
		ev      listener.Event
		line    string
		ok      bool
		subject string
	}{
		{CrashMailBatch, exited, "2024-05-06 07:08:09,123 -- Process bar:foo (pid 58597) died unexpectedly", true, "Crash alert from supervisord"},
		{CrashMailBatch, same, "2024-05-06 07:08:09,123 -- Process foo:foo (pid 7) died unexpectedly", true, "Crash alert from supervisord"},
		{CrashMailBatch, expected, "", false, "Crash alert from supervisord"},
		{CrashMailBatch, fatal, "", false, "Crash alert from supervisord"},
		{CrashSMS, exited, "[bar:foo](58597) exited unexpectedly 2024-05-06 07:08:09,123", true, ""},
		{CrashSMS, expected, "", false, ""},
		{FatalMailBatch, fatal, "2024-05-06 07:08:09,123 -- Process bar:foo failed to start too many times", true, "Fatal start alert from supervisord"},
		{FatalMailBatch, exited, "", false, "Fatal start alert from supervisord"},
		{FatalMailBatch, tick, "", false, "Fatal start alert from supervisord"},
	}
	for _, tt := range tests {
		_, line, ok := tt.kind.line(tt.ev, at)
		if line != tt.line || ok != tt.ok {
			t.Errorf("%s on %s %q: %q, %v; want %q, %v", tt.kind.Name, tt.ev.EventName, tt.ev.Payload, line, ok, tt.line, tt.ok)
		}
		if tt.kind.DefaultSubject != tt.subject {
			t.Errorf("%s default subject %q, want %q", tt.kind.Name, tt.kind.DefaultSubject, tt.subject)
		}
	}
}
