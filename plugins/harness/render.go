package harness

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/golance/golance/testharness"
)

// render writes the transcript of a scenario for a person: the
// scenario's steps, what went to and came from each listener, the state
// changes, the calls, the mail and the requests, in the order they
// happened, each with the virtual time since the start.
func (s *session) render() string {
	sv := s.supervisor()
	if sv == nil {
		return ""
	}
	type line struct {
		at   int
		text string
	}
	var lines []line
	s.mu.Lock()
	for _, st := range s.steps {
		lines = append(lines, line{st.at, "> " + st.text})
	}
	s.mu.Unlock()
	records := sv.Transcript().Records()
	spawnedAs := map[int]string{}
	for _, r := range records {
		if r.Kind == testharness.RecordSpawned {
			spawnedAs[r.PID] = r.Process
		}
	}
	from := func(a arrival) string {
		if p, ok := spawnedAs[a.pid]; ok {
			return fmt.Sprintf("from %s (pid %d) ", p, a.pid)
		}
		return ""
	}
	for _, m := range s.mail.messages() {
		lines = append(lines, line{m.at, "  mail      " + from(m) + oneLine(m.text, 160)})
	}
	for _, r := range s.web.requests() {
		lines = append(lines, line{r.at, "  http      " + from(r) + oneLine(r.text, 160)})
	}
	var start time.Time
	results := map[string]int{}
	for _, r := range records {
		if start.IsZero() {
			start = r.Time
		}
		if text := renderRecord(r); text != "" {
			lines = append(lines, line{r.Seq - 1, fmt.Sprintf("  %7.3fs  %s", r.Time.Sub(start).Seconds(), text)})
		}
		if r.Kind == testharness.RecordResult {
			n := results[r.Pool]
			results[r.Pool]++
			if k, ok := s.durable.killed(r.Pool, n); ok && k.err == nil {
				lines = append(lines, line{r.Seq - 1, fmt.Sprintf("  %7.3fs  %s (pid %d) killed with SIGKILL, its process group with it: declared durable", r.Time.Sub(start).Seconds(), r.Process, k.pid)})
			}
		}
	}
	// Steps and arrivals sit after the record they followed; records
	// keep their order.
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at < lines[j].at })
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// renderRecord is one record in a person's words, or "" for one that
// says nothing new.
func renderRecord(r testharness.Record) string {
	switch r.Kind {
	case testharness.RecordNotified:
		if r.Serial < 0 {
			return ""
		}
		return fmt.Sprintf("event     %s serial %d", r.EventName, r.Serial)
	case testharness.RecordSent:
		if r.EventName == "" {
			return fmt.Sprintf("%s <- stdin %q", r.Process, r.Data)
		}
		return fmt.Sprintf("%s <- %s serial %d poolserial %d %s", r.Process, r.EventName, r.Serial, r.PoolSerial, oneLine(r.Payload, 120))
	case testharness.RecordReceived:
		return fmt.Sprintf("%s -> %q", r.Process, r.Data)
	case testharness.RecordResult:
		verdict := "processed"
		if !r.OK {
			verdict = "rejected, to be sent again"
		}
		return fmt.Sprintf("%s answered %q to serial %d: %s", r.Process, r.Data, r.Serial, verdict)
	case testharness.RecordListenerState:
		text := fmt.Sprintf("%s is %s (was %s)", r.Process, r.ToListener, r.FromListener)
		if r.Reason != "" {
			text += fmt.Sprintf(": %s %q", r.Reason, r.Data)
		}
		return text
	case testharness.RecordProcessState:
		return fmt.Sprintf("%s is %s (was %s)", r.Process, r.ToState, r.FromState)
	case testharness.RecordSpawned:
		if r.PID >= 5_000_000 {
			return "" // a virtual program: its state change says it
		}
		return fmt.Sprintf("%s spawned, pid %d", r.Process, r.PID)
	case testharness.RecordExited:
		return fmt.Sprintf("%s %s", r.Process, r.Reason)
	case testharness.RecordBadResultLine:
		return "" // the change to UNKNOWN that follows says it
	case testharness.RecordRebuffer:
		return fmt.Sprintf("%s gave back serial %d (%s): it goes back to pool %s's buffer", r.Process, r.Serial, r.Reason, r.Pool)
	case testharness.RecordOverflow:
		return fmt.Sprintf("pool %s's buffer overflowed: serial %d (%s) discarded", r.Pool, r.Serial, r.EventName)
	case testharness.RecordRPC:
		if r.Process == "" {
			return ""
		}
		return fmt.Sprintf("%s called %s", r.Process, testharness.RPCCall{Method: r.Method, Params: r.Params})
	}
	return r.String()
}

// oneLine quotes text on one line, cut to max bytes.
func oneLine(text string, max int) string {
	q := fmt.Sprintf("%q", text)
	if len(q) > max {
		q = q[:max] + "…"
	}
	return q
}

// stderrs is what each listener wrote on stderr, for a failure's report.
func (s *session) stderrs() string {
	sv := s.supervisor()
	if sv == nil {
		return ""
	}
	var b strings.Builder
	for _, name := range s.listeners() {
		if text := sv.Process(name).Stderr(); text != "" {
			fmt.Fprintf(&b, "stderr of %s:%s\n", name, indent(text))
		}
	}
	return b.String()
}
