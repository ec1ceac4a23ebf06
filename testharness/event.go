package testharness

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener"
)

// Event is an event ready to be notified to the harness's pools: its type
// and its payload, byte for byte as supervisord would render it. Build one
// with the constructors below (ProcessStateChange.Event, NewProcessLogEvent,
// NewTickEvent, ...) or, for anything else, with NewRawEvent.
type Event struct {
	Type    listener.EventType // the envelope's eventname
	Payload string             // everything after the header line
}

// NewRawEvent returns an event of any type with a payload used verbatim.
// Use it to send what supervisord never would (a malformed payload, a
// custom event type registered by a plugin): the envelope is still built
// the way supervisord builds it, with len counting code points (each
// invalid UTF-8 byte counts as one).
func NewRawEvent(typ listener.EventType, payload string) Event {
	return Event{Type: typ, Payload: payload}
}

// Channel names a child's output stream.
type Channel string

// The two output channels of a child process.
const (
	Stdout Channel = "stdout"
	Stderr Channel = "stderr"
)

// NewProcessLogEvent returns the PROCESS_LOG_STDOUT or PROCESS_LOG_STDERR
// event supervisord emits for one chunk a process wrote (it does not split
// chunks into lines):
//
//	processname:<name> groupname:<group> pid:<pid> channel:<channel>\n<data>
//
// Data that is not valid UTF-8 is rendered as supervisord renders it:
// "Undecodable: b'...'" with Python's bytes escapes.
func NewProcessLogEvent(channel Channel, process, group string, pid int, data []byte) Event {
	typ := listener.ProcessLogStdout
	if channel == Stderr {
		typ = listener.ProcessLogStderr
	}
	return Event{Type: typ, Payload: "processname:" + process + " groupname:" + group +
		" pid:" + strconv.Itoa(pid) + " channel:" + string(channel) + "\n" + decodeOutput(data)}
}

// NewProcessCommunicationEvent returns the PROCESS_COMMUNICATION_STDOUT or
// _STDERR event for data a process wrote between <!--XSUPERVISOR:BEGIN-->
// and <!--XSUPERVISOR:END-->. Unlike PROCESS_LOG it has no channel token:
//
//	processname:<name> groupname:<group> pid:<pid>\n<data>
func NewProcessCommunicationEvent(channel Channel, process, group string, pid int, data []byte) Event {
	typ := listener.ProcessCommunicationStdout
	if channel == Stderr {
		typ = listener.ProcessCommunicationStderr
	}
	return Event{Type: typ, Payload: "processname:" + process + " groupname:" + group +
		" pid:" + strconv.Itoa(pid) + "\n" + decodeOutput(data)}
}

// NewRemoteCommunicationEvent returns the REMOTE_COMMUNICATION event that
// the XML-RPC call supervisor.sendRemoteCommEvent(typ, data) emits:
//
//	type:<typ>\n<data>
func NewRemoteCommunicationEvent(typ, data string) Event {
	return Event{Type: listener.RemoteCommunication, Payload: "type:" + typ + "\n" + data}
}

// NewTickEvent returns the TICK_<period> event supervisord emits when the
// clock enters a new time slice: "when:<unix seconds>" (no newline), where
// when is the start of the slice containing now, not now itself. typ must be
// a TICK_<n> type (TICK_5, TICK_60, TICK_3600); other types give an event
// with when equal to now's Unix second.
func NewTickEvent(typ listener.EventType, now time.Time) Event {
	when := now.Unix()
	if period, ok := typ.TickPeriod(); ok {
		when = timeslice(period, now)
	}
	return Event{Type: typ, Payload: "when:" + strconv.FormatInt(when, 10)}
}

// timeslice is supervisord's timeslice(period, when): the start of the
// period-long slice containing now, in whole Unix seconds.
func timeslice(period time.Duration, now time.Time) int64 {
	secs := now.Unix()
	p := int64(period / time.Second)
	if p <= 0 {
		return secs
	}
	m := secs % p
	if m < 0 {
		m += p
	}
	return secs - m
}

// NewProcessGroupAddedEvent returns the PROCESS_GROUP_ADDED event for
// group. Its payload, unlike the other token lists, ends with a newline:
// "groupname:<group>\n".
func NewProcessGroupAddedEvent(group string) Event {
	return Event{Type: listener.ProcessGroupAdded, Payload: "groupname:" + group + "\n"}
}

// NewProcessGroupRemovedEvent returns the PROCESS_GROUP_REMOVED event for
// group: "groupname:<group>\n".
func NewProcessGroupRemovedEvent(group string) Event {
	return Event{Type: listener.ProcessGroupRemoved, Payload: "groupname:" + group + "\n"}
}

// NewSupervisorRunningEvent returns SUPERVISOR_STATE_CHANGE_RUNNING, which
// has an empty payload (the envelope ends "len:0\n").
func NewSupervisorRunningEvent() Event {
	return Event{Type: listener.SupervisorStateChangeRunning}
}

// NewSupervisorStoppingEvent returns SUPERVISOR_STATE_CHANGE_STOPPING,
// which has an empty payload.
func NewSupervisorStoppingEvent() Event {
	return Event{Type: listener.SupervisorStateChangeStopping}
}

// envelope renders the bytes supervisord writes to a listener for one
// event (EventListenerPool._eventEnvelope). len counts code points because
// supervisord measures a Python str; the result is the UTF-8 encoding.
func envelope(server string, serial int64, pool string, poolSerial int64, ev Event) []byte {
	b := make([]byte, 0, 96+len(pool)+len(server)+len(ev.Type)+len(ev.Payload))
	b = append(b, "ver:3.0 server:"...)
	b = append(b, server...)
	b = append(b, " serial:"...)
	b = strconv.AppendInt(b, serial, 10)
	b = append(b, " pool:"...)
	b = append(b, pool...)
	b = append(b, " poolserial:"...)
	b = strconv.AppendInt(b, poolSerial, 10)
	b = append(b, " eventname:"...)
	b = append(b, ev.Type...)
	b = append(b, " len:"...)
	b = strconv.AppendInt(b, int64(utf8.RuneCountInString(ev.Payload)), 10)
	b = append(b, '\n')
	b = append(b, ev.Payload...)
	return b
}

// decodeOutput renders child output the way supervisord's as_string does,
// falling back to "Undecodable: <Python repr>" for invalid UTF-8.
func decodeOutput(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return "Undecodable: " + pyfmt.ReprBytes(data)
}
