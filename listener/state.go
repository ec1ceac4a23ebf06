package listener

import (
	"fmt"
	"strings"
)

// State is a supervisord process state, as defined in supervisor/states.py
// (ProcessStates). The numeric values are the ones supervisord reports over
// XML-RPC in getProcessInfo's "state" field; the names are the ones it puts
// in event payloads ("from_state:RUNNING") and event names
// ("PROCESS_STATE_RUNNING").
//
// See http://supervisord.org/subprocess.html#process-states.
type State int

// Process states, with supervisord's numeric codes.
const (
	StateStopped  State = 0
	StateStarting State = 10
	StateRunning  State = 20
	StateBackoff  State = 30
	StateStopping State = 40
	StateExited   State = 100
	StateFatal    State = 200
	StateUnknown  State = 1000
)

var stateNames = map[State]string{
	StateStopped:  "STOPPED",
	StateStarting: "STARTING",
	StateRunning:  "RUNNING",
	StateBackoff:  "BACKOFF",
	StateStopping: "STOPPING",
	StateExited:   "EXITED",
	StateFatal:    "FATAL",
	StateUnknown:  "UNKNOWN",
}

// States lists every process state in the order supervisord numbers them.
var States = []State{StateStopped, StateStarting, StateRunning, StateBackoff, StateStopping, StateExited, StateFatal, StateUnknown}

// String returns the state's name as supervisord spells it ("RUNNING"), or
// "State(n)" for a code supervisord does not define.
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Valid reports whether s is one of supervisord's process states.
func (s State) Valid() bool {
	_, ok := stateNames[s]
	return ok
}

// IsRunning reports whether s is in supervisord's RUNNING_STATES group
// (RUNNING, BACKOFF, STARTING): the states in which startProcess answers
// ALREADY_STARTED.
func (s State) IsRunning() bool {
	return s == StateRunning || s == StateBackoff || s == StateStarting
}

// IsStopped reports whether s is in supervisord's STOPPED_STATES group
// (STOPPED, EXITED, FATAL, UNKNOWN).
func (s State) IsStopped() bool {
	return s == StateStopped || s == StateExited || s == StateFatal || s == StateUnknown
}

// ParseState returns the state named name. The match is case-insensitive
// and ignores surrounding space, so "running", "RUNNING" and " Running "
// all give StateRunning.
func ParseState(name string) (State, error) {
	if s, ok := parseStateName(strings.ToUpper(strings.TrimSpace(name))); ok {
		return s, nil
	}
	return 0, fmt.Errorf("unknown process state %q (want one of STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL, UNKNOWN)", name)
}

// parseStateName is ParseState for the exact upper-case names found in
// payloads, without allocating.
func parseStateName(name string) (State, bool) {
	switch name {
	case "STOPPED":
		return StateStopped, true
	case "STARTING":
		return StateStarting, true
	case "RUNNING":
		return StateRunning, true
	case "BACKOFF":
		return StateBackoff, true
	case "STOPPING":
		return StateStopping, true
	case "EXITED":
		return StateExited, true
	case "FATAL":
		return StateFatal, true
	case "UNKNOWN":
		return StateUnknown, true
	}
	return 0, false
}
