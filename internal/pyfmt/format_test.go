package pyfmt

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// formatVars are the values the format tests expand: strings and
// integers, as supervisord's expansions are.
var formatVars = map[string]any{
	"a": "xy", "q": "it's", "u": "é€😀", "one": "é", "empty": "", "ctl": "\x01\n",
	"n": 7, "neg": -3, "zero": 0, "big": int64(1) << 62, "small": -(int64(1) << 62), "cp": 0x1F600,
	"program_name": "web", "process_num": 3,
}

// formatInputs are the formats supervisord configurations use, and the
// edges of Python's % operator.
var formatInputs = []string{
	"", "plain", "100%%", "%%(a)s", "%(program_name)s_%(process_num)02d", "%(a)s%(n)d%(a)r",
	"%", "abc%", "50%", "%(a", "%(a)", "%(a)q", "%(a)%", "%5%", "%(nosuch)s", "%(nosuch)q", "%(nosuch",
	"%()s", "%(a(b)c)s", "%((a))s", "%(a)hs", "%(n)ld", "%(n)Lx", "%(a)*s", "%(a).*s", "%s", "%(a)s %s", "%d",
	"%(n)c", "%(cp)c", "%(one)c", "%(a)c", "%(neg)c", "%(n)#o", "%(n)#.3x", "%(n)#08x", "%(neg)+05d", "%(n) +d",
	"%(a)05s", "%(n)f", "%(n)#.0f", "%(n)g", "%(n)#g", "%(big)g", "%(big)e", "%(small)E", "%(a)d", "%(a)i", "%(a)x",
	"%(a)f", "%(n)r", "%(q)r", "%(u)a", "%(u)5.2s|", "%(n)010.3f", "%(n).0e", "%(n)#.0e", "%(neg)o", "%(neg)#X",
	"%(n)-+6d|", "%(n)i%(n)u", "%(a)-05s|", "%(n).3s", "%(n)05.3d", "%(zero)#x", "%(zero)#.0o", "%(n)#.3g",
	"%(neg).5g", "%(n) 05d", "%(n)99999999999999999999d", "%(n).99999999999999999999d", "%(a)\u00e9",
	"%(a)\x01", "%(n)05c|", "%(n)-5c|", "%(ctl)r", "%(empty)r", "%(q)a",
}

// randomFormat builds formats from the pieces Python's parser reads, so
// that most are valid and the rest fail at every step.
func randomFormat(rng *rand.Rand) string {
	keys := []string{"a", "q", "u", "n", "neg", "zero", "big", "cp", "one", "nosuch", ""}
	var b strings.Builder
	for range 1 + rng.IntN(3) {
		if rng.IntN(4) == 0 {
			b.WriteString([]string{"x", "-", "é", " ", "%%", ")"}[rng.IntN(6)])
			continue
		}
		b.WriteByte('%')
		if rng.IntN(8) != 0 {
			b.WriteString("(" + keys[rng.IntN(len(keys))] + ")")
		}
		for range rng.IntN(3) {
			b.WriteByte("-+ #0"[rng.IntN(5)])
		}
		if rng.IntN(2) == 0 {
			b.WriteString([]string{"1", "5", "12", "*", "0"}[rng.IntN(5)])
		}
		if rng.IntN(3) == 0 {
			b.WriteString([]string{".", ".0", ".2", ".10", ".*"}[rng.IntN(5)])
		}
		if rng.IntN(8) == 0 {
			b.WriteByte("hlL"[rng.IntN(3)])
		}
		if rng.IntN(12) != 0 {
			b.WriteByte("srcdiuoxXeEfFgGaq%"[rng.IntN(18)])
		}
	}
	return b.String()
}

func TestFormatMatchesPython(t *testing.T) {
	t.Parallel()
	inputs := append([]string(nil), formatInputs...)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 4000 {
		inputs = append(inputs, randomFormat(rng))
	}
	var want struct{ Format []pyAnswer }
	askPython(t, map[string]any{"format": inputs, "vars": formatVars}, &want)
	for i, in := range inputs {
		got, err := Format(in, formatVars)
		w := want.Format[i]
		var pe *Error
		switch {
		case w.OK != nil && err == nil && got == *w.OK:
		case w.Type == "Refused":
			// Python formatted the whole mapping, which Format refuses.
			if err == nil || !strings.Contains(err.Error(), "has no (name), so Python would format the whole mapping") {
				t.Errorf("Format(%q) = %q, %v; want the no-name refusal", in, got, err)
			}
		case w.OK != nil:
			t.Errorf("Format(%q) = %q, %v; Python %q", in, got, err, *w.OK)
		case !errors.As(err, &pe) || pe.Type != w.Type || pe.Msg != w.Msg:
			t.Errorf("Format(%q) = %q, %v; Python %s: %s", in, got, err, w.Type, w.Msg)
		}
	}
}
