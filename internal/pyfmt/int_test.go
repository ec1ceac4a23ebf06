package pyfmt

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// intInputs are the edges of int(): white space of every kind, signs,
// underscores, digits of other scripts, the int64 range.
var intInputs = []string{
	"0", "7", "007", "-0", "+2", "-2", " 2 ", "\t2\n", "\v2\f", "2\r", "1_000", "0_0", "1__0", "_1", "1_", "+_1",
	"", " ", "+", "-", "- 2", "2 2", "0x10", "1e3", "1.0", "2\x00", "\x1c2", "2\x1f", "\u30002", "2\u3000", "\xa02",
	"\u00852", "\u20282", "\u00a02", "٣", "１２", "१२", "1٣", "\U0001d7ce", "\U00011f50", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "-9223372036854775809", "99999999999999999999", "١_٢", "abc", "é", "\xff",
	"123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890x",
}

func TestAtoiMatchesPython(t *testing.T) {
	t.Parallel()
	inputs := append([]string(nil), intInputs...)
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []rune("0123456789_+- \t\n٣１\u3000\x1c")
	for range 2000 {
		rs := make([]rune, 1+rng.IntN(6))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(rs))
	}
	var want struct{ Int, IntBytes []pyAnswer }
	askPython(t, map[string]any{"int": asBytes(inputs)}, &want)
	for i, in := range inputs {
		n, err := Atoi(in)
		check(t, "Atoi", in, n, err, want.Int[i])
		n, err = AtoiBytes([]byte(in))
		check(t, "AtoiBytes", in, n, err, want.IntBytes[i])
	}
}

// check compares one result with Python's: the same value, an overflow
// where Python's value is beyond int64, or the same ValueError text.
func check(t *testing.T, fn, in string, n int64, err error, w pyAnswer) {
	t.Helper()
	var pe *Error
	if w.OK == nil {
		if !errors.As(err, &pe) || pe.Type != w.Type || pe.Msg != w.Msg || !errors.Is(err, strconv.ErrSyntax) {
			t.Errorf("%s(%q) = %d, %v; Python %s: %s", fn, in, n, err, w.Type, w.Msg)
		}
		return
	}
	if _, rangeErr := strconv.ParseInt(*w.OK, 10, 64); rangeErr != nil {
		saturated := int64(math.MaxInt64)
		if (*w.OK)[0] == '-' {
			saturated = math.MinInt64
		}
		if !errors.Is(err, strconv.ErrRange) || n != saturated {
			t.Errorf("%s(%q) = %d, %v; Python %s, beyond int64", fn, in, n, err, *w.OK)
		}
		return
	}
	if err != nil || strconv.FormatInt(n, 10) != *w.OK {
		t.Errorf("%s(%q) = %d, %v; Python %s", fn, in, n, err, *w.OK)
	}
}

func TestParseIntMatchesPython(t *testing.T) {
	t.Parallel()
	inputs := []string{"022", "0o22", "0O22", "0o_7", "0o", "0_o7", "_0o7", "0o__7", "8", "-0o17", " +017 ", "0x1F", "0X_f", "0x",
		"0b101", "0b", "1_0", "zz", "Zz", "٧", "0o٧", "0xé", "777777777777777777777777"}
	var cases [][2]any
	for _, in := range inputs {
		for _, base := range []int{2, 8, 10, 16, 36} {
			cases = append(cases, [2]any{asBytes([]string{in})[0], base})
		}
	}
	var want struct{ IntBase []pyAnswer }
	askPython(t, map[string]any{"intbase": cases}, &want)
	for i, c := range cases {
		in, base := inputs[i/5], c[1].(int)
		n, err := ParseInt(in, base)
		check(t, "ParseInt(base "+strconv.Itoa(base)+")", in, n, err, want.IntBase[i])
	}
}
