package testharness

import "math"

// parsePythonInt parses b the way CPython's int(b) does for a bytes object
// in base 10, which is how supervisord reads the length on a listener's
// RESULT line: surrounding ASCII whitespace (including \r, \v and \f) is
// ignored, one leading sign is allowed, and single underscores may separate
// digits. Values beyond the int64 range saturate; supervisord would wait
// forever for a body that long, and so does the harness.
func parsePythonInt(b []byte) (n int64, ok bool) {
	b = trimPythonSpace(b)
	if len(b) == 0 {
		return 0, false
	}
	neg := false
	switch b[0] {
	case '+':
		b = b[1:]
	case '-':
		neg = true
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	saturated := false
	prevDigit := false
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if !saturated {
				d := uint64(c - '0')
				if v > (math.MaxInt64-d)/10 {
					saturated = true
				} else {
					v = v*10 + d
				}
			}
			prevDigit = true
		case c == '_':
			// An underscore must sit between two digits.
			if !prevDigit || i+1 == len(b) || b[i+1] < '0' || b[i+1] > '9' {
				return 0, false
			}
			prevDigit = false
		default:
			return 0, false
		}
	}
	if saturated {
		if neg {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// trimPythonSpace strips the bytes CPython treats as whitespace when it
// converts bytes to int: space, \t, \n, \v, \f and \r.
func trimPythonSpace(b []byte) []byte {
	isSpace := func(c byte) bool {
		return c == ' ' || (c >= '\t' && c <= '\r')
	}
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
