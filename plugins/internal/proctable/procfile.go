package proctable

import (
	"bytes"
	"errors"
	"fmt"
)

// errBadProcFile is wrapped by the error for a /proc file whose text does
// not have the layout proc(5) documents.
var errBadProcFile = errors.New("malformed /proc file")

// procStat is what the table reads from /proc/<pid>/stat.
type procStat struct {
	state byte // R, S, Z...
	ppid  int
	// start is the start time in clock ticks after boot: with the pid, it
	// names one process, since a reused pid comes with a later start.
	start uint64
	// reaped sums the counters the kernel adds a child's to when its
	// parent reaps it (cminflt, cmajflt, cutime, cstime): they change with
	// every child supervisord waits for, and with nothing else.
	reaped uint64
}

// Fields of /proc/<pid>/stat counted from the state field, the first
// after the parenthesised command name; proc(5) numbers them from 1, so
// these are its numbers minus 3.
const (
	statState   = 0
	statPPID    = 1
	statCMinFlt = 8
	statCMajFlt = 10
	statCUTime  = 13
	statCSTime  = 14
	statStart   = 19
)

// parseStat reads the fields the table needs from the text of
// /proc/<pid>/stat, without allocating. procfs's ProcStat parses all 52
// fields with fmt.Fscan, which costs more than the read itself.
func parseStat(b []byte) (procStat, error) {
	// The command name may hold spaces and parentheses: the fields start
	// after the last ')'.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 || end+2 >= len(b) {
		return procStat{}, fmt.Errorf("%w: no command name in %q", errBadProcFile, truncate(b))
	}
	rest := b[end+2:]
	var st procStat
	for i := 0; i <= statStart; i++ {
		field := rest
		if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
			field, rest = rest[:sp], rest[sp+1:]
		} else if i < statStart {
			return procStat{}, fmt.Errorf("%w: %d fields in %q", errBadProcFile, i+1, truncate(b))
		}
		if i == statState {
			if len(field) != 1 {
				return procStat{}, fmt.Errorf("%w: state %q", errBadProcFile, field)
			}
			st.state = field[0]
			continue
		}
		switch i {
		case statPPID, statCMinFlt, statCMajFlt, statCUTime, statCSTime, statStart:
		default:
			continue
		}
		v, ok := parseUint(field)
		if !ok {
			return procStat{}, fmt.Errorf("%w: field %d is %q", errBadProcFile, i+3, field)
		}
		switch i {
		case statPPID:
			st.ppid = int(v)
		case statStart:
			st.start = v
		default:
			st.reaped += v
		}
	}
	return st, nil
}

// parseLoadavg returns the last field of /proc/loadavg, the last pid
// allocated in the reader's pid namespace, and the number of threads on
// the machine, from the "running/total" field before it:
//
//	0.20 0.18 0.12 1/80 11206
func parseLoadavg(b []byte) (lastPID, threads int, err error) {
	f := bytes.Fields(b)
	if len(f) != 5 {
		return 0, 0, fmt.Errorf("%w: /proc/loadavg is %q", errBadProcFile, truncate(b))
	}
	_, total, _ := bytes.Cut(f[3], []byte("/"))
	t, ok1 := parseUint(total)
	p, ok2 := parseUint(f[4])
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("%w: /proc/loadavg is %q", errBadProcFile, truncate(b))
	}
	return int(p), int(t), nil
}

// parseForks returns the "processes" line of /proc/stat: how many tasks
// (processes and threads) the machine has created since it booted.
func parseForks(b []byte) (uint64, error) {
	const key = "\nprocesses "
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, fmt.Errorf("%w: no processes line in /proc/stat", errBadProcFile)
	}
	line := b[i+len(key):]
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	v, ok := parseUint(line)
	if !ok {
		return 0, fmt.Errorf("%w: /proc/stat processes %q", errBadProcFile, line)
	}
	return v, nil
}

// parsePIDs appends the pids of a space-separated list, as
// /proc/<pid>/task/<tid>/children holds them ("12 34 "), to dst.
func parsePIDs(dst []int, b []byte) ([]int, error) {
	for _, f := range bytes.Fields(b) {
		v, ok := parseUint(f)
		if !ok || v == 0 {
			return dst, fmt.Errorf("%w: pid %q in a children list", errBadProcFile, f)
		}
		dst = append(dst, int(v))
	}
	return dst, nil
}

// appendDirentPIDs appends the numeric names among the linux_dirent64
// records in b: d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1), then
// the NUL-terminated name.
func appendDirentPIDs(dst []int, b []byte) []int {
	const nameOff = 19
	for len(b) >= nameOff {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < nameOff || reclen > len(b) {
			return dst
		}
		pid, ok := 0, true
		name := b[nameOff:reclen]
		for i, c := range name {
			if c == 0 {
				ok = ok && i > 0
				break
			}
			if c < '0' || c > '9' {
				ok = false
				break
			}
			pid = pid*10 + int(c-'0')
		}
		if ok && pid > 0 {
			dst = append(dst, pid)
		}
		b = b[reclen:]
	}
	return dst
}

// parseUint parses a decimal number without allocating; a trailing
// newline is allowed.
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
