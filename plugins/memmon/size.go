package memmon

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// errBadValue is matched (errors.Is) by the errors for a flag value memmon
// cannot read.
var errBadValue = errors.New("bad value")

// valueError is a flag value memmon cannot read. Its text is the whole
// explanation: pflag already says which flag and value it is about.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

// Is makes errors.Is(err, errBadValue) hold.
func (e *valueError) Is(target error) bool { return target == errBadValue }

func badValue(format string, args ...any) error {
	return &valueError{msg: fmt.Sprintf(format, args...)}
}

var sizeSuffixes = []struct {
	suffix string
	mult   uint64
}{
	// Two-letter suffixes first, so that "kb" is not read as "k".
	{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
}

// parseSize reads a memory size as memmon's -p, -g and -a take it: a number
// of bytes ("1048576"), or a number followed by KB, MB or GB (or K, M, G, in
// any case) meaning KiB, MiB and GiB as in superlance ("200MB", "1.5GB").
// Spaces around the number are allowed ("1 MB"), as supervisord's
// byte_size allows them.
func parseSize(s string) (uint64, error) {
	bad := func(why string) error {
		return badValue("size %q %s: write bytes (1048576) or a number with KB, MB or GB (200MB, 1.5GB; K, M, G also work)", s, why)
	}
	text := strings.ToLower(strings.TrimSpace(s))
	mult := uint64(1)
	for _, sfx := range sizeSuffixes {
		if strings.HasSuffix(text, sfx.suffix) {
			text, mult = strings.TrimSpace(strings.TrimSuffix(text, sfx.suffix)), sfx.mult
			break
		}
	}
	if text == "" || strings.Trim(text, "0123456789.") != "" || strings.Count(text, ".") > 1 ||
		strings.HasPrefix(text, ".") || strings.HasSuffix(text, ".") {
		return 0, bad("is not a number of bytes")
	}
	if !strings.Contains(text, ".") {
		n, err := strconv.ParseUint(text, 10, 64)
		if err != nil || (n != 0 && n > math.MaxInt64/mult) {
			return 0, bad("is too large")
		}
		return n * mult, nil
	}
	if mult == 1 {
		return 0, bad("has a fraction of a byte")
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f*float64(mult) >= math.MaxInt64 {
		return 0, bad("is too large")
	}
	return uint64(f * float64(mult)), nil
}

var secondsSuffixes = map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}

// parseSeconds reads a time span as memmon's -u takes it: whole seconds
// ("3600"), or a whole number followed by s, m, h or d ("90m", "1d"), as
// supervisord's SECS values.
func parseSeconds(s string) (time.Duration, error) {
	text := strings.ToLower(strings.TrimSpace(s))
	unit := time.Second
	if n := len(text); n > 0 {
		if u, ok := secondsSuffixes[text[n-1]]; ok {
			text, unit = strings.TrimSpace(text[:n-1]), u
		}
	}
	n, err := strconv.ParseUint(text, 10, 63)
	if err != nil || n > uint64(math.MaxInt64/unit) {
		return 0, badValue("time %q is not whole seconds: write 3600, or a whole number with s, m, h or d (90m, 12h, 1d)", s)
	}
	return time.Duration(n) * unit, nil
}

// formatSeconds writes d back in parseSeconds' form, in the largest unit that
// divides it.
func formatSeconds(d time.Duration) string {
	for _, u := range []struct {
		d      time.Duration
		suffix string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10)
}
