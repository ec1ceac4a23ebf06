package crashinfo

import (
	"syscall"
	"testing"
)

func TestExit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		exit   Exit
		str    string
		status int
		exited bool
	}{
		{Exit{Cause: "exit status 3"}, "exit status 3; not expected", 3, true},
		{Exit{Cause: "exit status 0", Expected: true}, "exit status 0; expected", 0, true},
		{Exit{Cause: "terminated by SIGKILL"}, "terminated by SIGKILL; not expected", 0, false},
		{Exit{Cause: "terminated by SIGSEGV (core dumped)"}, "terminated by SIGSEGV (core dumped); not expected", 0, false},
		{exitFromStatus(-1, false), "killed by a signal; not expected", 0, false},
		{exitFromStatus(2, true), "exit status 2; expected", 2, true},
		{Exit{}, "", 0, false},
	}
	for _, tt := range tests {
		if got := tt.exit.String(); got != tt.str {
			t.Errorf("%#v.String() = %q, want %q", tt.exit, got, tt.str)
		}
		if n, ok := tt.exit.Status(); n != tt.status || ok != tt.exited {
			t.Errorf("%#v.Status() = %d, %v; want %d, %v", tt.exit, n, ok, tt.status, tt.exited)
		}
		if tt.exit.IsZero() != (tt.str == "") {
			t.Errorf("%#v.IsZero() = %v", tt.exit, tt.exit.IsZero())
		}
		// What String writes, parseExit reads back.
		if tt.str != "" {
			if got, ok := parseExit(tt.str); !ok || got != tt.exit {
				t.Errorf("parseExit(%q) = %#v, %v; want %#v", tt.str, got, ok, tt.exit)
			}
		}
	}
	for _, tt := range []struct {
		cause string
		sig   syscall.Signal
		ok    bool
	}{
		{"terminated by SIGKILL", syscall.SIGKILL, true},
		{"terminated by SIGSEGV (core dumped)", syscall.SIGSEGV, true},
		{"terminated by signal 40", 40, true},
		{"exit status 3", 0, false},
		{killedBySignal, 0, false},
		{"terminated by SIGNOPE", 0, false},
		{"", 0, false},
	} {
		if sig, ok := (Exit{Cause: tt.cause}).Signal(); sig != tt.sig || ok != tt.ok {
			t.Errorf("Exit{%q}.Signal() = %v, %v; want %v, %v", tt.cause, sig, ok, tt.sig, tt.ok)
		}
	}
	for _, bad := range []string{"", "exit status 3", "; not expected", "exit status 3; maybe"} {
		if got, ok := parseExit(bad); ok {
			t.Errorf("parseExit(%q) = %#v, want failure", bad, got)
		}
	}
}
