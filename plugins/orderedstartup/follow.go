package orderedstartup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/restart"
)

// errHoldEnded is the start of a held follower given up because the
// listener is stopping.
var errHoldEnded = errors.New("the listener stopped before what it follows was RUNNING again")

// Runtime dependencies (dependent_runtime): a program with followers is
// "up" once every one of its processes is RUNNING, and goes down when one
// leaves RUNNING, as an event from RUNNING tells (or a fresh reading of
// the states shows). Going down stops its stop-mode followers, each held
// stopped by the Restarter until everything it follows is up again; coming
// back up restarts the restart-mode followers that were running when it
// went down. A follower's own followers follow it the same way, so a
// chain comes back in order. Every stop and restart of a follower counts
// against its restart budget (--max-restarts per --restart-window).

// followable reports whether a follower's process in state s is one the
// listener acts on: running, on its way, or given up on by supervisord
// (FATAL, as a program whose database went away often ends). STOPPED and
// EXITED are left alone: someone stopped it, or it finished.
func followable(s listener.State) bool {
	switch s {
	case listener.StateStarting, listener.StateRunning, listener.StateBackoff, listener.StateFatal:
		return true
	}
	return false
}

// allRunning reports whether every process of prog is RUNNING.
func (s *handler) allRunning(prog *planProgram) bool {
	for _, ns := range prog.Processes {
		if s.procs[ns].state != listener.StateRunning {
			return false
		}
	}
	return true
}

// follow notes the followed programs that came up, and, when the states
// were just read (fresh), those that went down with no event saying so.
// The caller holds s.mu.
func (s *handler) follow(fresh bool) {
	for _, prog := range s.plan.Programs {
		if len(prog.Followers) == 0 {
			continue
		}
		st := s.progs[prog]
		switch running := s.allRunning(prog); {
		case running && !st.up:
			s.goUp(prog)
		case !running && st.up && fresh:
			var states []string
			for _, ns := range prog.Processes {
				if p := s.procs[ns]; p.state != listener.StateRunning {
					states = append(states, ns+" is "+p.state.String())
				}
			}
			s.goDown(prog, strings.Join(states, ", "))
		}
	}
}

// leftRunning handles an event from RUNNING for process ns of prog. The
// caller holds s.mu.
func (s *handler) leftRunning(prog *planProgram, ns string, to listener.State) {
	if len(prog.Followers) > 0 && s.progs[prog].up {
		s.goDown(prog, ns+" is "+to.String())
	}
}

// goDown stops prog's stop-mode followers and notes its restart-mode ones.
func (s *handler) goDown(prog *planProgram, why string) {
	st := s.progs[prog]
	st.up, st.wentDown = false, true
	st.toRestart = nil
	var stopping, later []string
	for _, f := range prog.Followers {
		procs := s.followableProcesses(f)
		if len(procs) == 0 {
			continue
		}
		if f.Runtime == runtimeRestart {
			st.toRestart = append(st.toRestart, f)
			later = append(later, f.Name)
			continue
		}
		if n := s.restartFollower(f, prog, procs, true); n > 0 {
			stopping = append(stopping, f.Name)
		}
	}
	var parts []string
	if len(stopping) > 0 {
		parts = append(parts, fmt.Sprintf("stopping %s until it is RUNNING again", strings.Join(stopping, ", ")))
	}
	if len(later) > 0 {
		parts = append(parts, fmt.Sprintf("restarting %s once it is RUNNING again", strings.Join(later, ", ")))
	}
	if len(parts) > 0 {
		s.logf(slog.LevelInfo, "%s left RUNNING (%s): %s", prog.Name, why, strings.Join(parts, "; "))
	}
	s.changedState()
}

// goUp restarts the followers prog's going down left for now, and lets the
// held ones start.
func (s *handler) goUp(prog *planProgram) {
	st := s.progs[prog]
	st.up = true
	if !st.wentDown {
		return
	}
	st.wentDown = false
	var restarting []string
	for _, f := range st.toRestart {
		if procs := s.followableProcesses(f); len(procs) > 0 && s.restartFollower(f, prog, procs, false) > 0 {
			restarting = append(restarting, f.Name)
		}
	}
	st.toRestart = nil
	if len(restarting) > 0 {
		s.logf(slog.LevelInfo, "%s is RUNNING again: restarting %s", prog.Name, strings.Join(restarting, ", "))
	}
	s.changedState()
}

