package pyfmt

import (
	"strings"
	"unicode/utf8"
)

// IsSpace reports whether CPython's str.isspace is true for r. Unlike
// unicode.IsSpace it includes the separators U+001C to U+001F, which
// Python counts as line breaks.
func IsSpace(r rune) bool {
	switch {
	case r == ' ' || r >= '\t' && r <= '\r' || r >= 0x1c && r <= 0x1f:
		return true
	case r < 0x80:
		return false
	}
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// TrimSpace returns s without its leading and trailing white space, as
// CPython's s.strip() does. Bytes that are not UTF-8 are not space.
func TrimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r != utf8.RuneError && IsSpace(r) })
}
