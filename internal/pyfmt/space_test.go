package pyfmt

import "testing"

func TestTrimSpaceMatchesPython(t *testing.T) {
	t.Parallel()
	inputs := []string{"", " ", " a ", "\t\n\v\f\r a b \r\n", "\x1c\x1d\x1e\x1fa\x1f", "\u00a0\u3000a\u2028\u0085",
		"\u200ba\u200b", "\ufeffa", "\x00a\x00", "a\u2000\u200a"}
	var want struct{ Strip []string }
	askPython(t, map[string]any{"unicode": inputs}, &want)
	for i, in := range inputs {
		if got := TrimSpace(in); got != want.Strip[i] {
			t.Errorf("TrimSpace(%q) = %q, Python %q", in, got, want.Strip[i])
		}
	}
}
