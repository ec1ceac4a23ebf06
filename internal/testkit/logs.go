package testkit

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// stamp is the start of every golance log line: supervisord's time stamp
// and level, "2026-12-02 07:12:22,123 INFO ".
var stamp = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (BLAT|TRAC|DEBG|INFO|WARN|ERRO|CRIT) `)

// Messages returns a log with the time stamp and level of each line cut
// off, so that a test can compare what a plugin said exactly.
func Messages(log string) string { return stamp.ReplaceAllString(log, "") }

// Levels returns a log with each line's time stamp cut off and its level
// kept: "WARN cannot reach supervisord".
func Levels(log string) string {
	return stamp.ReplaceAllStringFunc(log, func(s string) string {
		return s[strings.LastIndexByte(strings.TrimSuffix(s, " "), ' ')+1:]
	})
}

// logTime is the layout of supervisord's time stamps.
const logTime = "2006-01-02 15:04:05,000"

// AnswerTimes returns how long listener took over each event, read from
// supervisord's debug log: from "event N sent to listener L" to "L: BUSY
// -> ACKNOWLEDGED".
func AnswerTimes(log, listener string) []time.Duration {
	sent := regexp.MustCompile(`^(\S+ \S+) DEBG event \d+ sent to listener ` + regexp.QuoteMeta(listener) + `$`)
	acked := regexp.MustCompile(`^(\S+ \S+) DEBG ` + regexp.QuoteMeta(listener) + `: BUSY -> ACKNOWLEDGED$`)
	var out []time.Duration
	var since time.Time
	for line := range strings.SplitSeq(log, "\n") {
		if m := sent.FindStringSubmatch(line); m != nil {
			since, _ = time.ParseInLocation(logTime, m[1], time.Local)
		} else if m := acked.FindStringSubmatch(line); m != nil && !since.IsZero() {
			at, _ := time.ParseInLocation(logTime, m[1], time.Local)
			out = append(out, at.Sub(since))
			since = time.Time{}
		}
	}
	return out
}

// CallsPerAnswer returns the XML-RPC methods supervisord's trace-level log
// shows called up to each answer of listener: the first share from the
// first event sent to it until it acknowledged that event, each later one
// since the answer before. A call the listener makes in the background
// after an answer falls into the next share; calls by anyone else
// (supervisorctl, a test's client) count too, since the log does not name
// the caller.
func CallsPerAnswer(log, listener string) [][]string {
	sent := regexp.MustCompile(`^\S+ \S+ DEBG event \d+ sent to listener ` + regexp.QuoteMeta(listener) + `$`)
	acked := regexp.MustCompile(`^\S+ \S+ DEBG ` + regexp.QuoteMeta(listener) + `: BUSY -> ACKNOWLEDGED$`)
	called := regexp.MustCompile(`^\S+ \S+ TRAC XML-RPC method called: (\S+)\(\)$`)
	var out [][]string
	started := false
	share := []string{}
	for line := range strings.SplitSeq(log, "\n") {
		switch {
		case !started:
			started = sent.MatchString(line)
		case acked.MatchString(line):
			out = append(out, share)
			share = []string{}
		default:
			if m := called.FindStringSubmatch(line); m != nil {
				share = append(share, m[1])
			}
		}
	}
	return out
}

// QuietTicks fails t unless, by supervisord's trace-level log, listener
// (on the shared process table) read every process up to its first answer
// (getPID, getAllProcessInfo) and then called nothing up to its answer to
// the third event, over ticks where nothing started or stopped.
func QuietTicks(t testing.TB, log, listener string) {
	t.Helper()
	calls := CallsPerAnswer(log, listener)
	if len(calls) < 3 {
		t.Fatalf("%s answered %d events, want 3", listener, len(calls))
	}
	if got := strings.Join(calls[0], " "); got != "supervisor.getPID supervisor.getAllProcessInfo" {
		t.Errorf("%s's first tick called %s", listener, got)
	}
	if later := slices.Concat(calls[1:3]...); len(later) != 0 {
		t.Errorf("%s's ticks 2 and 3 called %v", listener, later)
	}
}
