package testharness

import (
	"fmt"
	"iter"
	"slices"
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
	// ToListener).
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
)

var recordKindNames = map[RecordKind]string{
	RecordNotified: "notified", RecordSent: "sent", RecordReceived: "received",
	RecordListenerState: "listener-state", RecordResult: "result", RecordBadResultLine: "bad-result-line",
	RecordRebuffer: "rebuffer", RecordOverflow: "overflow", RecordProcessState: "process-state",
	RecordSpawned: "spawned", RecordExited: "exited", RecordDispatcherClosed: "dispatcher-closed",
	RecordAssertion: "assertion",
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

	Data []byte // bytes sent or read, a result body, a bad result line

	FromListener, ToListener ListenerState  // RecordListenerState, RecordSpawned
	FromState, ToState       listener.State // RecordProcessState

	Serial, PoolSerial int64              // the event's serials, -1 when not about an event
	EventName          listener.EventType // the event's type
	Payload            string             // the event's payload

	OK       bool   // RecordResult: the pool accepted the result
	Reason   string // why: rebuffers, results, exits, assertions
	Accepted int    // RecordNotified: acceptances, duplicates included
	PID      int    // RecordSpawned, RecordExited, RecordProcessState
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
	case RecordSent, RecordReceived, RecordBadResultLine:
		fmt.Fprintf(&b, " %q", r.Data)
	default:
		if r.Reason != "" {
			fmt.Fprintf(&b, " %s", r.Reason)
		}
	}
	return b.String()
}

// recordChunk is how many records a chunk of the transcript holds. Chunks
// never move once allocated, so appending never copies earlier records
// and a snapshot can share them.
const recordChunk = 4096

// record appends r to the transcript. The caller holds s.mu.
func (s *Supervisor) record(r Record) {
	s.nrecords++
	r.Seq = s.nrecords
	r.Time = s.clock.Now()
	if n := len(s.chunks); n == 0 || len(s.chunks[n-1]) == recordChunk {
		s.chunks = append(s.chunks, make([]Record, 0, recordChunk))
	}
	last := &s.chunks[len(s.chunks)-1]
	*last = append(*last, r)
	// Counters let the Wait methods check their condition without
	// scanning the whole transcript after every change.
	switch {
	case r.Kind == RecordResult:
		s.counts[countKey{RecordResult, ""}]++
		s.counts[countKey{RecordResult, r.Process}]++
	case r.Kind == RecordSent && r.EventName != "":
		s.counts[countKey{RecordSent, ""}]++
		s.counts[countKey{RecordSent, r.Pool}]++
	}
}

// countKey counts results per process and deliveries per pool ("" for
// all).
type countKey struct {
	kind RecordKind
	name string
}

