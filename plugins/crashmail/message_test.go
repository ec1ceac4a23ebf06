package crashmail

import (
	"errors"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/crashinfo"
)

// at is 2024-05-06 07:08:09.123 in the local zone, so that asctime prints
// it back unchanged whatever TZ the tests run in.
var at = time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.Local)

var crash = listener.ProcessStateEvent{
	ProcessName: "web_01", GroupName: "web", State: listener.StateExited,
	FromState: listener.StateRunning, PID: 4242,
}

func TestSubjectKeepsSuperlanceWording(t *testing.T) {
	t.Parallel()
	if got, want := subject("", "web_01", at), "web_01 crashed at 2024-05-06 07:08:09,123"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	// superlance's test expects "[foo]: foo crashed at" for -o "[foo]".
	if got, want := subject("[foo]", "foo", at), "[foo]: foo crashed at 2024-05-06 07:08:09,123"; got != want {
		t.Errorf("subject with -o = %q, want %q", got, want)
	}
}

func TestFirstLineKeepsSuperlanceWording(t *testing.T) {
	t.Parallel()
	want := "Process web_01 in group web exited unexpectedly (pid 4242) from state RUNNING"
	if got := firstLine(crash); got != want {
		t.Errorf("firstLine = %q, want %q", got, want)
	}
}

func TestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    crashinfo.Details
		want string
	}{
		{"full", crashinfo.Details{
			Info:   &rpc.ProcessInfo{},
			Exit:   crashinfo.Exit{Cause: "exit status 3"},
			RanFor: 25*time.Hour + 2*time.Minute + 3*time.Second + 456*time.Millisecond, RanForKnown: true,
			Logs: []crashinfo.Log{
				{Channel: "stderr", Path: "/log/web-err.log", Lines: []string{"panic: boom", "goroutine 1"}},
				{Channel: "stdout", Path: "/log/web-out.log"},
			},
		}, `Process web_01 in group web exited unexpectedly (pid 4242) from state RUNNING

Host: app1
Time: 2024-05-06 07:08:09,123
Exit status: 3
Uptime: 1 day, 1:02:03

Last 2 line(s) of the stderr log (/log/web-err.log):
panic: boom
goroutine 1

The stdout log (/log/web-out.log) is empty.
`},
		{"no tails", crashinfo.Details{Info: &rpc.ProcessInfo{}, Exit: crashinfo.Exit{Cause: "terminated by SIGSEGV (core dumped)"}},
			`Process web_01 in group web exited unexpectedly (pid 4242) from state RUNNING

Host: app1
Time: 2024-05-06 07:08:09,123
Exit status: terminated by SIGSEGV (core dumped)
`},
		{"exit unknown", crashinfo.Details{
			Info:    &rpc.ProcessInfo{},
			ExitErr: errors.New("the main log cannot be read"),
			Logs: []crashinfo.Log{
				{Channel: "stderr", NotKept: true},
				{Channel: "stdout", Err: errors.New("HTTP 500")},
			},
		}, `Process web_01 in group web exited unexpectedly (pid 4242) from state RUNNING

Host: app1
Time: 2024-05-06 07:08:09,123
Exit status and uptime: unknown (the main log cannot be read)

No stderr log is kept for this process.

The stdout log is unavailable: HTTP 500
`},
		{"exit unknown, no reason given", crashinfo.Details{Info: &rpc.ProcessInfo{}},
			`Process web_01 in group web exited unexpectedly (pid 4242) from state RUNNING

Host: app1
Time: 2024-05-06 07:08:09,123
Exit status and uptime: unknown
`},
		{"supervisord unreachable", crashinfo.Details{InfoErr: errors.New("connection refused")},
			`Process web_01 in group web exited unexpectedly (pid 4242) from state RUNNING

Host: app1
Time: 2024-05-06 07:08:09,123
Details unavailable: connection refused
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := body(crash, at, "app1", tt.d); got != tt.want {
				t.Errorf("body:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestFormatUptime(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                              "0:00:00",
		65 * time.Second:               "0:01:05",
		10*time.Hour + 59*time.Second:  "10:00:59",
		24 * time.Hour:                 "1 day, 0:00:00",
		3*24*time.Hour + 4*time.Minute: "3 days, 0:04:00",
	} {
		if got := formatUptime(d); got != want {
			t.Errorf("formatUptime(%v) = %q, want %q", d, got, want)
		}
	}
}
