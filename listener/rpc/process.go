package rpc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golance/golance/listener"
)

// UnixTime is a time as supervisord reports it: whole seconds since the
// Unix epoch, 0 for "never". supervisord caps it to 32 bits.
type UnixTime int64

// Time returns t as a time.Time, or the zero Time for 0.
func (t UnixTime) Time() time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0)
}

// ProcessInfo describes one process, as getProcessInfo and
// getAllProcessInfo report it. Times are UnixTime seconds, exactly as
// supervisord sends them, so that comparisons with Now use supervisord's
// clock rather than this machine's.
type ProcessInfo struct {
	Name  string `xmlrpc:"name"`
	Group string `xmlrpc:"group"`
	// Description is supervisorctl's status text: "pid 7302, uptime
	// 0:00:01" when running, the spawn error when FATAL or BACKOFF, the
	// stop time or "Not started" when stopped.
	Description string         `xmlrpc:"description"`
	Start       UnixTime       `xmlrpc:"start"` // last start, 0 if never started
	Stop        UnixTime       `xmlrpc:"stop"`  // last stop, 0 if never stopped
	Now         UnixTime       `xmlrpc:"now"`   // supervisord's clock when it answered
	State       listener.State `xmlrpc:"state"`
	StateName   string         `xmlrpc:"statename"`
	SpawnErr    string         `xmlrpc:"spawnerr"`   // "" if none
	ExitStatus  int            `xmlrpc:"exitstatus"` // of the last exit, 0 if none
	// Logfile is an alias of StdoutLogfile kept by supervisord for old
	// clients. The paths are "" when the stream is not logged.
	Logfile       string `xmlrpc:"logfile"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
	StderrLogfile string `xmlrpc:"stderr_logfile"`
	PID           int    `xmlrpc:"pid"` // 0 when not running
}

// Namespec returns the name XML-RPC methods take for this process:
// "name", or "group:name" when the group has another name.
func (p ProcessInfo) Namespec() string { return listener.Namespec(p.Group, p.Name) }

// Uptime returns how long a RUNNING process has been up by supervisord's
// clock, or 0 in any other state.
func (p ProcessInfo) Uptime() time.Duration {
	if p.State != listener.StateRunning || p.Start == 0 || p.Now < p.Start {
		return 0
	}
	return time.Duration(p.Now-p.Start) * time.Second
}

// GetProcessInfo returns one process's state (supervisor.getProcessInfo).
// name is "name" or "group:name"; an unknown one gives ErrBadName.
func (c *Client) GetProcessInfo(ctx context.Context, name string) (ProcessInfo, error) {
	var info ProcessInfo
	err := c.call(ctx, false, "supervisor.getProcessInfo", &info, name)
	return info, err
}

// GetAllProcessInfo returns every process's state, sorted by group and
// then process name (supervisor.getAllProcessInfo).
func (c *Client) GetAllProcessInfo(ctx context.Context) ([]ProcessInfo, error) {
	var infos []ProcessInfo
	err := c.call(ctx, false, "supervisor.getAllProcessInfo", &infos)
	return infos, err
}

// StartProcess starts a process (supervisor.startProcess). name is "name",
// "group:name", or "group:*" for a whole group. With wait, the call returns
// once the process is RUNNING (it has stayed up for startsecs), or fails
// with ErrAbnormalTermination or ErrSpawnError if it does not get there.
// Other faults: ErrBadName, ErrNoFile, ErrNotExecutable, ErrAlreadyStarted,
// ErrFailed. For "group:*", supervisord answers as StartProcessGroup does
// and the error joins the failures of the group's processes.
func (c *Client) StartProcess(ctx context.Context, name string, wait bool) error {
	return c.callStartStop(ctx, "supervisor.startProcess", name, wait)
}

// StopProcess stops a process (supervisor.stopProcess). With wait, the call
// returns once the process has exited, which takes up to its stopwaitsecs.
// A process that is not running gives ErrNotRunning. "group:*" stops a
// whole group, as for StartProcess.
func (c *Client) StopProcess(ctx context.Context, name string, wait bool) error {
	return c.callStartStop(ctx, "supervisor.stopProcess", name, wait)
}

// callStartStop handles both answers of startProcess and stopProcess:
// true for one process, an array of statuses for "group:*".
func (c *Client) callStartStop(ctx context.Context, method, name string, wait bool) error {
	var reply any
	if err := c.call(ctx, wait, method, &reply, name, wait); err != nil {
		return err
	}
	switch v := reply.(type) {
	case bool:
		if v {
			return nil
		}
	case []any:
		var errs []error
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return fmt.Errorf("%s: %w: status %#v is not a struct", method, ErrBadResponse, e)
			}
			st, err := statusFrom(m)
			if err != nil {
				return fmt.Errorf("%s: %w: %v", method, ErrBadResponse, err)
			}
			if err := st.Err(); err != nil {
				err.(*Fault).Method = method
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	return fmt.Errorf("%s: %w: got %#v, want true or an array of statuses", method, ErrBadResponse, reply)
}

func statusFrom(m map[string]any) (ProcessStatus, error) {
	f := fields{m: m}
	st := ProcessStatus{
		Name:        f.str("name"),
		Group:       f.str("group"),
		Status:      FaultCode(f.int("status")),
		Description: f.str("description"),
	}
	if _, ok := m["status"]; !ok && f.err == nil {
		return st, fmt.Errorf("status without a status member: %v", m)
	}
	return st, f.err
}

// ProcessStatus is one process's outcome in the results of the group and
// "all" methods.
type ProcessStatus struct {
	Name  string `xmlrpc:"name"`
	Group string `xmlrpc:"group"`
	// Status is Success or the fault code of the failure.
	Status FaultCode `xmlrpc:"status"`
	// Description is "OK" or the fault text, e.g. "NOT_RUNNING: web_00".
	Description string `xmlrpc:"description"`
}

// Namespec returns "name" or "group:name" for the process.
func (s ProcessStatus) Namespec() string { return listener.Namespec(s.Group, s.Name) }

// Err returns nil for Success, else a *Fault carrying the status.
func (s ProcessStatus) Err() error {
	if s.Status == Success {
		return nil
	}
	return &Fault{Code: s.Status, String: s.Description}
}

// StartProcessGroup starts every process of a group
// (supervisor.startProcessGroup) and returns one status per process it
// tried. An unknown group gives ErrBadName. wait is as for StartProcess.
func (c *Client) StartProcessGroup(ctx context.Context, name string, wait bool) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, wait, "supervisor.startProcessGroup", name, wait)
}

// StopProcessGroup stops every process of a group
// (supervisor.stopProcessGroup). wait is as for StopProcess.
func (c *Client) StopProcessGroup(ctx context.Context, name string, wait bool) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, wait, "supervisor.stopProcessGroup", name, wait)
}

// StartAllProcesses starts every process (supervisor.startAllProcesses).
func (c *Client) StartAllProcesses(ctx context.Context, wait bool) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, wait, "supervisor.startAllProcesses", wait)
}

// StopAllProcesses stops every process (supervisor.stopAllProcesses).
func (c *Client) StopAllProcesses(ctx context.Context, wait bool) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, wait, "supervisor.stopAllProcesses", wait)
}

// SignalProcess sends a signal to a process (supervisor.signalProcess).
// signal is a name without the SIG prefix ("HUP") or a number ("1"). A bad
// signal gives ErrBadSignal; a process that is not RUNNING, STARTING or
// STOPPING gives ErrNotRunning.
func (c *Client) SignalProcess(ctx context.Context, name, signal string) error {
	return c.callTrue(ctx, false, "supervisor.signalProcess", name, signal)
}

// SignalProcessGroup sends a signal to every process of a group
// (supervisor.signalProcessGroup).
func (c *Client) SignalProcessGroup(ctx context.Context, name, signal string) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, false, "supervisor.signalProcessGroup", name, signal)
}

// SignalAllProcesses sends a signal to every process
// (supervisor.signalAllProcesses).
func (c *Client) SignalAllProcesses(ctx context.Context, signal string) ([]ProcessStatus, error) {
	return c.callStatuses(ctx, false, "supervisor.signalAllProcesses", signal)
}

func (c *Client) callStatuses(ctx context.Context, waiting bool, method string, args ...any) ([]ProcessStatus, error) {
	var statuses []ProcessStatus
	err := c.call(ctx, waiting, method, &statuses, args...)
	return statuses, err
}
