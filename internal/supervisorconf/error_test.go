package supervisorconf

import (
	"errors"
	"io/fs"
	"testing"
)

func TestErrorIsOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "/etc/s.conf", Line: 12, Section: "program:web", Key: "startsecs", Value: "abc",
			Problem: "invalid literal for int() with base 10: 'abc'", Fix: "write a number of seconds"},
			"/etc/s.conf:12: [program:web] startsecs=abc: invalid literal for int() with base 10: 'abc'; write a number of seconds"},
		{&Error{File: "/etc/s.conf", Section: "eventlistener:x", Problem: "has no events= line"},
			"/etc/s.conf: [eventlistener:x] has no events= line"},
		{&Error{Section: "program:web", Key: "environment", Value: "A=1,\nB", Problem: "Unexpected end in 'A=1,\nB'"},
			`[program:web] environment=A=1,\nB: Unexpected end in 'A=1,\nB'`},
		{&Error{File: "/x.conf", Err: fs.ErrNotExist}, "/x.conf: file does not exist"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(tests[3].err, fs.ErrNotExist) {
		t.Error("Err is not unwrapped")
	}
}
