package pyfmt

import (
	"testing"
	"unicode/utf8"
)

// Every code point: printable for repr(), white space for strip() and
// split(), and decimal with its value for int(), as CPython 3.11 has them.
func TestUnicodeMatchesPython(t *testing.T) {
	t.Parallel()
	var want struct {
		Unicode string
		Digits  map[rune]int
	}
	askPython(t, map[string]any{"unicode": []string{}}, &want)
	if len(want.Unicode) != utf8.MaxRune+1 {
		t.Fatalf("python gave %d code points", len(want.Unicode))
	}
	wrong := 0
	for r := rune(0); r <= utf8.MaxRune && wrong < 20; r++ {
		flags := want.Unicode[r] - '0'
		d, isDecimal := decimal(r)
		if printable(r) != (flags&1 != 0) || IsSpace(r) != (flags&2 != 0) || isDecimal != (flags&4 != 0) || isDecimal && d != want.Digits[r] {
			t.Errorf("U+%04X: printable %t, space %t, decimal %t (%d); Python's flags %d, digit %d",
				r, printable(r), IsSpace(r), isDecimal, d, flags, want.Digits[r])
			wrong++
		}
	}
}
