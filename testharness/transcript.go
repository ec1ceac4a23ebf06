package testharness

import (
	"iter"
	"slices"
	"strings"

	"github.com/golance/golance/listener"
)

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
