package protocol

// Verdict is what a pool's result handler made of a complete result body.
type Verdict int

const (
	// OK: the event was processed; the listener is ACKNOWLEDGED.
	OK Verdict = iota
	// Rejected: supervisord's RejectEvent; the listener is ACKNOWLEDGED
	// and the event is rebuffered.
	Rejected
	// Error: any other exception of the handler; the listener is UNKNOWN
	// and the event is rebuffered.
	Error
)

// Kind says what a step of the machine did.
type Kind int

const (
	// Changed: the listener state changed (Action.From, Action.To).
	Changed Kind = iota
	// Judged: a complete result body was judged (Action.Body,
	// Action.Verdict).
	Judged
	// BadLine: the result line was not an integer (Action.Body is the
	// line).
	BadLine
	// Reject: the event in flight must be rebuffered and forgotten.
	Reject
	// Done: the event in flight was processed and is forgotten.
	Done
	// Crash: the dispatcher raised and was closed; the listener stays
	// BUSY for good.
	Crash
)

// Cause is why a listener entered UNKNOWN.
type Cause int

const (
	// NoCause: the action is not a change to UNKNOWN.
	NoCause Cause = iota
	// OutputBeforeReady: in ACKNOWLEDGED, the listener wrote something
	// other than READY\n (a debug line at start-up, the newline echo
	// adds after a result, the rest of a body longer than its length).
	OutputBeforeReady
	// OutputWhileReady: the listener wrote while waiting for an event.
	OutputWhileReady
	// BadResultLine: the length on the result line is not an integer.
	BadResultLine
	// HandlerError: the pool's result handler raised something other
	// than RejectEvent.
	HandlerError
)

// String names the cause in a few words ("output before READY").
func (c Cause) String() string {
	switch c {
	case OutputBeforeReady:
		return "output before READY"
	case OutputWhileReady:
		return "output while READY"
	case BadResultLine:
		return "bad result line"
	case HandlerError:
		return "result handler error"
	}
	return ""
}

// Action is one observable step of Machine.Feed, in the order supervisord
// performs it.
type Action struct {
	Kind     Kind
	From, To State   // Changed
	Why      Cause   // Changed to Unknown
	Body     []byte  // Judged, BadLine; for a change to Unknown, the bytes that caused it
	Verdict  Verdict // Judged
}
