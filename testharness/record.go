package testharness

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/listener"
)

// RecordKind says what a transcript Record is about.
type RecordKind int

// The kinds of transcript records.
const (
	// RecordNotified: an event was raised; Accepted counts the pool
	// acceptances (duplicates included), Serial is its global serial or
	// -1 if nobody subscribed.
	RecordNotified RecordKind = iota + 1
	// RecordSent: bytes written to a process's stdin. For an event, the
	// serials, EventName and Payload are set and Data is the envelope.
	RecordSent
	// RecordReceived: bytes read from a listener's stdout, as read.
	RecordReceived
	// RecordListenerState: a listener state change (FromListener,
	// ToListener). A change to UNKNOWN says why in Reason ("output before
	// READY", "output while READY", "bad result line", "result handler
	// error"), holds in Data the bytes that caused it, and names the event
	// in flight, if any, by its serials and EventName.
	RecordListenerState
	// RecordResult: a complete result; Data is the body, OK whether the
	// pool accepted it, Reason "rejected" or "error" otherwise.
	RecordResult
	// RecordBadResultLine: a result line whose length was not a number;
	// Data is the line.
	RecordBadResultLine
	// RecordRebuffer: a rejected (or orphaned) event was put back at the
	// head of Pool's buffer. Process is the listener that gave it back and
	// Reason says why: "rejected", "unknown" (a protocol violation) or
	// "exited" (the listener died with the event).
	RecordRebuffer
	// RecordOverflow: Pool's buffer was full and its oldest event was
	// discarded.
	RecordOverflow
	// RecordProcessState: a process state change (FromState, ToState).
	RecordProcessState
	// RecordSpawned: a process was spawned with PID; a listener starts in
	// ToListener = ACKNOWLEDGED.
	RecordSpawned
	// RecordExited: a process was reaped; ExitCode is supervisord's exit
	// status (-1 for a signal) and Reason its message.
	RecordExited
	// RecordDispatcherClosed: the listener's stdout dispatcher raised and
	// was closed (a negative result length); it stays BUSY.
	RecordDispatcherClosed
	// RecordAssertion: supervisord would have failed an assertion here.
	RecordAssertion
	// RecordRPC: the XML-RPC server received a call (Method, Params), from
	// PID and Process when the caller is known (see RPCCall). Each call
	// of a system.multicall follows it, with Reason "in system.multicall".
	RecordRPC
)

var recordKindNames = map[RecordKind]string{
	RecordNotified: "notified", RecordSent: "sent", RecordReceived: "received",
	RecordListenerState: "listener-state", RecordResult: "result", RecordBadResultLine: "bad-result-line",
	RecordRebuffer: "rebuffer", RecordOverflow: "overflow", RecordProcessState: "process-state",
	RecordSpawned: "spawned", RecordExited: "exited", RecordDispatcherClosed: "dispatcher-closed",
	RecordAssertion: "assertion", RecordRPC: "rpc",
}

// String returns a short lower-case name for the kind ("listener-state").
func (k RecordKind) String() string {
	if n, ok := recordKindNames[k]; ok {
		return n
	}
	return "RecordKind(" + strconv.Itoa(int(k)) + ")"
}

// Record is one entry of the transcript. Which fields are set depends on
// Kind; Serial and PoolSerial are -1 when the record is not about an event.
type Record struct {
	Seq     int        // 1 for the first record
	Time    time.Time  // by the supervisor's Clock
	Kind    RecordKind // what happened
	Process string     // namespec ("name" or "group:name")
	Pool    string     // the pool concerned, or the process's pool

	Data []byte // bytes sent or read, a result body, a bad result line, what made a listener UNKNOWN

	FromListener, ToListener ListenerState  // RecordListenerState, RecordSpawned
	FromState, ToState       listener.State // RecordProcessState

	Serial, PoolSerial int64              // the event's serials, -1 when not about an event
	EventName          listener.EventType // the event's type
	Payload            string             // the event's payload

	Method string // RecordRPC: the method called
	Params []any  // RecordRPC: its parameters, as decoded

	OK       bool   // RecordResult: the pool accepted the result
	Reason   string // why: rebuffers, results, exits, assertions
	Accepted int    // RecordNotified: acceptances, duplicates included
	PID      int    // RecordSpawned, RecordExited, RecordProcessState, RecordRPC (the caller)
	ExitCode int    // RecordExited: exit status, -1 for a signal
}

// String renders r on one line, quoting bytes.
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s", r.Seq, r.Kind)
	if r.Process != "" {
		fmt.Fprintf(&b, " %s", r.Process)
	}
	if r.Pool != "" && r.Kind != RecordSent && r.Kind != RecordReceived {
		fmt.Fprintf(&b, " pool=%s", r.Pool)
	}
	switch r.Kind {
	case RecordListenerState:
		fmt.Fprintf(&b, " %s -> %s", r.FromListener, r.ToListener)
		if r.Reason != "" {
			fmt.Fprintf(&b, " (%s: %q)", r.Reason, r.Data)
		}
	case RecordProcessState:
		fmt.Fprintf(&b, " %s -> %s", r.FromState, r.ToState)
	case RecordSpawned:
		fmt.Fprintf(&b, " pid=%d", r.PID)
	case RecordExited:
		fmt.Fprintf(&b, " pid=%d %s", r.PID, r.Reason)
	case RecordNotified:
		fmt.Fprintf(&b, " %s serial=%d accepted=%d", r.EventName, r.Serial, r.Accepted)
	case RecordResult:
		fmt.Fprintf(&b, " serial=%d body=%q ok=%t", r.Serial, r.Data, r.OK)
	case RecordRebuffer, RecordOverflow:
		fmt.Fprintf(&b, " %s serial=%d poolserial=%d", r.EventName, r.Serial, r.PoolSerial)
		if r.Reason != "" {
			fmt.Fprintf(&b, " (%s)", r.Reason)
		}
	case RecordRPC:
		fmt.Fprintf(&b, " %s", RPCCall{Method: r.Method, Params: r.Params})
		if r.PID != 0 {
			fmt.Fprintf(&b, " pid=%d", r.PID)
		}
		if r.Reason != "" {
			fmt.Fprintf(&b, " (%s)", r.Reason)
		}
	case RecordSent, RecordReceived, RecordBadResultLine:
		fmt.Fprintf(&b, " %q", r.Data)
	default:
		if r.Reason != "" {
			fmt.Fprintf(&b, " %s", r.Reason)
		}
	}
	return b.String()
}
