package protocol

import "strconv"

// State is the state supervisord keeps for each event listener process
// (supervisor/states.py, EventListenerStates), with supervisord's codes.
// It is separate from the process state: a RUNNING process can be a READY,
// BUSY, ACKNOWLEDGED or UNKNOWN listener.
type State int

// Listener states, with supervisord's numeric codes.
const (
	// Ready: the listener wrote READY\n and may be sent one event.
	Ready State = 10
	// Busy: an event was sent and its RESULT has not been read.
	Busy State = 20
	// Acknowledged: the initial state of every spawn, and the state after
	// a result; the listener must write READY\n next.
	Acknowledged State = 30
	// Unknown: the listener broke the protocol. It receives nothing more
	// until its process is restarted.
	Unknown State = 40
)

// String returns the name supervisord logs for s ("READY"), or
// "ListenerState(n)" for a code it does not define.
func (s State) String() string {
	switch s {
	case Ready:
		return "READY"
	case Busy:
		return "BUSY"
	case Acknowledged:
		return "ACKNOWLEDGED"
	case Unknown:
		return "UNKNOWN"
	}
	return "ListenerState(" + strconv.Itoa(int(s)) + ")"
}
