package procfile

import (
	"bytes"
	"fmt"
)

// Stat is what the plugins read from /proc/<pid>/stat.
type Stat struct {
	// State is the process's state: R, S, D, Z...
	State byte
	// PPID is the parent's pid, 0 for the kernel's own threads.
	PPID int
	// Reaped sums the counters the kernel adds a child's to when the
	// process reaps it (cminflt, cmajflt, cutime, cstime): they change with
	// every child it waits for, and with nothing else.
	Reaped uint64
	// Start is the start time in clock ticks after boot: with the pid, it
	// names one process, since a reused pid comes with a later start.
	Start uint64
	// RSSPages is the resident set, in pages.
	RSSPages uint64
	// UTime and STime are the CPU time the process has spent in user and
	// in kernel mode, in clock ticks (USER_HZ), not counting its children.
	UTime, STime uint64
}

// Fields of /proc/<pid>/stat counted from the state field, the first
// after the parenthesised command name; proc(5) numbers them from 1, so
// these are its numbers minus 3.
const (
	statState   = 0
	statPPID    = 1
	statCMinFlt = 8
	statCMajFlt = 10
	statUTime   = 11
	statSTime   = 12
	statCUTime  = 13
	statCSTime  = 14
	statStart   = 19
	statRSS     = 21
)

// ParseStat reads the fields of Stat from the text of /proc/<pid>/stat,
// without allocating.
func ParseStat(b []byte) (Stat, error) {
	// The command name may hold spaces and parentheses: the fields start
	// after the last ')'.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 || end+2 >= len(b) {
		return Stat{}, fmt.Errorf("%w: no command name in stat %q", ErrMalformed, Excerpt(b))
	}
	rest := b[end+2:]
	var st Stat
	for i := 0; i <= statRSS; i++ {
		field := rest
		if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
			field, rest = rest[:sp], rest[sp+1:]
		} else if i < statRSS {
			return Stat{}, fmt.Errorf("%w: %d fields in stat %q", ErrMalformed, i+3, Excerpt(b))
		}
		switch i {
		case statState:
			if len(field) != 1 {
				return Stat{}, fmt.Errorf("%w: state %q in stat", ErrMalformed, field)
			}
			st.State = field[0]
			continue
		case statPPID, statCMinFlt, statCMajFlt, statUTime, statSTime, statCUTime, statCSTime, statStart, statRSS:
		default:
			continue
		}
		v, ok := ParseUint(field)
		if !ok {
			return Stat{}, fmt.Errorf("%w: field %d of stat is %q", ErrMalformed, i+3, field)
		}
		switch i {
		case statPPID:
			st.PPID = int(v)
		case statStart:
			st.Start = v
		case statRSS:
			st.RSSPages = v
		case statUTime:
			st.UTime = v
		case statSTime:
			st.STime = v
		default:
			st.Reaped += v
		}
	}
	return st, nil
}

// ParseStatm returns the resident page count, the second field, from the
// text of /proc/<pid>/statm.
func ParseStatm(b []byte) (uint64, error) {
	_, rest, ok := bytes.Cut(b, []byte(" "))
	if ok {
		rest, _, _ = bytes.Cut(rest, []byte(" "))
		if v, ok := ParseUint(rest); ok {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: statm %q", ErrMalformed, Excerpt(b))
}
