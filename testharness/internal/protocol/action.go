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

// Action is one observable step of Machine.Feed, in the order supervisord
// performs it.
type Action struct {
	Kind     Kind
	From, To State   // Changed
	Body     []byte  // Judged, BadLine
	Verdict  Verdict // Judged
}
