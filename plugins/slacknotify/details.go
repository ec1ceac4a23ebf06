package slacknotify

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// Supervisor is the part of supervisord's XML-RPC interface slack-notify
// reads details from. *rpc.Client implements it.
type Supervisor interface {
	GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error)
	TailProcessStderrLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)
	TailProcessStdoutLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error)
	ReadLog(ctx context.Context, offset, length int) (string, error)
}

// Details is what supervisord can tell about a failure beyond the event:
// how the process exited, how long it ran, and its last log lines.
type Details struct {
	// Exit is supervisord's account of the exit, for example "exit
	// status 3; not expected" or "terminated by SIGKILL; not expected".
	Exit string
	// RanFor is how long the failed run lasted, 0 if unknown.
	RanFor time.Duration
	// SpawnErr is why supervisord could not start the process, for
	// BACKOFF and FATAL.
	SpawnErr string
	// Log holds the last LogLines lines of the process's LogChannel log
	// ("stderr", or "stdout" when stderr is redirected into it).
	Log        string
	LogLines   int
	LogChannel string
	// Missing says which details could not be read and why.
	Missing []string
}

// mainLogTail is how much of supervisord's main log is searched for the
// exit of a process; a failure is reported seconds after it is logged.
const mainLogTail = 32 << 10

// fetchDetails asks supervisord about the failure ps. It never fails:
// what cannot be read is listed in Missing, because an alert without
// details is worth more than no alert.
//
// supervisord forgets a process's exit status as soon as it starts it
// again, which autorestart does before the listener hears of the exit,
// so the exit status and run time come from supervisord's main log
// ("exited: web (exit status 3; not expected)" after "spawned: 'web' with
// pid 4242") and getProcessInfo serves only when the log does not have
// them.
func fetchDetails(ctx context.Context, sv Supervisor, ps listener.ProcessStateEvent, logLines int) Details {
	var d Details
	ns := ps.Namespec()
	info, infoErr := sv.GetProcessInfo(ctx, ns)
	if infoErr != nil {
		d.Missing = append(d.Missing, "process info: "+oneLine(infoErr))
	}
	if ps.State == listener.StateExited || ps.State == listener.StateBackoff || ps.State == listener.StateFatal {
		text, err := sv.ReadLog(ctx, -mainLogTail, 0)
		if err == nil {
			d.Exit, d.RanFor = findExit(text, ps.ProcessName, ps.PID)
		}
		if d.Exit == "" && infoErr == nil && info.State == listener.StateExited && ps.State == listener.StateExited {
			d.Exit = fmt.Sprintf("exit status %d", info.ExitStatus)
			if info.Stop >= info.Start && info.Start > 0 {
				d.RanFor = info.Stop.Time().Sub(info.Start.Time())
			}
		}
		if d.Exit == "" && err != nil {
			d.Missing = append(d.Missing, "exit status: "+oneLine(err))
		}
	}
	if infoErr == nil && (ps.State == listener.StateBackoff || ps.State == listener.StateFatal) {
		d.SpawnErr = info.SpawnErr
	}
	if logLines > 0 {
		// redirect_stderr=true leaves the stderr log unset and sends
		// stderr to the stdout log.
		redirected := infoErr == nil && info.StderrLogfile == "" && info.StdoutLogfile != ""
		text, channel, err := tailLog(ctx, sv, ns, logLines, redirected)
		switch {
		case err != nil:
			d.Missing = append(d.Missing, "log: "+oneLine(err))
		case text != "":
			d.Log, d.LogChannel = text, channel
			d.LogLines = strings.Count(text, "\n") + 1
		}
	}
	return d
}

// tailLog returns the last n lines of the process's stderr log, or of its
// stdout log when stderr is redirected there.
func tailLog(ctx context.Context, sv Supervisor, ns string, n int, redirected bool) (text, channel string, err error) {
	// Enough for n ordinary lines, without asking for megabytes.
	length := min(max(n*256, 4<<10), 64<<10)
	var tail rpc.LogTail
	if redirected {
		channel = "stdout"
		tail, err = sv.TailProcessStdoutLog(ctx, ns, 0, length)
	} else {
		channel = "stderr"
		tail, err = sv.TailProcessStderrLog(ctx, ns, 0, length)
	}
	if err != nil {
		return "", channel, err
	}
	return lastLines(tail.Data, n, tail.Overflow), channel, nil
}

// lastLines returns the last n lines of data, without the final newline.
// When data is the end of a longer log its first line is partial, and is
// dropped unless it is all there is.
func lastLines(data string, n int, partial bool) string {
	data = strings.TrimRight(data, "\n")
	if data == "" {
		return ""
	}
	lines := strings.Split(data, "\n")
	if partial && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// mainLogLine matches a line of supervisord's main log:
// "2024-01-02 15:04:05,123 WARN exited: web (exit status 3; not expected)".
var mainLogLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) [A-Z]+ (.*)$`)

// findExit finds in supervisord's main log the exit of process name: the
// one that ended the run with that pid, or the latest one when pid is 0.
// It returns supervisord's words in the parenthesis and how long the run
// lasted (0 when its spawn is not in the text).
func findExit(log, name string, pid int) (string, time.Duration) {
	spawned := "spawned: '" + name + "' with pid "
	exited := "exited: " + name + " ("
	var (
		spawnPID  string
		spawnTime time.Time
		exit      string
		ranFor    time.Duration
	)
	for _, line := range strings.Split(log, "\n") {
		m := mainLogLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		msg := m[2]
		switch {
		case strings.HasPrefix(msg, spawned):
			spawnPID = msg[len(spawned):]
			spawnTime, _ = time.ParseInLocation("2006-01-02 15:04:05,000", m[1], time.Local)
		case strings.HasPrefix(msg, exited) && strings.HasSuffix(msg, ")"):
			if pid != 0 && spawnPID != fmt.Sprint(pid) {
				continue
			}
			exit = msg[len(exited) : len(msg)-1]
			ranFor = 0
			if at, err := time.ParseInLocation("2006-01-02 15:04:05,000", m[1], time.Local); err == nil && !spawnTime.IsZero() {
				ranFor = at.Sub(spawnTime)
			}
		}
	}
	return exit, ranFor
}

// oneLine keeps an error message on one line, for the context block.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
