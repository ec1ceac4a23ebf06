package listener

import (
	"strconv"
	"strings"
	"time"
)

// EventType is the name of a supervisord event type as it appears in the
// header's eventname field and in an [eventlistener:x] section's events=
// line, for example "PROCESS_STATE_EXITED".
//
// supervisord's types form a hierarchy: subscribing to a base type such as
// PROCESS_STATE delivers every PROCESS_STATE_* event, and EVENT delivers
// everything. Is reports that relation. Names this package does not know
// (supervisord lets plugins register their own) are still carried through;
// they are subtypes of EVENT only.
//
// See http://supervisord.org/events.html#event-types.
type EventType string

// Every event type in supervisord 4.2.x (supervisor/events.py, EventTypes).
// The base types (Event, ProcessState, ProcessLog, ProcessCommunication,
// SupervisorStateChange, Tick, ProcessGroup) are valid in events= but
// supervisord never sends them as an eventname.
const (
	AnyEvent EventType = "EVENT"

	ProcessState         EventType = "PROCESS_STATE"
	ProcessStateStopped  EventType = "PROCESS_STATE_STOPPED"
	ProcessStateExited   EventType = "PROCESS_STATE_EXITED"
	ProcessStateStarting EventType = "PROCESS_STATE_STARTING"
	ProcessStateStopping EventType = "PROCESS_STATE_STOPPING"
	ProcessStateBackoff  EventType = "PROCESS_STATE_BACKOFF"
	ProcessStateFatal    EventType = "PROCESS_STATE_FATAL"
	ProcessStateRunning  EventType = "PROCESS_STATE_RUNNING"
	ProcessStateUnknown  EventType = "PROCESS_STATE_UNKNOWN"

	ProcessCommunication       EventType = "PROCESS_COMMUNICATION"
	ProcessCommunicationStdout EventType = "PROCESS_COMMUNICATION_STDOUT"
	ProcessCommunicationStderr EventType = "PROCESS_COMMUNICATION_STDERR"

	ProcessLog       EventType = "PROCESS_LOG"
	ProcessLogStdout EventType = "PROCESS_LOG_STDOUT"
	ProcessLogStderr EventType = "PROCESS_LOG_STDERR"

	RemoteCommunication EventType = "REMOTE_COMMUNICATION"

	SupervisorStateChange         EventType = "SUPERVISOR_STATE_CHANGE"
	SupervisorStateChangeRunning  EventType = "SUPERVISOR_STATE_CHANGE_RUNNING"
	SupervisorStateChangeStopping EventType = "SUPERVISOR_STATE_CHANGE_STOPPING"

	Tick     EventType = "TICK"
	Tick5    EventType = "TICK_5"
	Tick60   EventType = "TICK_60"
	Tick3600 EventType = "TICK_3600"

	ProcessGroup        EventType = "PROCESS_GROUP"
	ProcessGroupAdded   EventType = "PROCESS_GROUP_ADDED"
	ProcessGroupRemoved EventType = "PROCESS_GROUP_REMOVED"
)

// baseOf maps each concrete type to its base type. Base types map to
// AnyEvent. AnyEvent itself has no entry.
var baseOf = map[EventType]EventType{
	ProcessState:                  AnyEvent,
	ProcessStateStopped:           ProcessState,
	ProcessStateExited:            ProcessState,
	ProcessStateStarting:          ProcessState,
	ProcessStateStopping:          ProcessState,
	ProcessStateBackoff:           ProcessState,
	ProcessStateFatal:             ProcessState,
	ProcessStateRunning:           ProcessState,
	ProcessStateUnknown:           ProcessState,
	ProcessCommunication:          AnyEvent,
	ProcessCommunicationStdout:    ProcessCommunication,
	ProcessCommunicationStderr:    ProcessCommunication,
	ProcessLog:                    AnyEvent,
	ProcessLogStdout:              ProcessLog,
	ProcessLogStderr:              ProcessLog,
	RemoteCommunication:           AnyEvent,
	SupervisorStateChange:         AnyEvent,
	SupervisorStateChangeRunning:  SupervisorStateChange,
	SupervisorStateChangeStopping: SupervisorStateChange,
	Tick:                          AnyEvent,
	Tick5:                         Tick,
	Tick60:                        Tick,
	Tick3600:                      Tick,
	ProcessGroup:                  AnyEvent,
	ProcessGroupAdded:             ProcessGroup,
	ProcessGroupRemoved:           ProcessGroup,
}

// EventTypes lists every type supervisord 4.2.x defines, base types
// included, in the order of its EventTypes table.
var EventTypes = []EventType{
	AnyEvent,
	ProcessState, ProcessStateStopped, ProcessStateExited, ProcessStateStarting,
	ProcessStateStopping, ProcessStateBackoff, ProcessStateFatal, ProcessStateRunning, ProcessStateUnknown,
	ProcessCommunication, ProcessCommunicationStdout, ProcessCommunicationStderr,
	ProcessLog, ProcessLogStdout, ProcessLogStderr,
	RemoteCommunication,
	SupervisorStateChange, SupervisorStateChangeRunning, SupervisorStateChangeStopping,
	Tick, Tick5, Tick60, Tick3600,
	ProcessGroup, ProcessGroupAdded, ProcessGroupRemoved,
}

// Known reports whether t is one of the types supervisord 4.2.x defines.
func (t EventType) Known() bool {
	if t == AnyEvent {
		return true
	}
	_, ok := baseOf[t]
	return ok
}

// Base returns the type t is a direct subtype of: PROCESS_STATE for
// PROCESS_STATE_EXITED, EVENT for PROCESS_STATE and for names this package
// does not know, and "" for EVENT itself.
func (t EventType) Base() EventType {
	if t == AnyEvent {
		return ""
	}
	if b, ok := baseOf[t]; ok {
		return b
	}
	return AnyEvent
}

// Is reports whether an event of type t is delivered to a subscription for
// base: t equals base, or base is an ancestor of t. Every type Is AnyEvent.
// This is the isinstance test supervisord applies when it notifies pools.
func (t EventType) Is(base EventType) bool {
	for ; t != ""; t = t.Base() {
		if t == base {
			return true
		}
	}
	return false
}

// IsAbstract reports whether t is one of the base types supervisord accepts
// in events= but never sends.
func (t EventType) IsAbstract() bool {
	switch t {
	case AnyEvent, ProcessState, ProcessCommunication, ProcessLog, SupervisorStateChange, Tick, ProcessGroup:
		return true
	}
	return false
}

// ParseEventType returns the event type named name, case-insensitively, as
// supervisord reads an events= line. Unknown names are an error: supervisord
// refuses them in its configuration too.
func ParseEventType(name string) (EventType, error) {
	t := EventType(strings.ToUpper(strings.TrimSpace(name)))
	if !t.Known() {
		return "", &UnknownEventTypeError{Name: name}
	}
	return t, nil
}

// UnknownEventTypeError reports an event type name supervisord does not define.
type UnknownEventTypeError struct {
	Name string
}

func (e *UnknownEventTypeError) Error() string {
	return "unknown event type " + strconv.Quote(e.Name) + " (see http://supervisord.org/events.html#event-types for the list)"
}

// TickPeriod returns the period of a TICK_<seconds> type: 5s for TICK_5.
// It reports false for anything that is not a TICK_<n> name with n > 0.
func (t EventType) TickPeriod() (time.Duration, bool) {
	rest, ok := strings.CutPrefix(string(t), "TICK_")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
