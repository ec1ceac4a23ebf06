package testharness

import "github.com/golance/golance/testharness/internal/protocol"

// ListenerState is the state supervisord keeps for each event listener
// process (supervisor/states.py, EventListenerStates). It is separate from
// the process state: a RUNNING process can be a READY, BUSY, ACKNOWLEDGED or
// UNKNOWN listener. supervisord never exposes it over XML-RPC; the harness
// records every change in its Transcript. Its String method returns the
// name supervisord logs ("READY").
type ListenerState = protocol.State

// Listener states, with supervisord's numeric codes.
const (
	// ListenerReady: the listener wrote READY\n and may be sent one event.
	ListenerReady = protocol.Ready
	// ListenerBusy: an event was sent and its RESULT has not been read.
	ListenerBusy = protocol.Busy
	// ListenerAcknowledged: the initial state of every spawn, and the state
	// after a result; the listener must write READY\n next.
	ListenerAcknowledged = protocol.Acknowledged
	// ListenerUnknown: the listener broke the protocol. It receives nothing
	// more until its process is restarted.
	ListenerUnknown = protocol.Unknown
)
