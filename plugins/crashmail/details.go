package crashmail

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// Inspector is the part of supervisord's XML-RPC interface crashmail reads
// a crashed process's details from. *rpc.Client implements it.
type Inspector interface {
	GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error)
	TailProcessStderrLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)
	TailProcessStdoutLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)
	ReadLog(ctx context.Context, offset, length int) (string, error)
}

// Unreachable is an Inspector for a supervisord that cannot be asked:
// every call fails with Err. crashmail uses it when SUPERVISOR_SERVER_URL
// is not set, so that its mails say why the details are missing.
type Unreachable struct{ Err error }

// GetProcessInfo returns u.Err.
func (u Unreachable) GetProcessInfo(context.Context, string) (rpc.ProcessInfo, error) {
	return rpc.ProcessInfo{}, u.Err
}

// TailProcessStderrLog returns u.Err.
func (u Unreachable) TailProcessStderrLog(context.Context, string, int, int) (rpc.LogTail, error) {
	return rpc.LogTail{}, u.Err
}

// TailProcessStdoutLog returns u.Err.
func (u Unreachable) TailProcessStdoutLog(context.Context, string, int, int) (rpc.LogTail, error) {
	return rpc.LogTail{}, u.Err
}

// ReadLog returns u.Err.
func (u Unreachable) ReadLog(context.Context, int, int) (string, error) { return "", u.Err }

// tailBytes is how much of the end of each log crashmail reads to find its
// last lines: enough for the lines of any sane program, small enough for
// a mail.
const tailBytes = 64 << 10

// maxLineRunes shortens absurdly long log lines (a JSON blob, a progress
// bar without newlines) so that one line cannot fill the mail.
const maxLineRunes = 2000

// mainLogBytes is how much of the end of supervisord's main log crashmail
// reads to find how the process exited when it was restarted too fast.
const mainLogBytes = 64 << 10

// Details is what crashmail learns about a crashed process besides the
// event itself.
type Details struct {
	// Info is getProcessInfo's answer, read after the event; InfoErr says
	// why it is missing.
	Info    *rpc.ProcessInfo
	InfoErr error
	// Exit is how the run that crashed ended: its exit status ("3") or
	// supervisord's description of a death by signal ("terminated by
	// SIGSEGV (core dumped)"); "" when unknown, and then ExitErr says why.
	Exit    string
	ExitErr error
	// Uptime is how long the run lasted, when UptimeKnown.
	Uptime      time.Duration
	UptimeKnown bool
	// Stderr and Stdout are the ends of the process's logs.
	Stderr, Stdout LogLines
}

// LogLines is the end of one process log.
type LogLines struct {
	Channel string // "stderr" or "stdout"
	Path    string // the log file, when getProcessInfo told
	Lines   []string
	Err     error
	// NotKept reports that supervisord keeps no such log for the process
	// (stdout_logfile=NONE, or stderr with redirect_stderr=true).
	NotKept bool
}

// fetchDetails asks supervisord about the process named namespec. It never
// fails: whatever cannot be had is recorded as an error in the Details, so
// that the crash is still mailed with what the event says.
func fetchDetails(ctx context.Context, in Inspector, ps listener.ProcessStateEvent, lines int) Details {
	var d Details
	namespec := ps.Namespec()
	info, err := in.GetProcessInfo(ctx, namespec)
	if err != nil {
		d.InfoErr, d.ExitErr = err, err
	} else {
		d.Info = &info
		exitOf(ctx, in, ps, &d)
	}
	d.Stderr = LogLines{Channel: "stderr", Path: info.StderrLogfile}
	d.Stdout = LogLines{Channel: "stdout", Path: info.StdoutLogfile}
	if lines <= 0 {
		return d
	}
	// Without process info (supervisord unreachable, the process
	// removed) the tails would fail the same way, after a timeout each.
	if d.Info == nil {
		d.Stderr.Err, d.Stdout.Err = err, err
		return d
	}
	d.Stderr.NotKept, d.Stdout.NotKept = info.StderrLogfile == "", info.StdoutLogfile == ""
	if !d.Stderr.NotKept {
		d.Stderr.Lines, d.Stderr.Err = tail(ctx, in.TailProcessStderrLog, namespec, lines)
	}
	if !d.Stdout.NotKept {
		d.Stdout.Lines, d.Stdout.Err = tail(ctx, in.TailProcessStdoutLog, namespec, lines)
	}
	return d
}

