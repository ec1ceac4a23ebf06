package testharness

import "strconv"

// ListenerState is the state supervisord keeps for each event listener
// process (supervisor/states.py, EventListenerStates). It is separate from
// the process state: a RUNNING process can be a READY, BUSY, ACKNOWLEDGED or
// UNKNOWN listener. supervisord never exposes it over XML-RPC; the harness
// records every change in its Transcript.
type ListenerState int

// Listener states, with supervisord's numeric codes.
const (
	// ListenerReady: the listener wrote READY\n and may be sent one event.
	ListenerReady ListenerState = 10
	// ListenerBusy: an event was sent and its RESULT has not been read.
	ListenerBusy ListenerState = 20
	// ListenerAcknowledged: the initial state of every spawn, and the state
	// after a result; the listener must write READY\n next.
	ListenerAcknowledged ListenerState = 30
	// ListenerUnknown: the listener broke the protocol. It receives nothing
	// more until its process is restarted.
	ListenerUnknown ListenerState = 40
)

// String returns the name supervisord logs for s ("READY"), or
// "ListenerState(n)" for a code it does not define.
func (s ListenerState) String() string {
	switch s {
	case ListenerReady:
		return "READY"
	case ListenerBusy:
		return "BUSY"
	case ListenerAcknowledged:
		return "ACKNOWLEDGED"
	case ListenerUnknown:
		return "UNKNOWN"
	}
	return "ListenerState(" + strconv.Itoa(int(s)) + ")"
}