// followableProcesses returns the processes of f the listener acts on.
func (s *handler) followableProcesses(f *planProgram) []string {
	var out []string
	for _, ns := range f.Processes {
		if followable(s.procs[ns].state) {
			out = append(out, ns)
		}
	}
	return out
}

// restartFollower hands the restart of f's processes procs to the
// Restarter, held stopped until what f follows is up again if hold, and
// returns how many it took. A spent budget is reported: the process is
// left as it is.
func (s *handler) restartFollower(f, cause *planProgram, procs []string, hold bool) int {
	n := 0
	for _, ns := range procs {
		req := restart.Request{Name: ns, Done: func(ctx context.Context, out restart.Outcome) { s.restarted(f, cause, hold, out) }}
		if hold {
			name := f.Name
			req.Hold = func(ctx context.Context) error { return s.holdUntilUp(ctx, name) }
		}
		err := s.restarter.Restart(req)
		var be *restart.BudgetError
		switch {
		case err == nil:
			n++
		case errors.As(err, &be):
			msg := fmt.Sprintf("not restarting %s after %s left RUNNING: %v; it is left as it is", ns, cause.Name, err)
			s.logf(slog.LevelError, "%s", msg)
			if be.First {
				s.notify(s.factsKey("budget spent", f, append(s.runs(cause), ns)...), ns+": restart budget spent", msg)
			}
		case errors.Is(err, restart.ErrInFlight):
			n++ // the restart under way serves
		}
	}
	return n
}

// holdUntilUp returns once every program the follower named name follows
// is up, or when the listener stops.
func (s *handler) holdUntilUp(ctx context.Context, name string) error {
	for {
		s.mu.Lock()
		ready := s.followsUp(name)
		ch := s.changed
		s.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.holds.Done():
			return errHoldEnded
		}
	}
}

// followsUp reports whether everything the program named name follows is
// up. A program no longer in the plan follows nothing.
func (s *handler) followsUp(name string) bool {
	for _, prog := range s.plan.Programs {
		if prog.Name != name {
			continue
		}
		for _, dep := range prog.Follows {
			if !s.progs[dep].up {
				return false
			}
		}
	}
	return true
}

// hasFollowers reports whether any program of the plan has followers.
func (s *handler) hasFollowers() bool {
	for _, prog := range s.plan.Programs {
		if len(prog.Followers) > 0 {
			return true
		}
	}
	return false
}

// holding reports whether a followed program is down, so that the loop
// watches for its coming back even if its event is lost.
func (s *handler) holding() bool {
	for _, prog := range s.plan.Programs {
		if s.progs[prog].wentDown {
			return true
		}
	}
	return false
}

// changedState wakes the held starts and the loop. The caller holds s.mu.
func (s *handler) changedState() {
	close(s.changed)
	s.changed = make(chan struct{})
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// restarted reports how the stop and start of one of f's processes went,
// from the Restarter's goroutine.
func (s *handler) restarted(f, cause *planProgram, held bool, out restart.Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch err := out.Err(); {
	case errors.Is(err, errHoldEnded) || out.Interrupted:
		s.logf(slog.LevelWarn, "%s stays stopped: the listener stopped while waiting for %s to be RUNNING again; start it with supervisorctl start %s", out.Name, cause.Name, out.Name)
	case err != nil:
		what := "restart"
		if held {
			what = "start again"
		}
		msg := fmt.Sprintf("%s: the %s after %s left RUNNING failed: %s", out.Name, what, cause.Name, restart.Describe(err))
		s.logf(slog.LevelError, "%s", msg)
		s.notify(s.factsKey(what+" failed", f, append(s.runs(cause), out.Name)...), out.Name+": "+what+" failed", msg)
	case held:
		verb := "is"
		if len(f.Follows) > 1 {
			verb = "are"
		}
		s.logf(slog.LevelInfo, "started %s again: %s %s RUNNING", out.Name, joinNames(f.Follows), verb)
	default:
		s.logf(slog.LevelInfo, "restarted %s: %s is RUNNING again", out.Name, cause.Name)
	}
}

func joinNames(progs []*planProgram) string {
	names := make([]string, len(progs))
	for i, p := range progs {
		names[i] = p.Name
	}
	return strings.Join(names, " and ")
}
