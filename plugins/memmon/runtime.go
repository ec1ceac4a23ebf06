package memmon

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/selection"
)

// runtimeLimit is one --max-runtime NAME=SECS: how long a process NAME
// covers may stay RUNNING before memmon restarts (or stops) it.
type runtimeLimit struct {
	name string
	max  time.Duration
}

// parseRuntimeLimit reads a NAME=SECS flag value.
func parseRuntimeLimit(s string) (runtimeLimit, error) {
	name, secs, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.Contains(secs, "=") {
		return runtimeLimit{}, badValue("%q is not NAME=SECS: write for example worker=12h or web:web_01=86400", s)
	}
	d, err := parseSeconds(secs)
	if err != nil {
		return runtimeLimit{}, err
	}
	if d <= 0 {
		return runtimeLimit{}, badValue("a run-time limit of %q would act at every tick: give at least one second", secs)
	}
	return runtimeLimit{name: name, max: d}, nil
}

func (l runtimeLimit) String() string { return l.name + "=" + formatSeconds(l.max) }

// runtimeRule is a run-time limit and the processes it covers, as -p
// chooses them, memmon itself never among them.
type runtimeRule struct {
	limit runtimeLimit
	match *selection.Selector
	// matched is set when the rule covered a process in the current tick;
	// reported when memmon said that it covers none.
	matched, reported bool
}

func newRuntimeRule(l runtimeLimit, self selection.Self) (*runtimeRule, error) {
	m, err := selection.New(selection.Spec{Programs: []string{l.name}, Self: self, Policy: selection.SelfNever, Empty: selection.EmptyNone, Flag: "--max-runtime"})
	if err != nil {
		return nil, &valueError{msg: err.Error()}
	}
	return &runtimeRule{limit: l, match: m}, nil
}

// runtimeAction is what memmon does to a process past its run-time limit.
type runtimeAction int

const (
	actRestart runtimeAction = iota // stopProcess, then startProcess
	actStop                         // stopProcess alone
)

func (a runtimeAction) String() string {
	if a == actStop {
		return "stop"
	}
	return "restart"
}

// spread is how much later than its limit a process is due: a share of
// jitter that depends on its name alone, so that the copies of a numprocs
// program, started together, are due at different ticks, and a process is
// due at the same time at every tick.
func spread(namespec string, jitter time.Duration) time.Duration {
	if jitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(namespec))
	return time.Duration(h.Sum64() % uint64(jitter/time.Second+1) * uint64(time.Second))
}

// dailyWindow is --max-runtime-not-during FROM-TO: a time of day, in local
// time, when memmon leaves processes past their run-time limit alone (the
// busy hours), FROM included, TO not. FROM after TO spans midnight.
type dailyWindow struct {
	from, to int // minutes since midnight
}

// parseWindow reads HH:MM-HH:MM.
func parseWindow(s string) (*dailyWindow, error) {
	from, to, ok := strings.Cut(s, "-")
	bad := badValue("%q is not a time window: write HH:MM-HH:MM in local time, such as 08:00-20:00 (or 22:00-06:00 across midnight)", s)
	if !ok {
		return nil, bad
	}
	f, err1 := time.Parse("15:04", strings.TrimSpace(from))
	t, err2 := time.Parse("15:04", strings.TrimSpace(to))
	if err1 != nil || err2 != nil {
		return nil, bad
	}
	w := &dailyWindow{from: f.Hour()*60 + f.Minute(), to: t.Hour()*60 + t.Minute()}
	if w.from == w.to {
		return nil, badValue("%q is an empty window: FROM and TO differ in a window", s)
	}
	return w, nil
}

// contains reports whether t's time of day is in the window.
func (w *dailyWindow) contains(t time.Time) bool {
	if w == nil {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if w.from < w.to {
		return m >= w.from && m < w.to
	}
	return m >= w.from || m < w.to
}

func (w *dailyWindow) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.from/60, w.from%60, w.to/60, w.to%60)
}