// exitOf finds how the run that crashed ended. getProcessInfo describes
// it only until supervisord starts the process again, which, with
// autorestart, it does in the same turn of its loop as it hands crashmail
// the event: by the time crashmail asks, the exit status is reset and the
// start time is the new run's. supervisord's main log still tells: the run
// began with "spawned: '<name>' with pid <pid>" and ended with "exited:
// <name> (exit status 3; not expected)".
func exitOf(ctx context.Context, in Inspector, ps listener.ProcessStateEvent, d *Details) {
	info := d.Info
	if info.PID == 0 && info.Start != 0 && info.Stop >= info.Start &&
		(info.State == listener.StateExited || info.State == listener.StateFatal) {
		d.Exit = strconv.Itoa(info.ExitStatus)
		if info.ExitStatus < 0 {
			d.Exit = "killed by a signal"
		}
		d.Uptime, d.UptimeKnown = time.Duration(info.Stop-info.Start)*time.Second, true
		return
	}
	text, err := in.ReadLog(ctx, -mainLogBytes, 0)
	if err != nil {
		d.ExitErr = fmt.Errorf("the process was started again before crashmail asked, and the main log cannot be read: %w", err)
		return
	}
	run, ok := findRun(text, ps.ProcessName, ps.PID)
	if !ok {
		d.ExitErr = errors.New("the process was started again before crashmail asked, and supervisord's main log does not show the run (is its loglevel info or debug?)")
		return
	}
	d.Exit, d.Uptime, d.UptimeKnown = run.exit, run.uptime, run.uptimeKnown
}

// mainLogTime is the timestamp format of supervisord's main log.
const mainLogTime = "2006-01-02 15:04:05,000"

type run struct {
	exit        string
	uptime      time.Duration
	uptimeKnown bool
}

// findRun looks in the main log text for the last run of process name
// with pid and how it ended.
func findRun(text, name string, pid int) (run, bool) {
	spawned := " spawned: '" + name + "' with pid " + strconv.Itoa(pid)
	exited := " exited: " + name + " ("
	var (
		started      time.Time
		inRun, ended bool
		last         run
	)
	for l := range strings.SplitSeq(text, "\n") {
		if strings.HasSuffix(l, spawned) {
			started, inRun, ended = logTime(l), true, false
			continue
		}
		if !inRun || ended {
			continue
		}
		_, rest, ok := strings.Cut(l, exited)
		if !ok || !strings.HasSuffix(rest, "; not expected)") {
			continue
		}
		ended = true
		last = run{exit: strings.TrimPrefix(strings.TrimSuffix(rest, "; not expected)"), "exit status ")}
		if end := logTime(l); !started.IsZero() && !end.IsZero() && !end.Before(started) {
			last.uptime, last.uptimeKnown = end.Sub(started), true
		}
	}
	return last, ended
}

// logTime parses the timestamp that starts a main log line.
func logTime(line string) time.Time {
	if len(line) < len(mainLogTime) {
		return time.Time{}
	}
	t, err := time.ParseInLocation(mainLogTime, line[:len(mainLogTime)], time.Local)
	if err != nil {
		return time.Time{}
	}
	return t
}

type tailFunc func(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)

// tail returns the last n lines of a log.
func tail(ctx context.Context, read tailFunc, namespec string, n int) ([]string, error) {
	// Offset 0 with a length shorter than the file returns the file's
	// last length bytes, flagged as overflow (supervisor's tailFile).
	t, err := read(ctx, namespec, 0, tailBytes)
	if err != nil {
		return nil, err
	}
	return lastLines(t.Data, t.Overflow, n), nil
}

// lastLines returns the last n lines of text. When cut is set, text starts
// in the middle of the log, so its first line is partial and is dropped
// unless it is all there is.
func lastLines(text string, cut bool, n int) []string {
	text = strings.TrimRight(text, "\r\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if r := []rune(l); len(r) > maxLineRunes {
			l = string(r[:maxLineRunes]) + " …"
		}
		lines[i] = l
	}
	return lines
}

// formatUptime writes d the way supervisorctl shows uptimes (Python's
// timedelta): "0:01:05", "1 day, 2:03:04".
func formatUptime(d time.Duration) string {
	s := int64(d / time.Second)
	days, s := s/86400, s%86400
	hms := fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	switch days {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	}
	return fmt.Sprintf("%d days, %s", days, hms)
}
