package harness

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// faultKind names a protocol fault the lint finds.
type faultKind string

// The faults every run looks for.
const (
	// faultStrayOutput: bytes on stdout where supervisord expects READY
	// or nothing: a print, a log line, a banner.
	faultStrayOutput faultKind = "stray-output"
	// faultBadResult: a RESULT line supervisord cannot read, or a len
	// that does not match the body (RESULT 2\nFAIL), or a newline after
	// the body (RESULT 2\nOK\n).
	faultBadResult faultKind = "bad-result"
	// faultLenBytes: the header's len read as bytes; supervisord 4
	// counts characters.
	faultLenBytes faultKind = "len-bytes"
	// faultAckBeforeWork: OK given, then the work done: an XML-RPC call,
	// a mail or an HTTP request after the answer and before the next
	// event. A crash in between loses the work.
	faultAckBeforeWork faultKind = "ack-before-work"
	// faultExitMidEvent: the listener exited with an event in hand,
	// which supervisord then gives to the next listener.
	faultExitMidEvent faultKind = "exit-mid-event"
)

var faultKinds = []faultKind{faultStrayOutput, faultBadResult, faultLenBytes, faultAckBeforeWork, faultExitMidEvent}

func faultKindNames() []string {
	var out []string
	for _, k := range faultKinds {
		out = append(out, string(k))
	}
	return out
}

// fault is one protocol fault, in words that name it and its fix.
type fault struct {
	kind    faultKind
	process string
	at      int // the transcript record it was seen at
	msg     string
}

func (f fault) String() string { return fmt.Sprintf("%s: %s: %s", f.kind, f.process, f.msg) }

// listenerTrack is what the lint remembers of one listener as it reads
// the transcript.
type listenerTrack struct {
	pid      int                 // its current process
	sent     *testharness.Record // the event in hand, or the last one sent
	result   *testharness.Record // the result given since, if any
	busy     bool
	stopping bool
	killed   bool           // the harness killed this process after its OK (durable)
	byKill   bool           // its last event was caused by such a kill
	spared   bool           // it answered OK to a tick the harness spared it a kill for (durable)
	flagged  map[int64]bool // serials already reported as acknowledged early
}

