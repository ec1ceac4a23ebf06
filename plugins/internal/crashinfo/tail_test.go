package crashinfo

import (
	"strings"
	"testing"
)

func TestLastLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		cut  bool
		n    int
		want []string
	}{
		{"", false, 5, nil},
		{"\n\n", false, 5, nil},
		{"a\nb\n", false, 0, nil},
		{"a\nb\nc\n", false, 2, []string{"b", "c"}},
		{"a\nb\nc", false, 5, []string{"a", "b", "c"}},
		{"x\ny\n", false, 1, []string{"y"}},
		{"a\r\nb\r\n", false, 5, []string{"a", "b"}},
		{"tail of a line\nb\nc", true, 5, []string{"b", "c"}}, // the first line of a tail is cut
		{"only a partial line", true, 5, []string{"only a partial line"}},
		{"x\n" + strings.Repeat("é", maxLineRunes+5), false, 5, []string{"x", strings.Repeat("é", maxLineRunes) + " …"}},
	}
	for _, tt := range tests {
		got := lastLines(tt.text, tt.cut, tt.n)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("lastLines(%q, %v, %d) = %q, want %q", tt.text, tt.cut, tt.n, got, tt.want)
		}
	}
}
