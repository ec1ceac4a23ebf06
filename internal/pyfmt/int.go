package pyfmt

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Atoi parses s as CPython's int(s) does for a str in base 10, which is
// how supervisord reads every number in its configuration: white space
// around it (Unicode's, as str.isspace has it, except U+001C to U+001F),
// one sign, digits of any script (Unicode category Nd), and single
// underscores between digits. The error is Python's ValueError, which
// unwraps to strconv.ErrSyntax. Python's int has no limit; a value beyond
// int64 returns the nearest int64 and an OverflowError unwrapping to
// strconv.ErrRange.
func Atoi(s string) (int64, error) { return ParseInt(s, 10) }

// ParseInt is int(s, base) for a base from 2 to 36: as Atoi, with the
// letters a to z (either case) as the digits from 10, and for bases 2, 8
// and 16 an optional 0b, 0o or 0x after the sign, as Python allows.
func ParseInt(s string, base int) (int64, error) {
	ascii := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch d, isDigit := decimal(r); {
		case r < utf8.RuneSelf:
			ascii = append(ascii, byte(r))
		case isDigit:
			ascii = append(ascii, byte('0'+d))
		case IsSpace(r):
			ascii = append(ascii, ' ')
		default:
			ascii = append(ascii, 0) // never valid
		}
	}
	n, ok, overflow := parseInt(ascii, base)
	if !ok {
		return 0, &Error{Type: "ValueError", Msg: "invalid literal for int() with base " + strconv.Itoa(base) + ": " + truncate(Repr(s), 200), Err: strconv.ErrSyntax}
	}
	if overflow {
		return n, overflowError()
	}
	return n, nil
}

// AtoiBytes parses b as CPython's int(b) does for bytes in base 10, which
// is how supervisord reads the length on a listener's RESULT line: as Atoi,
// but only ASCII digits, and only ASCII white space (space, \t, \n, \v,
// \f and \r).
func AtoiBytes(b []byte) (int64, error) {
	n, ok, overflow := parseInt(b, 10)
	if !ok {
		return 0, &Error{Type: "ValueError", Msg: "invalid literal for int() with base 10: " + truncate(ReprBytes(b), 200), Err: strconv.ErrSyntax}
	}
	if overflow {
		return n, overflowError()
	}
	return n, nil
}

func overflowError() error {
	return &Error{Type: "OverflowError", Msg: "Python int too large to convert to C long", Err: strconv.ErrRange}
}

// parseInt reads an optional sign, a base prefix where Python allows one,
// and digits with single underscores between them (and after a prefix),
// surrounded by ASCII white space. Beyond the int64 range it saturates
// and reports the overflow.
func parseInt(b []byte, base int) (n int64, ok, overflow bool) {
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	prefixed := false
	if len(b) >= 2 && b[0] == '0' {
		switch p := b[1] | 0x20; {
		case p == 'b' && base == 2, p == 'o' && base == 8, p == 'x' && base == 16:
			b, prefixed = b[2:], true
		}
	}
	if len(b) == 0 {
		return 0, false, false
	}
	var v uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for i, c := range b {
		d := digitValue(c)
		switch {
		case d < base:
			if !overflow && v <= (limit-uint64(d))/uint64(base) {
				v = v*uint64(base) + uint64(d)
			} else {
				overflow = true
			}
		case c == '_' && (i > 0 || prefixed) && (i == 0 || b[i-1] != '_') && i+1 < len(b):
			// Between two digits, or after a prefix: the one before was
			// checked, the one after is checked next.
		default:
			return 0, false, false
		}
	}
	switch {
	case overflow && neg:
		return math.MinInt64, true, true
	case overflow:
		return math.MaxInt64, true, true
	case neg:
		return -int64(v), true, false
	}
	return int64(v), true, false
}

// digitValue is the value of an ASCII digit or letter, 99 for anything
// else.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return 99
}

// truncate cuts s to n code points, as Python's %.200R does in messages.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