// Transcript returns a snapshot of everything that happened so far.
func (s *Supervisor) Transcript() *Transcript {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// snapshotLocked shares the filled part of every chunk: records below the
// count are never written again.
func (s *Supervisor) snapshotLocked() *Transcript {
	chunks := make([][]Record, len(s.chunks))
	for i, c := range s.chunks {
		chunks[i] = c[:len(c):len(c)]
	}
	return &Transcript{chunks: chunks}
}

// Transcript is a snapshot of what the supervisor did and saw: every byte
// sent to and read from each listener, every listener and process state
// change, rebuffer, overflow, spawn and exit. Its helpers answer the usual
// questions in one call. Process arguments are namespecs ("name", or
// "group:name" when they differ); an empty one matches every process.
type Transcript struct {
	chunks [][]Record
}

// all yields every record in order.
func (t *Transcript) all() iter.Seq[*Record] {
	return func(yield func(*Record) bool) {
		for _, c := range t.chunks {
			for i := range c {
				if !yield(&c[i]) {
					return
				}
			}
		}
	}
}

// Len returns the number of records.
func (t *Transcript) Len() int {
	n := 0
	for _, c := range t.chunks {
		n += len(c)
	}
	return n
}

// Records returns every record in order.
func (t *Transcript) Records() []Record {
	out := make([]Record, 0, t.Len())
	for _, c := range t.chunks {
		out = append(out, c...)
	}
	return out
}

// Filter returns the records of the given kind concerning process.
func (t *Transcript) Filter(kind RecordKind, process string) []Record {
	var out []Record
	for r := range t.all() {
		if r.Kind == kind && (process == "" || r.Process == process) {
			out = append(out, *r)
		}
	}
	return out
}

// ListenerStates returns the sequence of listener states process went
// through: ACKNOWLEDGED at each spawn, then every state it changed to.
func (t *Transcript) ListenerStates(process string) []ListenerState {
	var out []ListenerState
	for r := range t.all() {
		if r.Process != process {
			continue
		}
		switch {
		case r.Kind == RecordSpawned && r.ToListener != 0:
			out = append(out, r.ToListener)
		case r.Kind == RecordListenerState:
			out = append(out, r.ToListener)
		}
	}
	return out
}

// WentUnknown reports whether process ever entered the UNKNOWN listener
// state (broke the protocol).
func (t *Transcript) WentUnknown(process string) bool {
	return slices.Contains(t.ListenerStates(process), ListenerUnknown)
}

// ProcessStates returns the process states process changed to, in order.
func (t *Transcript) ProcessStates(process string) []listener.State {
	var out []listener.State
	for _, r := range t.Filter(RecordProcessState, process) {
		out = append(out, r.ToState)
	}
	return out
}

// Delivery is one event written to one listener.
type Delivery struct {
	Process    string             // the listener's namespec
	Pool       string             // its pool
	Serial     int64              // the envelope's serial
	PoolSerial int64              // the envelope's poolserial
	EventName  listener.EventType // the envelope's eventname
	Payload    string             // the payload
	Envelope   []byte             // the exact bytes written
}

// Deliveries returns the events written to the listeners of pool ("" for
// all pools), in order.
func (t *Transcript) Deliveries(pool string) []Delivery {
	var out []Delivery
	for r := range t.all() {
		if r.Kind != RecordSent || r.EventName == "" || (pool != "" && r.Pool != pool) {
			continue
		}
		out = append(out, Delivery{Process: r.Process, Pool: r.Pool, Serial: r.Serial, PoolSerial: r.PoolSerial,
			EventName: r.EventName, Payload: r.Payload, Envelope: r.Data})
	}
	return out
}

// Result is one complete answer from a listener.
type Result struct {
	Process    string             // the listener's namespec
	Pool       string             // its pool
	Serial     int64              // of the event answered
	PoolSerial int64              // of the event answered
	EventName  listener.EventType // of the event answered
	Body       string             // the result body, "OK" to acknowledge
	OK         bool               // the pool accepted it as processed
}

// Results returns the results process answered ("" for all), in order.
func (t *Transcript) Results(process string) []Result {
	var out []Result
	for _, r := range t.Filter(RecordResult, process) {
		out = append(out, Result{Process: r.Process, Pool: r.Pool, Serial: r.Serial, PoolSerial: r.PoolSerial,
			EventName: r.EventName, Body: string(r.Data), OK: r.OK})
	}
	return out
}

// Serials returns the global serials of the deliveries to pool ("" for
// all), in order, duplicates and redeliveries included.
func (t *Transcript) Serials(pool string) []int64 {
	var out []int64
	for _, d := range t.Deliveries(pool) {
		out = append(out, d.Serial)
	}
	return out
}

// Overflows returns the global serials pool discarded on overflow, oldest
// first ("" for all pools).
func (t *Transcript) Overflows(pool string) []int64 {
	var out []int64
	for r := range t.all() {
		if r.Kind == RecordOverflow && (pool == "" || r.Pool == pool) {
			out = append(out, r.Serial)
		}
	}
	return out
}

// Rebuffers returns the rebuffer records of pool ("" for all pools).
func (t *Transcript) Rebuffers(pool string) []Record {
	var out []Record
	for r := range t.all() {
		if r.Kind == RecordRebuffer && (pool == "" || r.Pool == pool) {
			out = append(out, *r)
		}
	}
	return out
}

// Received returns every byte read from process's stdout, concatenated.
func (t *Transcript) Received(process string) []byte {
	var out []byte
	for _, r := range t.Filter(RecordReceived, process) {
		out = append(out, r.Data...)
	}
	return out
}

// Sent returns every byte written to process's stdin, concatenated.
func (t *Transcript) Sent(process string) []byte {
	var out []byte
	for _, r := range t.Filter(RecordSent, process) {
		out = append(out, r.Data...)
	}
	return out
}

// String renders the whole transcript, one record per line, for test
// failure messages.
func (t *Transcript) String() string {
	var b strings.Builder
	for r := range t.all() {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}