// lint reads the transcript up to the end of the scenario, and the sinks'
// arrivals, for protocol faults.
func (s *session) lint() []fault {
	s.mu.Lock()
	end, missed := s.end, slices.Clone(s.missed)
	s.mu.Unlock()
	records := s.supervisor().Transcript().Records()
	// Which listener each pid was, for the arrivals peer.go attributed.
	spawnedAs := map[int]string{}
	for _, r := range records {
		if r.Kind == testharness.RecordSpawned && s.pools[r.Pool] {
			spawnedAs[r.PID] = r.Process
		}
	}
	var arrivals []arrival
	for _, m := range s.mail.messages() {
		m.text = "sent a mail (" + subjectOf(m.text) + ")"
		arrivals = append(arrivals, m)
	}
	for _, r := range s.web.requests() {
		line, _, _ := strings.Cut(r.text, "\n")
		r.text = "made the HTTP request " + line
		arrivals = append(arrivals, r)
	}
	sort.SliceStable(arrivals, func(i, j int) bool { return arrivals[i].at < arrivals[j].at })

	tracks := map[string]*listenerTrack{}
	track := func(p string) *listenerTrack {
		if tracks[p] == nil {
			tracks[p] = &listenerTrack{flagged: map[int64]bool{}}
		}
		return tracks[p]
	}
	var out []fault
	// early reports work done by p after it acknowledged an event; not
	// after an OK the harness killed it for (durable), since what it did
	// before dying, it did.
	early := func(p string, t *listenerTrack, at int, work string) {
		if t.busy || t.killed || t.byKill || t.spared || t.result == nil || !t.result.OK || t.flagged[t.result.Serial] {
			return
		}
		t.flagged[t.result.Serial] = true
		out = append(out, fault{faultAckBeforeWork, p, at, fmt.Sprintf(
			"answered OK to serial %d (%s), then %s: if it dies in between, that work is lost and supervisord will not send the event again; answer OK after the work (or, if it was handed off durably before the OK, declare the listener durable, which tests it)",
			t.result.Serial, t.result.EventName, work)})
	}
	kills := map[string][]killSeen{} // per durable listener
	arrived := map[string][]int{}    // where each listener's work arrived
	// arrive attributes a mail or request to the listener whose process
	// sent it; failing that, to the one handling an event, else to the
	// one that acknowledged last.
	arrive := func(a arrival) {
		if p, ok := spawnedAs[a.pid]; ok {
			t := track(p)
			if !t.byKill {
				arrived[p] = append(arrived[p], a.at)
			}
			if t.pid == a.pid {
				early(p, t, a.at, a.text)
			}
			return
		}
		var last string
		for p, t := range tracks {
			if t.busy {
				return
			}
			if t.result != nil && (last == "" || t.result.Seq > tracks[last].result.Seq) {
				last = p
			}
		}
		if last != "" {
			early(last, tracks[last], a.at, a.text)
		}
	}

	results := map[string]int{}     // per pool, as the result handler counts them
	killedPool := map[string]bool{} // pools the harness has killed a process of
	for _, r := range records {
		if r.Seq > end {
			break
		}
		for len(arrivals) > 0 && arrivals[0].at < r.Seq {
			arrive(arrivals[0])
			arrivals = arrivals[1:]
		}
		if !s.pools[r.Pool] && r.Kind != testharness.RecordRPC {
			continue
		}
		t := track(r.Process)
		switch r.Kind {
		case testharness.RecordSpawned:
			*t = listenerTrack{pid: r.PID, flagged: t.flagged}
		case testharness.RecordSent:
			if r.EventName != "" {
				rec := r
				t.sent, t.result, t.busy = &rec, nil, true
				// What a listener does about an event the harness's own
				// kill caused is not the scenario's: not held against it,
				// nor taken for the work a kill interrupted.
				g, _ := groupNamed(r.Payload)
				t.byKill = killedPool[g]
			}
		case testharness.RecordResult:
			rec := r
			t.result, t.busy = &rec, false
			n := results[r.Pool]
			results[r.Pool]++
			// A spared OK hands work off as a killed one does, untested:
			// what the process sends from then on is that work, sent
			// late on purpose, as the scenario declared.
			t.spared = t.spared || s.durable.wasSpared(r.Pool, n)
			if k, ok := s.durable.killed(r.Pool, n); ok {
				if k.err != nil {
					out = append(out, killError(r.Process, r.Seq, r.Serial, k.err))
					break
				}
				t.killed = true
				killedPool[r.Pool] = true
				kills[r.Process] = append(kills[r.Process], killSeen{process: r.Process, at: r.Seq, serial: r.Serial, event: string(r.EventName)})
			}
		case testharness.RecordProcessState:
			t.stopping = r.ToState == listener.StateStopping
		case testharness.RecordRPC:
			if r.Process != "" && s.pools[groupOf(r.Process)] && r.Reason == "" {
				early(r.Process, track(r.Process), r.Seq, "called "+testharness.RPCCall{Method: r.Method, Params: r.Params}.String())
			}
		case testharness.RecordDispatcherClosed:
			out = append(out, fault{faultBadResult, r.Process, r.Seq,
				"its RESULT line gave a negative length, and supervisord stopped reading it: write RESULT <n>\\n with n the body's length in bytes"})
		case testharness.RecordExited:
			if t.probed() && !t.busy && !t.killed {
				out = append(out, t.lenBytes(r.Process, r.Seq, "exited"))
			}
		case testharness.RecordRebuffer:
			if r.Reason == "exited" && !t.stopping && !t.killed {
				out = append(out, fault{faultExitMidEvent, r.Process, r.Seq, fmt.Sprintf(
					"exited while handling serial %d (%s): supervisord gives it to the next listener; finish the event, or answer FAIL, before exiting",
					r.Serial, r.EventName)})
			}
		case testharness.RecordListenerState:
			if r.ToListener == testharness.ListenerUnknown {
				out = append(out, t.unknown(r))
			}
		}
	}
	for _, a := range arrivals {
		arrive(a)
	}
	out = append(out, lostWork(missed, kills, arrived)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// groupOf returns the group of a namespec ("group:name" or "name").
func groupOf(namespec string) string {
	g, _, ok := strings.Cut(namespec, ":")
	if !ok {
		return namespec
	}
	return g
}

// probed reports whether the listener's last event was the probe and it
// has answered it.
func (t *listenerTrack) probed() bool {
	return t.sent != nil && t.result != nil && strings.Contains(t.sent.Payload, probeText)
}

func (t *listenerTrack) lenBytes(p string, at int, did string) fault {
	return fault{faultLenBytes, p, at, fmt.Sprintf(
		"after answering the probe (serial %d, len:%d, which counts characters; the payload is %d bytes) it %s before it was sent anything: it read len as bytes and took the rest of the payload for the next header; read len characters (Python: sys.stdin in text mode; Node: decode UTF-8 first)",
		t.sent.Serial, len([]rune(t.sent.Payload)), len(t.sent.Payload), did)}
}

// unknown explains a change to UNKNOWN.
func (t *listenerTrack) unknown(r testharness.Record) fault {
	p, data := r.Process, string(r.Data)
	switch r.Reason {
	case "bad result line":
		if !strings.HasPrefix(data, "RESULT") {
			return fault{faultStrayOutput, p, r.Seq, fmt.Sprintf(
				"wrote %q on stdout where its RESULT line must come: stdout belongs to the protocol while it runs; write logs to stderr", data)}
		}
		return fault{faultBadResult, p, r.Seq, fmt.Sprintf(
			"wrote the result line %q, whose length is not a number: write RESULT <n>\\n with n the body's length in bytes, then the body", data)}
	case "output while READY":
		if t.probed() {
			return t.lenBytes(p, r.Seq, fmt.Sprintf("wrote %q", data))
		}
		return fault{faultStrayOutput, p, r.Seq, fmt.Sprintf(
			"wrote %q on stdout between events: stdout belongs to the protocol while it runs; write logs to stderr", data)}
	case "output before READY":
		if t.result != nil {
			body := string(t.result.Data)
			for _, word := range []string{"FAIL", "OK"} {
				if len(body) < len(word) && strings.HasPrefix(word, body) && strings.HasPrefix(body+data, word) {
					return fault{faultBadResult, p, r.Seq, fmt.Sprintf(
						"framed its answer as RESULT %d with the body %q: supervisord read %q as the body and %q as garbage; len is the body's length in bytes (RESULT %d\\n%s)",
						len(body), word, body, data, len(word), word)}
				}
			}
			if strings.HasPrefix(data, "\n") {
				return fault{faultBadResult, p, r.Seq, fmt.Sprintf(
					"wrote a newline after the result body %q: the body is exactly len bytes, so supervisord read %q where READY\\n must come; write RESULT %d\\n%s then READY\\n",
					body, data, len(body), body)}
			}
		}
		return fault{faultStrayOutput, p, r.Seq, fmt.Sprintf(
			"wrote %q on stdout where supervisord expects READY\\n: stdout belongs to the protocol while it runs; write logs to stderr", data)}
	}
	return fault{faultBadResult, p, r.Seq, fmt.Sprintf("went UNKNOWN (%s: %q)", r.Reason, data)}
}

// subjectOf returns a message's Subject header, for the lint's words.
func subjectOf(msg string) string {
	for line := range strings.SplitSeq(msg, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Subject:"); ok {
			return "Subject:" + v
		}
	}
	return "no Subject"
}
