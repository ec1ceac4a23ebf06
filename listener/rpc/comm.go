package rpc

import "context"

// SendProcessStdin writes chars to a process's stdin
// (supervisor.sendProcessStdin), UTF-8 encoded. A process that is not
// running gives ErrNotRunning; one that has closed its stdin gives
// ErrNoFile.
func (c *Client) SendProcessStdin(ctx context.Context, name, chars string) error {
	return c.callTrue(ctx, false, "supervisor.sendProcessStdin", name, chars)
}

// SendRemoteCommEvent emits a REMOTE_COMMUNICATION event with the given
// type and data (supervisor.sendRemoteCommEvent). It works even while
// supervisord is shutting down.
func (c *Client) SendRemoteCommEvent(ctx context.Context, typ, data string) error {
	return c.callTrue(ctx, false, "supervisor.sendRemoteCommEvent", typ, data)
}
