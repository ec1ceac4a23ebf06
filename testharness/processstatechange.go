package testharness

import (
	"strconv"
	"strings"

	"github.com/golance/golance/listener"
)

// ProcessStateChange describes one process state transition, from which
// Event renders the PROCESS_STATE_<To> payload supervisord sends:
//
//	processname:<Process> groupname:<Group> from_state:<From>[ extra fields]
//
// with no trailing newline. The extra fields depend on To, in this order:
// STARTING and BACKOFF add tries; RUNNING, STOPPING and STOPPED add pid;
// EXITED adds expected (0 or 1) then pid; FATAL and UNKNOWN add nothing.
type ProcessStateChange struct {
	Process  string         // processname
	Group    string         // groupname
	From, To listener.State // from_state, and the state the event is named after
	Tries    int            // STARTING, BACKOFF: the backoff counter
	Expected bool           // EXITED: the exit code was in exitcodes
	PID      int            // RUNNING, STOPPING, STOPPED, EXITED
}

// Event returns the PROCESS_STATE_* event for c.
func (c ProcessStateChange) Event() Event {
	var b strings.Builder
	b.WriteString("processname:")
	b.WriteString(c.Process)
	b.WriteString(" groupname:")
	b.WriteString(c.Group)
	b.WriteString(" from_state:")
	b.WriteString(c.From.String())
	switch c.To {
	case listener.StateStarting, listener.StateBackoff:
		b.WriteString(" tries:")
		b.WriteString(strconv.Itoa(c.Tries))
	case listener.StateRunning, listener.StateStopping, listener.StateStopped:
		b.WriteString(" pid:")
		b.WriteString(strconv.Itoa(c.PID))
	case listener.StateExited:
		b.WriteString(" expected:")
		if c.Expected {
			b.WriteString("1")
		} else {
			b.WriteString("0")
		}
		b.WriteString(" pid:")
		b.WriteString(strconv.Itoa(c.PID))
	}
	return Event{Type: listener.EventType("PROCESS_STATE_" + c.To.String()), Payload: b.String()}
}
