package rpc

import (
	"context"
	"fmt"
)

// SupervisorState is supervisord's own state (supervisor/states.py,
// SupervisorStates), as getState reports it.
type SupervisorState int

// supervisord's states. While the state is below SupervisorRunning, every
// supervisor.* method except sendRemoteCommEvent fails with
// ErrShutdownState.
const (
	SupervisorShutdown   SupervisorState = -1
	SupervisorRestarting SupervisorState = 0
	SupervisorRunning    SupervisorState = 1
	SupervisorFatal      SupervisorState = 2
)

// String returns the state's name as supervisord spells it ("RUNNING").
func (s SupervisorState) String() string {
	switch s {
	case SupervisorShutdown:
		return "SHUTDOWN"
	case SupervisorRestarting:
		return "RESTARTING"
	case SupervisorRunning:
		return "RUNNING"
	case SupervisorFatal:
		return "FATAL"
	}
	return fmt.Sprintf("SupervisorState(%d)", int(s))
}

// GetState returns supervisord's state (supervisor.getState).
func (c *Client) GetState(ctx context.Context) (SupervisorState, error) {
	var reply struct {
		Code int    `xmlrpc:"statecode"`
		Name string `xmlrpc:"statename"`
	}
	if err := c.call(ctx, false, "supervisor.getState", &reply); err != nil {
		return 0, err
	}
	return SupervisorState(reply.Code), nil
}

// GetIdentification returns the identifier= of [supervisord], "supervisor"
// by default (supervisor.getIdentification). Listeners see it as the
// server field of every event header.
func (c *Client) GetIdentification(ctx context.Context) (string, error) {
	return c.callString(ctx, "supervisor.getIdentification")
}

// GetSupervisorVersion returns supervisord's version, for example "4.2.5"
// (supervisor.getSupervisorVersion).
func (c *Client) GetSupervisorVersion(ctx context.Context) (string, error) {
	return c.callString(ctx, "supervisor.getSupervisorVersion")
}

// GetAPIVersion returns the version of the XML-RPC API, "3.0" for every
// supervisord since 3.0 (supervisor.getAPIVersion).
func (c *Client) GetAPIVersion(ctx context.Context) (string, error) {
	return c.callString(ctx, "supervisor.getAPIVersion")
}

// GetPID returns supervisord's process ID (supervisor.getPID).
func (c *Client) GetPID(ctx context.Context) (int, error) {
	var pid int
	err := c.call(ctx, false, "supervisor.getPID", &pid)
	return pid, err
}

// ReadLog reads the main log (supervisor.readLog). A negative offset with
// length 0 reads the last -offset bytes; length 0 reads to the end; other
// negative combinations fail with ErrBadArguments. The offsets count bytes;
// a cut that falls inside a UTF-8 character is moved (see cutRetries).
func (c *Client) ReadLog(ctx context.Context, offset, length int) (string, error) {
	return readCut(offset, length, func(offset, length int) (string, error) {
		return c.callString(ctx, "supervisor.readLog", offset, length)
	})
}

// ClearLog truncates the main log and reopens it (supervisor.clearLog).
func (c *Client) ClearLog(ctx context.Context) error {
	return c.callTrue(ctx, false, "supervisor.clearLog")
}

// Shutdown asks supervisord to stop all processes and exit
// (supervisor.shutdown). It returns once the request is accepted, not
// when supervisord has exited.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.callTrue(ctx, false, "supervisor.shutdown")
}

// Restart asks supervisord to stop all processes, reread its
// configuration and start again (supervisor.restart). It returns once the
// request is accepted; calls fail with ErrShutdownState or a connection
// error until the restart is complete.
func (c *Client) Restart(ctx context.Context) error {
	return c.callTrue(ctx, false, "supervisor.restart")
}

// ConfigChanges lists the process groups whose configuration differs
// between the running supervisord and its configuration file.
type ConfigChanges struct {
	Added   []string
	Changed []string
	Removed []string
}

// ReloadConfig rereads the configuration file and reports what changed
// (supervisor.reloadConfig), like "supervisorctl reread". It changes no
// process: AddProcessGroup and RemoveProcessGroup apply the differences.
// A file supervisord cannot parse gives ErrCantReread.
func (c *Client) ReloadConfig(ctx context.Context) (ConfigChanges, error) {
	var reply [][][]string
	if err := c.call(ctx, false, "supervisor.reloadConfig", &reply); err != nil {
		return ConfigChanges{}, err
	}
	if len(reply) != 1 || len(reply[0]) != 3 {
		return ConfigChanges{}, fmt.Errorf("supervisor.reloadConfig: %w: want [[added, changed, removed]], got %d entries",
			ErrBadResponse, len(reply))
	}
	return ConfigChanges{Added: reply[0][0], Changed: reply[0][1], Removed: reply[0][2]}, nil
}

// AddProcessGroup starts managing a group that is in the configuration
// file but not yet active, after ReloadConfig (supervisor.addProcessGroup).
// An active group gives ErrAlreadyAdded, an unknown one ErrBadName.
func (c *Client) AddProcessGroup(ctx context.Context, name string) error {
	return c.callTrue(ctx, false, "supervisor.addProcessGroup", name)
}

// RemoveProcessGroup stops managing a group whose processes are all
// stopped (supervisor.removeProcessGroup); a running one gives
// ErrStillRunning.
func (c *Client) RemoveProcessGroup(ctx context.Context, name string) error {
	return c.callTrue(ctx, false, "supervisor.removeProcessGroup", name)
}

func (c *Client) callString(ctx context.Context, method string, args ...any) (string, error) {
	var s string
	err := c.call(ctx, false, method, &s, args...)
	return s, err
}

// callTrue calls a method documented to return true or fail with a fault.
func (c *Client) callTrue(ctx context.Context, waiting bool, method string, args ...any) error {
	var ok bool
	if err := c.call(ctx, waiting, method, &ok, args...); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: %w: returned false", method, ErrBadResponse)
	}
	return nil
}
