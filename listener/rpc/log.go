package rpc

import (
	"context"
	"fmt"
)

// LogTail is a chunk of a process log from TailProcessStdoutLog or
// TailProcessStderrLog.
type LogTail struct {
	// Data is the text read, at most the length asked for.
	Data string
	// Offset is the log's size when supervisord answered: pass it as the
	// next call's offset to read only what was written since.
	Offset int
	// Overflow reports that more than the length asked for was written
	// after the offset, so Data holds only the newest part and the rest
	// was skipped.
	Overflow bool
}

// TailProcessStdoutLog reads up to length bytes of a process's stdout log
// from offset on (supervisor.tailProcessStdoutLog), the way "supervisorctl
// tail -f" follows a log. A log file that does not exist yet reads as
// empty. Offsets count bytes. When the end of a long log starts inside a
// UTF-8 character, supervisord fails with HTTP 500; the client then reads a
// byte or up to three less (see cutRetries). A log holding bytes that are
// not UTF-8 at all still fails.
func (c *Client) TailProcessStdoutLog(ctx context.Context, name string, offset, length int) (LogTail, error) {
	return c.tail(ctx, "supervisor.tailProcessStdoutLog", name, offset, length)
}

// TailProcessStderrLog is TailProcessStdoutLog for the stderr log
// (supervisor.tailProcessStderrLog).
func (c *Client) TailProcessStderrLog(ctx context.Context, name string, offset, length int) (LogTail, error) {
	return c.tail(ctx, "supervisor.tailProcessStderrLog", name, offset, length)
}

func (c *Client) tail(ctx context.Context, method, name string, offset, length int) (LogTail, error) {
	return readCut(offset, length, func(offset, length int) (LogTail, error) {
		return c.tailOnce(ctx, method, name, offset, length)
	})
}

func (c *Client) tailOnce(ctx context.Context, method, name string, offset, length int) (LogTail, error) {
	var reply []any // [string bytes, int offset, boolean overflow]
	if err := c.call(ctx, false, method, &reply, name, offset, length); err != nil {
		return LogTail{}, err
	}
	if len(reply) == 3 {
		data, ok1 := reply[0].(string)
		off, ok2 := reply[1].(int64)
		overflow, ok3 := reply[2].(bool)
		if ok1 && ok2 && ok3 {
			return LogTail{Data: data, Offset: int(off), Overflow: overflow}, nil
		}
	}
	return LogTail{}, fmt.Errorf("%s: %w: want [string, int, boolean], got %#v", method, ErrBadResponse, reply)
}

// ReadProcessStdoutLog reads a process's stdout log
// (supervisor.readProcessStdoutLog), with ReadLog's offset rules. A process
// without a stdout log gives ErrNoFile.
func (c *Client) ReadProcessStdoutLog(ctx context.Context, name string, offset, length int) (string, error) {
	return c.readLog(ctx, "supervisor.readProcessStdoutLog", name, offset, length)
}

// ReadProcessStderrLog reads a process's stderr log
// (supervisor.readProcessStderrLog).
func (c *Client) ReadProcessStderrLog(ctx context.Context, name string, offset, length int) (string, error) {
	return c.readLog(ctx, "supervisor.readProcessStderrLog", name, offset, length)
}

// readLog reads a process log, moving a cut that falls inside a UTF-8
// character (see cutRetries).
func (c *Client) readLog(ctx context.Context, method, name string, offset, length int) (string, error) {
	return readCut(offset, length, func(offset, length int) (string, error) {
		return c.callString(ctx, method, name, offset, length)
	})
}

// ClearProcessLogs truncates a process's stdout and stderr logs
// (supervisor.clearProcessLogs).
func (c *Client) ClearProcessLogs(ctx context.Context, name string) error {
	return c.callTrue(ctx, false, "supervisor.clearProcessLogs", name)
}

// ClearAllProcessLogs truncates every process's logs
// (supervisor.clearAllProcessLogs).
func (c *Client) ClearAllProcessLogs(ctx context.Context) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, true, "supervisor.clearAllProcessLogs")
}
