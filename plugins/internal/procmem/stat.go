package procmem

import (
	"bytes"
	"errors"
	"fmt"
)

// errBadStat is wrapped by the error for a /proc/<pid>/stat line that does
// not have the documented layout.
var errBadStat = errors.New("malformed /proc/<pid>/stat")

// errBadStatm is wrapped by the error for a /proc/<pid>/statm line that
// does not have the documented layout.
var errBadStatm = errors.New("malformed /proc/<pid>/statm")

// statFields is what a Snapshot needs from /proc/<pid>/stat.
type statFields struct {
	ppid     int
	rssPages uint64
}

// Field positions in /proc/<pid>/stat counted from the state field, the
// first after the parenthesised command name (proc_pid_stat(5) numbers them
// 3, 4 and 24).
const (
	statPPID = 1
	statRSS  = 21
)

// parseStat extracts the parent pid and the resident page count from the
// text of /proc/<pid>/stat.
//
// procfs's ProcStat parses all 52 fields with fmt.Fscan, about 12µs per
// process here; a cumulative tick reads every process on the machine, so
// that alone would spend the 5ms a tick over 200 supervised processes is
// allowed. Two integers are all a tick needs.
func parseStat(b []byte) (statFields, error) {
	// The command name is in parentheses and may itself hold spaces and
	// parentheses; the fields start after the last ')'.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 || end+2 > len(b) {
		return statFields{}, fmt.Errorf("%w: no command name in %q", errBadStat, truncate(b))
	}
	rest := b[end+2:]
	var f statFields
	for i := 0; i <= statRSS; i++ {
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			sp = len(rest)
		}
		field := rest[:sp]
		switch i {
		case statPPID:
			v, ok := parseUint(field)
			if !ok {
				return statFields{}, fmt.Errorf("%w: parent pid %q", errBadStat, field)
			}
			f.ppid = int(v)
		case statRSS:
			v, ok := parseUint(field)
			if !ok {
				return statFields{}, fmt.Errorf("%w: rss %q", errBadStat, field)
			}
			f.rssPages = v
			return f, nil
		}
		if sp == len(rest) {
			break
		}
		rest = rest[sp+1:]
	}
	return statFields{}, fmt.Errorf("%w: too few fields in %q", errBadStat, truncate(b))
}

// parseStatm extracts the resident page count, the second field, from the
// text of /proc/<pid>/statm.
func parseStatm(b []byte) (uint64, error) {
	_, rest, ok := bytes.Cut(b, []byte(" "))
	if ok {
		rest, _, _ = bytes.Cut(rest, []byte(" "))
		if v, ok := parseUint(rest); ok {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: %q", errBadStatm, truncate(b))
}

// parseUint parses a decimal number without allocating; a trailing newline
// is allowed.
func parseUint(b []byte) (uint64, bool) {
	b = bytes.TrimSuffix(b, []byte("\n"))
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

func truncate(b []byte) string {
	const max = 80
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
