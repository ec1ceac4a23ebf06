package testharness

import "testing"

func TestParsePythonInt(t *testing.T) {
	t.Parallel()
	// Each case was checked against CPython 3.11's int(bytes).
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2", 2, true}, {" 2\r", 2, true}, {"+2", 2, true}, {"-2", -2, true},
		{"1_0", 10, true}, {"007", 7, true}, {"0_7", 7, true}, {"\v2\f", 2, true},
		{"1__0", 0, false}, {"_1", 0, false}, {"1_", 0, false}, {"2\x00", 0, false},
		{"- 2", 0, false}, {"", 0, false}, {"  ", 0, false}, {"\xa02", 0, false},
		{"0x10", 0, false}, {"\x1c2", 0, false}, {"+", 0, false}, {"2 2", 0, false},
		{"99999999999999999999", 1<<63 - 1, true},
	}
	for _, tt := range tests {
		got, ok := parsePythonInt([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parsePythonInt(%q) = %d, %t; want %d, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
