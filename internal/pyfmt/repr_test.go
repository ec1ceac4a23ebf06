package pyfmt

import (
	"math/rand/v2"
	"testing"
)

// reprInputs are strings whose repr() tests a rule: the choice of quote,
// each escape, what is printable where, bytes that are not UTF-8.
var reprInputs = []string{
	"", "plain", "it's", `say "hi"`, `both ' and "`, `'`, `"`, `\`, `\'`,
	"tab\there", "new\nline", "cr\rlf", "nul\x00", "bell\a", "esc\x1b[31m", "del\x7f",
	"\x1c\x1f", "é", "ünïcödé", "\u00a0nbsp", "\u00ad soft hyphen", "\u0085nel", "\u2028\u2029",
	"\u200b zero width", "\ufeffbom", "€", "日本語", "😀", "\U000e0001 tag", "\U0010ffff",
	"\u0378 unassigned", "\U0001fae8 new in Unicode 15", "\ue000 private", "\x80\xff", "a\xc3", "\xed\xa0\x80",
	"mixed 'q' \"dq\" \\ \t é \x00 \U0001F600",
}

func TestReprMatchesPython(t *testing.T) {
	t.Parallel()
	inputs := append([]string(nil), reprInputs...)
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab '\"\\\t\n\r\x00\x07\x7f\x85\xa0é€😀\u0378\u2028\U0001fae8")
	for range 300 {
		rs := make([]rune, rng.IntN(8))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(rs)
		if rng.IntN(4) == 0 {
			s += string([]byte{byte(0x80 + rng.IntN(0x80))})
		}
		inputs = append(inputs, s)
	}
	var want struct{ Repr, ASCII, ReprBytes []string }
	askPython(t, map[string]any{"repr": asBytes(inputs)}, &want)
	for i, in := range inputs {
		if got := Repr(in); got != want.Repr[i] {
			t.Errorf("Repr(%q) = %s, Python %s", in, got, want.Repr[i])
		}
		if got := ASCII(in); got != want.ASCII[i] {
			t.Errorf("ASCII(%q) = %s, Python %s", in, got, want.ASCII[i])
		}
		if got := ReprBytes([]byte(in)); got != want.ReprBytes[i] {
			t.Errorf("ReprBytes(%q) = %s, Python %s", in, got, want.ReprBytes[i])
		}
	}
}

// The texts that must not drift, whatever Python is installed.
func TestRepr(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"it's":       `"it's"`,
		`'"`:         `'\'"'`,
		"a\nb":       `'a\nb'`,
		"\xff":       `'\udcff'`,
		"\U000e0001": `'\U000e0001'`,
	} {
		if got := Repr(in); got != want {
			t.Errorf("Repr(%q) = %s, want %s", in, got, want)
		}
	}
	if got := ReprBytes([]byte("it's\xff")); got != `b"it's\xff"` {
		t.Errorf("ReprBytes = %s", got)
	}
}
