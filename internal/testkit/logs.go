package testkit

import (
	"regexp"
	"strings"
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
