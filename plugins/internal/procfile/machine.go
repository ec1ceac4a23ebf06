package procfile

import (
	"bytes"
	"fmt"
	"strings"
)

// ParseBootTime returns when the machine booted, in seconds since the Unix
// epoch, from the btime line of the text of /proc/stat: what the start
// times of /proc/<pid>/stat, in clock ticks after boot, count from.
func ParseBootTime(b []byte) (uint64, error) { return machineCounter(b, "btime") }

// machineCounter returns the number on the line of /proc/stat that starts
// with key ("processes 123456").
func machineCounter(b []byte, key string) (uint64, error) {
	v, err := keyedNumber(b, key+" ")
	if err != nil {
		return 0, fmt.Errorf("/proc/stat: %w", err)
	}
	return v, nil
}

// keyedNumber returns the number on the first line of b that starts with
// prefix, the key and its separator ("btime ", "Tgid:\t").
func keyedNumber(b []byte, prefix string) (uint64, error) {
	var line []byte
	for rest := b; len(rest) > 0 && line == nil; {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\n"))
		if v, ok := bytes.CutPrefix(l, []byte(prefix)); ok {
			line = v
		}
	}
	key := strings.TrimRight(prefix, " :\t")
	if line == nil {
		return 0, fmt.Errorf("%w: no %s line", ErrMalformed, key)
	}
	v, ok := ParseUint(line)
	if !ok {
		return 0, fmt.Errorf("%w: %s %q", ErrMalformed, key, line)
	}
	return v, nil
}
