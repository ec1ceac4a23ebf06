package testkit

import (
	"regexp"
	"strings"
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
