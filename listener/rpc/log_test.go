package rpc

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestTailProcessLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		fixture, method string
		call            func(*Client) (LogTail, error)
		want            LogTail
	}{
		{"tailProcessStdoutLog", "supervisor.tailProcessStdoutLog",
			func(c *Client) (LogTail, error) { return c.TailProcessStdoutLog(ctx, "talker", 0, 100) },
			LogTail{Data: "out line\n", Offset: 9}},
		{"tailProcessStdoutLog_overflow", "supervisor.tailProcessStdoutLog",
			func(c *Client) (LogTail, error) { return c.TailProcessStdoutLog(ctx, "talker", 0, 100) },
			LogTail{Data: "ne\n", Offset: 9, Overflow: true}},
		// Nothing new since offset 9: the common case when following a log.
		{"tailProcessStdoutLog_empty", "supervisor.tailProcessStdoutLog",
			func(c *Client) (LogTail, error) { return c.TailProcessStdoutLog(ctx, "talker", 0, 100) },
			LogTail{Data: "", Offset: 9}},
		{"tailProcessStderrLog", "supervisor.tailProcessStderrLog",
			func(c *Client) (LogTail, error) { return c.TailProcessStderrLog(ctx, "talker", 0, 100) },
			LogTail{Data: "err line\n", Offset: 9}},
		// supervisord sends the escape, bell and carriage return raw.
		{"tailProcessStdoutLog_control", "supervisor.tailProcessStdoutLog",
			func(c *Client) (LogTail, error) { return c.TailProcessStdoutLog(ctx, "talker", 0, 100) },
			LogTail{Data: "plain \x1b[31mred\x1b[0m bell\a cr\r\nend\n", Offset: 33}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, s := replay(t, tt.fixture)
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			wantCall(t, s, tt.method, params(pStr("talker"), pInt("0"), pInt("100")))
		})
	}
}

func TestReadProcessLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		fixture, method string
		call            func(*Client) (string, error)
		want            string
	}{
		{"readProcessStdoutLog", "supervisor.readProcessStdoutLog",
			func(c *Client) (string, error) { return c.ReadProcessStdoutLog(ctx, "talker", 0, 0) }, "out line\n"},
		{"readProcessStderrLog", "supervisor.readProcessStderrLog",
			func(c *Client) (string, error) { return c.ReadProcessStderrLog(ctx, "talker", 0, 0) }, "err line\n"},
		{"readProcessStdoutLog_control", "supervisor.readProcessStdoutLog",
			func(c *Client) (string, error) { return c.ReadProcessStdoutLog(ctx, "talker", 0, 0) },
			"plain \x1b[31mred\x1b[0m bell\a cr\r\nend\n"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, s := replay(t, tt.fixture)
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			wantCall(t, s, tt.method, params(pStr("talker"), pInt("0"), pInt("0")))
		})
	}
}

func TestReadProcessLogNoFile(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, "fault_NO_FILE_log")
	_, err := c.ReadProcessStdoutLog(context.Background(), "nolog", 0, 0)
	if !errors.Is(err, ErrNoFile) {
		t.Fatalf("err = %v, want ErrNoFile", err)
	}
}

// supervisord cannot decode a log holding invalid UTF-8 and answers 500.
func TestReadProcessLogInvalidUTF8(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, "readProcessStdoutLog_invalid_utf8")
	_, err := c.ReadProcessStdoutLog(context.Background(), "binary", 0, 0)
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 500 {
		t.Fatalf("err = %v, want a *StatusError with code 500", err)
	}
	for _, want := range []string{"supervisor.readProcessStdoutLog", "500", "main log", "UTF-8"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
