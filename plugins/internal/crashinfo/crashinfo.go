// Package crashinfo asks supervisord what became of a process that just
// failed, for the listeners that report failures (crashmail,
// slack-notify): how its run ended and how long it lasted, why it could
// not be started, and the last lines of its logs.
//
// getProcessInfo alone cannot tell how the run ended. supervisord forgets
// a process's exit status as soon as it starts the process again, and with
// autorestart it does so in the same turn of its loop in which it hands
// the listener the event, so by the time the listener asks,
// getProcessInfo describes the next run (supervisor #1150, #763).
// supervisord's main log still tells: the run began with "spawned: 'web'
// with pid 4242" and ended with "exited: web (exit status 3; not
// expected)". Fetch reads that (see FindRun), and falls back on
// getProcessInfo when the log does not show the run but the process has
// not been started again.
package crashinfo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// Source is the part of supervisord's XML-RPC interface Fetch reads.
// *rpc.Client implements it.
type Source interface {
	GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error)
	ReadLog(ctx context.Context, offset, length int) (string, error)
	TailProcessStderrLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)
	TailProcessStdoutLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)
}

// Unreachable is a Source for a supervisord that cannot be asked: every
// call fails with Err, so that the Details say why they are missing.
type Unreachable struct{ Err error }

// GetProcessInfo returns u.Err.
func (u Unreachable) GetProcessInfo(context.Context, string) (rpc.ProcessInfo, error) {
	return rpc.ProcessInfo{}, u.Err
}

// ReadLog returns u.Err.
func (u Unreachable) ReadLog(context.Context, int, int) (string, error) { return "", u.Err }

// TailProcessStderrLog returns u.Err.
func (u Unreachable) TailProcessStderrLog(context.Context, string, int, int) (rpc.LogTail, error) {
	return rpc.LogTail{}, u.Err
}

// TailProcessStdoutLog returns u.Err.
func (u Unreachable) TailProcessStdoutLog(context.Context, string, int, int) (rpc.LogTail, error) {
	return rpc.LogTail{}, u.Err
}

// Options says what Fetch reads besides the process's state and exit.
type Options struct {
	// TailLines is how many lines of the end of each log Fetch reads; 0
	// reads no log.
	TailLines int
	// Logs chooses the logs; the zero value is StderrAndStdout.
	Logs Logs
}

// Logs chooses which of a process's logs Fetch reads.
type Logs int

const (
	// StderrAndStdout reads the stderr log, then the stdout log.
	StderrAndStdout Logs = iota
	// StderrOnly reads the log that holds the process's stderr: its
	// stderr log, or its stdout log when it keeps no stderr log, as with
	// redirect_stderr=true.
	StderrOnly
)

// Details is what supervisord tells about a failure beyond the event.
type Details struct {
	// Info is getProcessInfo's answer, read after the event. When it is
	// nil, InfoErr says why, and Fetch asked nothing else: the other
	// calls would fail the same way, and which logs exist is unknown.
	Info    *rpc.ProcessInfo
	InfoErr error

	// Exit is how the failed run ended, looked for after EXITED, BACKOFF
	// and FATAL events. When it is unknown ExitErr says why, or is nil
	// when there was no exit to find: a BACKOFF or FATAL whose last start
	// failed before the process ran (SpawnErr says why), or one whose
	// exit is not in the main log.
	Exit    Exit
	ExitErr error
	// RanFor is how long the failed run lasted, when RanForKnown.
	RanFor      time.Duration
	RanForKnown bool

	// SpawnErr is supervisord's reason the process could not be started,
	// after BACKOFF and FATAL events: "can't find command '/srv/app'",
	// "Exited too quickly (process log may have details)".
	SpawnErr string

	// Logs are the ends of the logs Options.Logs chose, in that order;
	// none when Options.TailLines is 0 or Info is nil.
	Logs []Log
}

// Fetch asks src about the process ev is about, after ev. It never fails:
// whatever cannot be had is left out and its error recorded, because a
// report with what the event says is worth more than none. ctx bounds all
// the calls together.
func Fetch(ctx context.Context, src Source, ev listener.ProcessStateEvent, opts Options) Details {
	var d Details
	ns := ev.Namespec()
	snap := takeSnapshot(ctx, src, ns, opts.TailLines > 0)
	if snap.infoErr != nil {
		d.InfoErr = snap.infoErr
		return d
	}
	info := snap.info
	d.Info = &info
	switch ev.State {
	case listener.StateBackoff, listener.StateFatal:
		d.SpawnErr = info.SpawnErr
		fallthrough
	case listener.StateExited:
		findExit(ctx, src, ev, &d)
	}
	if opts.TailLines > 0 {
		d.Logs = tails(snap, opts)
	}
	return d
}

// exitedTooQuickly starts the spawnerr supervisord records when a process
// exits before startsecs: the only BACKOFF that follows an exit.
const exitedTooQuickly = "Exited too quickly"

// findExit fills in d.Exit and d.RanFor, or d.ExitErr.
func findExit(ctx context.Context, src Source, ev listener.ProcessStateEvent, d *Details) {
	info := d.Info
	if ev.State != listener.StateExited && info.SpawnErr != "" && !strings.HasPrefix(info.SpawnErr, exitedTooQuickly) {
		// The last start failed before the process ran: any exit in
		// the log is an earlier run's.
		return
	}
	text, logErr := readMainLog(ctx, src)
	if logErr == nil {
		if run, ok := FindRun(text, ev.ProcessName, ev.PID); ok {
			d.Exit = run.Exit
			d.RanFor, d.RanForKnown = run.Duration()
			return
		}
	}
	if ev.State != listener.StateExited {
		// BACKOFF and FATAL reset the exit status: only the log tells.
		d.ExitErr = logErr
		return
	}
	// getProcessInfo still describes the run that exited when nothing
	// has started the process since.
	if info.State == listener.StateExited && info.PID == 0 && info.Start > 0 && info.Stop >= info.Start {
		d.Exit = exitFromStatus(info.ExitStatus, ev.Expected)
		d.RanFor, d.RanForKnown = time.Duration(info.Stop-info.Start)*time.Second, true
		return
	}
	why := logErr
	if why == nil {
		why = ErrRunNotLogged
	}
	if info.State != listener.StateExited || info.PID != 0 {
		why = fmt.Errorf("the process was started again before the listener asked, and %w", why)
	}
	d.ExitErr = why
}
