package procfile

import (
	"bytes"
	"fmt"
)

// ParseBootTime returns when the machine booted, in seconds since the Unix
// epoch, from the btime line of the text of /proc/stat: what the start
// times of /proc/<pid>/stat, in clock ticks after boot, count from.
func ParseBootTime(b []byte) (uint64, error) { return machineCounter(b, "btime") }

// machineCounter returns the number on the line of /proc/stat that starts
// with key ("processes 123456").
func machineCounter(b []byte, key string) (uint64, error) {
	var line []byte
	for rest := b; len(rest) > 0 && line == nil; {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\n"))
		if v, ok := bytes.CutPrefix(l, []byte(key)); ok && len(v) > 0 && v[0] == ' ' {
			line = v[1:]
		}
	}
	if line == nil {
		return 0, fmt.Errorf("%w: no %s line in /proc/stat", ErrMalformed, key)
	}
	v, ok := ParseUint(line)
	if !ok {
		return 0, fmt.Errorf("%w: /proc/stat %s %q", ErrMalformed, key, line)
	}
	return v, nil
}
