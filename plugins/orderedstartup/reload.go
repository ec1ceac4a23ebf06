package orderedstartup

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/golance/golance/listener"
)

// replan follows supervisorctl update: on a PROCESS_GROUP_ADDED or
// PROCESS_GROUP_REMOVED event it reads the configuration again, makes the
// plan again against what supervisord runs now, and carries on with it as
// a restarted listener would, keeping what it knows of the programs of
// both plans: that it announced, reported or stopped them. A group added
// is started in order like any; a changed wait or dependent_runtime takes
// effect at once (a change to ordered-startup's keys alone is not one
// supervisord sees: it takes effect at the next group added or removed).
// A configuration that cannot be used is said once, and
// the previous plan kept; key is the event's (outbox.EventKey), for the
// report of that. The caller holds s.mu.
func (s *handler) replan(ctx context.Context, event listener.EventType, group, key string) {
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
	before := planString(s.plan)
	s.adopt(plan)
	if after := planString(plan); after != before {
		s.logf(slog.LevelInfo, "configuration read again after %s %s (supervisorctl update): the plan changed", event, group)
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
