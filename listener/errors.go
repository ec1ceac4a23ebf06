package listener

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors, checkable with errors.Is on the errors Reader, Serve and
// Run return.
var (
	// ErrMalformedHeader means a header line is not a supervisord event
	// header: a field is missing, repeated or not a number. After a
	// malformed header the stream cannot be trusted, so Serve stops.
	ErrMalformedHeader = errors.New("malformed event header")

	// ErrPayloadTooLarge means a header announced a payload longer than
	// the configured limit (see WithMaxPayload).
	ErrPayloadTooLarge = errors.New("event payload larger than the limit")

	// ErrTruncated means the stream ended inside an event. It wraps
	// io.ErrUnexpectedEOF.
	ErrTruncated = fmt.Errorf("stream ended inside an event: %w", io.ErrUnexpectedEOF)

	// ErrMalformedPayload means a payload does not have the shape its
	// event type promises, for example a PROCESS_STATE payload without a
	// processname.
	ErrMalformedPayload = errors.New("malformed event payload")

	// ErrWrongEventType means a typed accessor was called on an event of
	// another type, for example Tick on a PROCESS_STATE_EXITED event.
	ErrWrongEventType = errors.New("wrong event type")

	// ErrNotUnderSupervisord means Run was started by hand rather than by
	// supervisord: its standard input is a terminal.
	ErrNotUnderSupervisord = errors.New("standard input is a terminal: this program is a supervisord event listener; " +
		"run it from an [eventlistener:x] section of supervisord.conf (command=..., events=...)")
)

// A ProtocolError describes an event the listener could not read. Err is
// ErrMalformedHeader, ErrPayloadTooLarge or ErrTruncated; Header is the
// offending header line, as received, so the message shows exactly what
// arrived.
type ProtocolError struct {
	Err    error
	Reason string
	Header string
}

func (e *ProtocolError) Error() string {
	msg := fmt.Sprintf("listener: %v: %s (header %q)", e.Err, e.Reason, e.Header)
	if errors.Is(e.Err, ErrMalformedHeader) && !looksLikeHeader(e.Header) {
		// A header that is not a header almost always means the previous
		// payload was read short or long: the stream is out of step.
		msg += "; the stream is out of step with supervisord — if the server counts len in bytes, use byte lengths"
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *ProtocolError) Unwrap() error { return e.Err }

func looksLikeHeader(line string) bool {
	return len(line) >= 4 && line[:4] == "ver:"
}

// A PayloadError describes a payload that does not match its event type.
// It wraps ErrMalformedPayload or ErrWrongEventType.
type PayloadError struct {
	Err       error
	EventName EventType
	Reason    string
	Payload   string
}

func (e *PayloadError) Error() string {
	p := e.Payload
	if len(p) > 200 {
		p = p[:200] + "..."
	}
	return fmt.Sprintf("listener: %v: %s: %s (payload %q)", e.Err, e.EventName, e.Reason, p)
}

// Unwrap returns the sentinel error.
func (e *PayloadError) Unwrap() error { return e.Err }
