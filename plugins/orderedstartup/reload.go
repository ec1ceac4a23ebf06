package orderedstartup

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/golance/golance/listener"
)

// groupChanged follows supervisorctl update: on a PROCESS_GROUP_ADDED or
// PROCESS_GROUP_REMOVED event it makes the plan again (replan). key is
// the event's (outbox.EventKey), for the report of a configuration that
// cannot be used. The caller holds s.mu.
func (s *handler) groupChanged(ctx context.Context, event listener.EventType, group, key string) {
	if s.reload == nil || (event == listener.ProcessGroupAdded && s.plan.groups[group]) {
		// A group the plan was made with: supervisord announces every
		// group when it starts, before this listener is up.
		return
	}
	if event == listener.ProcessGroupRemoved {
		// Its processes are gone; any of the same names later are new.
		for ns, p := range s.procs {
			if p.program.Group == group {
				delete(s.procs, ns)
			}
		}
	}
	plan, err := s.reload(ctx)
	if err != nil {
		msg := fmt.Sprintf("cannot follow supervisorctl update (%s %s): %v; keeping the plan read before", event, group, err)
		if s.reloadFailure.FailAs(err.Error(), msg) {
			s.notify(key, "cannot follow supervisorctl update", msg)
		}
		s.adopt(s.plan) // records for the processes dropped above
		return
	}
	s.reloadFailure.Recover("the configuration can be used again")
	s.editPending.Recover("the configuration can be used")
	s.replan(ctx, plan, fmt.Sprintf("after %s %s (supervisorctl update)", event, group))
}

// fileChanged follows an edit of the configuration files that no event
// announces, such as one of ordered-startup's own keys (dependent_startup_wait_for,
// dependent_runtime): the plan is made again from the files as they are
// now, against what supervisord runs now. An edit that cannot be used yet
// is not an error: the file may be saved before supervisorctl update adds
// what it names, or halfway through. It is said once, at INFO, and the
// plan read before stays until the next edit or group event. The caller
// holds s.mu.
func (s *handler) fileChanged(ctx context.Context) {
	if s.reload == nil {
		return
	}
	plan, err := s.reload(ctx)
	if err != nil {
		s.editPending.FailAs(err.Error(), fmt.Sprintf("the configuration changed and cannot be used yet (%v); keeping the plan read before until the next change or supervisorctl update", err))
		return
	}
	s.editPending.Recover("the configuration can be used")
	if planString(plan) == planString(s.plan) {
		// An edit of something else, such as a program's command=,
		// which waits for supervisorctl update.
		s.adopt(plan)
		s.plan = plan
		return
	}
	s.replan(ctx, plan, "after a change to its files")
}

// replan carries on with plan, made again from the configuration, as a
// restarted listener would, keeping what it knows of the programs of
// both plans: that it announced, reported or stopped them. A group added
// is started in order like any; a changed wait or dependent_runtime takes
// effect at once. why says what made it, for the log. The caller holds
// s.mu.
func (s *handler) replan(ctx context.Context, plan *startPlan, why string) {
	before := planString(s.plan)
	s.adopt(plan)
	if after := planString(plan); after != before {
		s.logf(slog.LevelInfo, "configuration read again %s: the plan changed", why)
		for _, w := range plan.Warnings {
			if !slices.Contains(s.plan.Warnings, w) {
				s.logf(slog.LevelWarn, "%s", w)
			}
		}
		for i, layer := range plan.Layers {
			names := make([]string, len(layer))
			for j, prog := range layer {
				names[j] = prog.Name
			}
			s.logf(slog.LevelInfo, "layer %d: %s", i+1, strings.Join(names, ", "))
		}
	}
	s.plan = plan
	if len(plan.Programs) > 0 {
		s.done = false
		s.reconcile(ctx, s.cfg.clock.Now())
		select {
		case s.wake <- struct{}{}: // the loop polls again while startup is under way
		default:
		}
	}
}

// adopt moves the handler's records onto plan, by process and program
// name; it does not set s.plan.
func (s *handler) adopt(plan *startPlan) {
	oldProgs := map[string]*programState{}
	for prog, st := range s.progs {
		oldProgs[prog.Name] = st
	}
	byName := map[string]*planProgram{}
	for _, prog := range plan.Programs {
		byName[prog.Name] = prog
	}
	procs := map[string]*process{}
	progs := map[*planProgram]*programState{}
	for _, prog := range plan.Programs {
		st := &programState{}
		if old := oldProgs[prog.Name]; old != nil {
			// What was said stays said, and what went down is still down;
			// starts are decided again from the process states.
			*st = programState{preexisting: old.preexisting, failure: old.failure, backoff: old.backoff,
				announced: old.announced || !old.launched.IsZero(), up: old.up, wentDown: old.wentDown}
			for _, f := range old.toRestart {
				if nf := byName[f.Name]; nf != nil && nf.Runtime == runtimeRestart {
					st.toRestart = append(st.toRestart, nf)
				}
			}
		}
		progs[prog] = st
		for _, ns := range prog.Processes {
			p := s.procs[ns]
			if p == nil {
				p = &process{name: ns}
			}
			p.program = prog
			procs[ns] = p
		}
	}
	s.procs, s.progs = procs, progs
}

func planString(p *startPlan) string {
	var b strings.Builder
	p.WriteTo(&b)
	return b.String()
}
