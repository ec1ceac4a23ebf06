package crashinfo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/asctime"
)

// mainLogBytes is how much of the end of supervisord's main log Fetch
// searches for a run: a failure is reported seconds after it is logged,
// and a busy supervisord logs a few hundred bytes a second.
const mainLogBytes = 64 << 10

// ErrRunNotLogged is matched (errors.Is) by Details.ExitErr when
// supervisord's main log does not show the run that failed, which
// happens when its loglevel is above info (supervisord logs the
// "spawned:" lines at info) or the run scrolled out of the part Fetch
// reads.
var ErrRunNotLogged = errors.New("supervisord's main log does not show the run (is its loglevel info or debug?)")

// Run is one run of a process as supervisord's main log records it: from
// "spawned: 'web' with pid 4242" to "exited: web (exit status 3; not
// expected)".
type Run struct {
	// PID is the run's process ID; 0 when its spawn is not in the text.
	PID int
	// Spawned is when supervisord started the run; zero when its spawn is
	// not in the text.
	Spawned time.Time
	// Exited is when supervisord saw the run end.
	Exited time.Time
	// Exit is how the run ended.
	Exit Exit
}

// Duration returns how long the run lasted, and false when its spawn is
// not in the text or the clock went back in between.
func (r Run) Duration() (time.Duration, bool) {
	if r.Spawned.IsZero() || r.Exited.Before(r.Spawned) {
		return 0, false
	}
	return r.Exited.Sub(r.Spawned), true
}

// FindRun finds in text, the end of supervisord's main log, the last run
// of the process called name that ended in an exit. With pid > 0 it is the
// run spawned with that pid; with pid 0 (BACKOFF and FATAL events carry no
// pid) it is the run whose exit was logged last, whatever its pid.
//
// supervisord's main log names a process without its group. When
// processes of the same name in different groups run at once, an exit
// line cannot be told apart, and FindRun leaves it out rather than guess.
// Lines that do not start with a timestamp, such as the cut first line of
// a log's tail, are skipped.
func FindRun(text, name string, pid int) (Run, bool) {
	spawned := "spawned: '" + name + "' with pid "
	exited := "exited: " + name + " ("
	stopped := "stopped: " + name + " ("
	var (
		// running holds the spawn times of the runs of name that have
		// not ended yet, by pid: normally one.
		running = map[int]time.Time{}
		found   Run
		ok      bool
	)
	for line := range strings.SplitSeq(text, "\n") {
		stamp, msg, good := splitLine(line)
		if !good {
			continue
		}
		if strings.HasPrefix(msg, "supervisord started with pid ") {
			// A new supervisord: the runs of the one before it, killed
			// without a word about its children, are over.
			clear(running)
			continue
		}
		if rest, isSpawn := strings.CutPrefix(msg, spawned); isSpawn {
			p, err := strconv.Atoi(rest)
			at, terr := asctime.Parse(stamp)
			if err == nil && terr == nil {
				running[p] = at
			}
			continue
		}
		words, isExit := strings.CutPrefix(msg, exited)
		if !isExit {
			if _, isStop := strings.CutPrefix(msg, stopped); isStop {
				end(running)
			}
			continue
		}
		words, closed := strings.CutSuffix(words, ")")
		exit, parsed := parseExit(words)
		at, terr := asctime.Parse(stamp)
		if !closed || !parsed || terr != nil {
			continue
		}
		run := Run{Exited: at, Exit: exit}
		switch n := len(running); {
		case n == 1:
			run.PID, run.Spawned = end(running)
		case n > 1:
			// Which of the same-named processes exited is unknown,
			// and so is which are still running.
			clear(running)
			continue
		}
		if pid == 0 || run.PID == pid {
			found, ok = run, true
		}
	}
	return found, ok
}

// end ends the one run in running and returns its pid and spawn time;
// with several, it forgets them all, since which one ended is unknown.
func end(running map[int]time.Time) (pid int, spawned time.Time) {
	if len(running) == 1 {
		for p, at := range running {
			pid, spawned = p, at
		}
	}
	clear(running)
	return pid, spawned
}

// splitLine splits a line of supervisord's main log,
// "2026-11-21 06:12:24,116 WARN exited: web (exit status 3; not expected)",
// into its timestamp and its message. The timestamp is parsed only for
// the lines that matter: that is most of the cost of a search.
func splitLine(line string) (stamp, msg string, ok bool) {
	n := len(asctime.Layout)
	if len(line) < n+2 || line[n] != ' ' {
		return "", "", false
	}
	level, msg, ok := strings.Cut(line[n+1:], " ")
	if !ok || level == "" || strings.TrimLeft(level, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", "", false
	}
	return line[:n], msg, true
}

// readMainLog returns the end of supervisord's main log.
func readMainLog(ctx context.Context, src Source) (string, error) {
	text, err := src.ReadLog(ctx, -mainLogBytes, 0)
	if err != nil {
		return "", fmt.Errorf("supervisord's main log cannot be read: %w", err)
	}
	return text, nil
}
