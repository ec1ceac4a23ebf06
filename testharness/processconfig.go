package testharness

//lint:file-ignore ST1011 StartSecs and StopWaitSecs are named after supervisord's startsecs= and stopwaitsecs=.

import (
	"context"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/golance/golance/internal/supervisorconf"
)

// ProcessConfig holds the settings [program:x] and [eventlistener:x]
// share. A process runs Command as a real child, or Run in-process; with
// neither it is virtual: it "runs" until the test makes it exit (see
// Process.Exit) or signals it.
type ProcessConfig struct {
	// Command is the argv of a real child process, resolved on PATH.
	Command []string
	// Run is an in-process child.
	Run RunFunc
	// Dir is the child's working directory (directory=).
	Dir string
	// Env adds or overrides variables (environment=), as "KEY=value".
	Env []string

	// NumProcs is how many processes the section makes; zero means 1.
	NumProcs int
	// NumProcsStart is the first process_num.
	NumProcsStart int
	// ProcessName is the process_name= template, in Python %-format with
	// program_name, process_num, group_name, numprocs and host_node_name,
	// for example "%(program_name)s_%(process_num)02d". Default
	// "%(program_name)s". NumProcs > 1 requires %(process_num).
	ProcessName string
	// Priority orders start and shutdown; zero means supervisord's default
	// (999 for programs, -1 for pools). Pools with equal priority receive
	// each other's rejected events: see the package documentation.
	Priority int

	// NoAutostart is autostart=false.
	NoAutostart bool
	// Autorestart is autorestart=; the zero value is supervisord's default,
	// unexpected.
	Autorestart Autorestart
	// StartSecs is how long a process must stay up to count as started
	// (RUNNING). Zero means at once — not supervisord's default of 1s.
	StartSecs time.Duration
	// StartRetries is startretries=; zero means 3 and a negative value 0.
	StartRetries int
	// ExitCodes are the expected exit codes; nil means [0].
	ExitCodes []int
	// StopSignal is stopsignal=; zero means SIGTERM.
	StopSignal syscall.Signal
	// StopWaitSecs is how long after the stop signal SIGKILL follows; zero
	// means 10s and a negative value no wait at all.
	StopWaitSecs time.Duration
	// StopAsGroup and KillAsGroup signal the child's whole process group.
	StopAsGroup, KillAsGroup bool

	// RedirectStderr sends stderr to the stdout pipe (not allowed for
	// pools, as in supervisord).
	RedirectStderr bool
	// StdoutEvents and StderrEvents are stdout_events_enabled= and
	// stderr_events_enabled=: every chunk of output becomes a PROCESS_LOG
	// event. A listener's stdout carries the protocol and never does.
	StdoutEvents, StderrEvents bool
	// StdoutCaptureMaxBytes and StderrCaptureMaxBytes enable capture mode:
	// output between <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END-->
	// becomes a PROCESS_COMMUNICATION event keeping the last this many bytes.
	StdoutCaptureMaxBytes, StderrCaptureMaxBytes int

	// StdoutLogfile and StderrLogfile are stdout_logfile= and
	// stderr_logfile=: "" (or AUTO) is a file in Config.Dir, NONE is no log
	// (the read methods then fault with NO_FILE), anything else a path.
	StdoutLogfile, StderrLogfile string

	// ServerURL overrides SUPERVISOR_SERVER_URL for this process.
	ServerURL string

	// fromFile holds, for a program ParseConfig read, its processes as
	// supervisord makes them, by group, in process_num order.
	fromFile map[string][]*supervisorconf.Process
	// fileCommand is the Command ParseConfig set: one set afterwards
	// replaces the file's for every process of the section.
	fileCommand []string
}

// RunFunc is the body of an in-process child. It is given the child's end
// of three real pipes and runs until it returns; ctx is cancelled when the
// process is sent a signal that would terminate it (and stdin is closed at
// the same time). Returning nil is exit status 0, ExitCode(n) is status n,
// any other error status 1. A RunFunc must return once ctx is done or its
// pipes are closed: one that ignores both is abandoned (SIGKILL closes its
// pipes and counts it dead) and delays Close by a few seconds.
type RunFunc func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error

// Autorestart is the autorestart= setting, as supervisorconf reads it.
// Its String method spells the policy as autorestart= does ("true").
type Autorestart = supervisorconf.Autorestart

// The three autorestart policies. The zero value is supervisord's default.
const (
	// RestartUnexpected restarts a process that exits with a code not in
	// ExitCodes.
	RestartUnexpected = supervisorconf.RestartUnexpected
	// RestartAlways restarts a process whenever it exits (autorestart=true).
	RestartAlways = supervisorconf.RestartAlways
	// RestartNever never restarts it (autorestart=false).
	RestartNever = supervisorconf.RestartNever
)

// ExitCode is an error a RunFunc returns to exit with a given status.
type ExitCode int

// Error describes the exit status.
func (e ExitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
