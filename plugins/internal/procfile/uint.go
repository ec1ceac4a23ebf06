package procfile

import (
	"bytes"
	"errors"
)

// ErrMalformed is wrapped by the error for a /proc file whose text does
// not have the layout proc(5) documents.
var ErrMalformed = errors.New("malformed /proc file")

// ParseUint parses a decimal number without allocating; a trailing newline
// is allowed.
func ParseUint(b []byte) (uint64, bool) {
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

// Excerpt returns the start of a file's text, for an error message.
func Excerpt(b []byte) string {
	const max = 80
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
