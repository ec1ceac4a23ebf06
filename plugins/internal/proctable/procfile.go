package proctable

import (
	"bytes"
	"fmt"

	"github.com/golance/golance/plugins/internal/procfile"
)

// parseLoadavg returns the last field of /proc/loadavg, the last pid
// allocated in the reader's pid namespace, and the number of threads on
// the machine, from the "running/total" field before it:
//
//	0.20 0.18 0.12 1/80 11206
func parseLoadavg(b []byte) (lastPID, threads int, err error) {
	f := bytes.Fields(b)
	if len(f) != 5 {
		return 0, 0, fmt.Errorf("%w: /proc/loadavg is %q", procfile.ErrMalformed, procfile.Excerpt(b))
	}
	_, total, _ := bytes.Cut(f[3], []byte("/"))
	t, ok1 := procfile.ParseUint(total)
	p, ok2 := procfile.ParseUint(f[4])
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("%w: /proc/loadavg is %q", procfile.ErrMalformed, procfile.Excerpt(b))
	}
	return int(p), int(t), nil
}

// parseForks returns the "processes" line of /proc/stat: how many tasks
// (processes and threads) the machine has created since it booted.
func parseForks(b []byte) (uint64, error) {
	const key = "\nprocesses "
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, fmt.Errorf("%w: no processes line in /proc/stat", procfile.ErrMalformed)
	}
	line := b[i+len(key):]
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	v, ok := procfile.ParseUint(line)
	if !ok {
		return 0, fmt.Errorf("%w: /proc/stat processes %q", procfile.ErrMalformed, line)
	}
	return v, nil
}
