package log

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
)

func TestMalformedEvent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ev := listener.Event{Header: listener.Header{Serial: 12, EventName: listener.ProcessStateExited}, Payload: "garbage\nmore"}
	_, err := ev.ProcessState()
	MalformedEvent(New(&buf), ev, err)
	got := messages(&buf)
	want := `WARN ignoring a malformed PROCESS_STATE_EXITED event (serial 12): token without a colon, in payload "garbage\nmore"; ` +
		"acknowledged unhandled, as supervisord would only send it again the same way"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("logged %q, want one line %q", got, want)
	}

	buf.Reset()
	long := listener.Event{Header: listener.Header{Serial: 3, EventName: listener.Tick5}, Payload: strings.Repeat("x", 500)}
	_, err = long.Tick()
	MalformedEvent(New(&buf), long, err)
	if got := messages(&buf); len(got) != 1 || len(got[0]) > 400 || !strings.Contains(got[0], "TICK_5 event (serial 3): want when:") {
		t.Fatalf("a long payload logged %q, want one line quoting its start", got)
	}

	buf.Reset()
	MalformedEvent(New(&buf), ev, errors.New("boom"))
	if got := messages(&buf); len(got) != 1 || !strings.Contains(got[0], "(serial 12): boom;") {
		t.Fatalf("another error logged %q", got)
	}
	MalformedEvent(nil, ev, err) // a nil logger writes nothing and does not panic
}
