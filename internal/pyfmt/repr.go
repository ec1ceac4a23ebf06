package pyfmt

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Repr returns CPython's repr() of the str s: in single quotes, or double
// quotes when s holds a single quote and no double one; backslash, the
// quote, \t, \n and \r escaped; other control characters and what is not
// printable as \xhh, \uhhhh or \Uhhhhhhhh. A byte of s that is not UTF-8
// is shown as Python shows a byte it decoded with surrogateescape (as it
// decodes file names and command lines): '\udcff' for 0xff.
func Repr(s string) string { return quoteStr(s, false) }

// ASCII returns CPython's ascii() of the str s: Repr with every non-ASCII
// character escaped.
func ASCII(s string) string { return quoteStr(s, true) }

func quoteStr(s string, asciiOnly bool) string {
	quote := quoteFor(s)
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			r = 0xdc00 + rune(s[i]) // surrogateescape
		}
		i += n
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			writeHex(&b, 'x', r, 2)
		case r < 0x7f:
			b.WriteByte(byte(r))
		case !asciiOnly && printable(r):
			b.WriteRune(r)
		case r <= 0xff:
			writeHex(&b, 'x', r, 2)
		case r <= 0xffff:
			writeHex(&b, 'u', r, 4)
		default:
			writeHex(&b, 'U', r, 8)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// ReprBytes returns CPython's repr() of a bytes object: b'...', quoted as
// Repr quotes, every byte outside printable ASCII as \xhh.
func ReprBytes(data []byte) string {
	quote := quoteFor(string(data))
	var b strings.Builder
	b.Grow(len(data) + 3)
	b.WriteByte('b')
	b.WriteByte(quote)
	for _, c := range data {
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < ' ' || c >= 0x7f:
			writeHex(&b, 'x', rune(c), 2)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// quoteFor is the quote Python picks: " when s has a ' and no ".
func quoteFor(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

func writeHex(b *strings.Builder, kind byte, r rune, digits int) {
	b.WriteByte('\\')
	b.WriteByte(kind)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&15])
	}
}
