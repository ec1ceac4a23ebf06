package testharness

import "github.com/golance/golance/listener"

// group is a process group: a [program:x], a [group:x] or an
// [eventlistener:x] pool (then pool is set).
type group struct {
	name     string
	priority int
	procs    []*subprocess // in configuration order
	pool     *pool
}

// addGroupLocked is Supervisor.add_process_group: build the group (a pool
// subscribes as it is built) and notify PROCESS_GROUP_ADDED.
func (s *Supervisor) addGroupLocked(gs groupSpec) error {
	g := &group{name: gs.name, priority: gs.priority}
	if gs.pool {
		g.pool = &pool{g: g, events: gs.events, bufferSize: gs.bufferSize, serial: -1, judge: gs.judge}
	}
	for _, spec := range gs.procs {
		p := &subprocess{s: s, g: g, spec: spec, state: listener.StateStopped}
		switch {
		case spec.cfg.Command != nil:
			p.kind = kindExec
		case spec.cfg.Run != nil:
			p.kind = kindFunc
		default:
			p.kind = kindVirtual
		}
		var err error
		if p.stdoutLog, err = s.openChildLog(p, Stdout, spec.cfg.StdoutLogfile); err != nil {
			return err
		}
		if !spec.cfg.RedirectStderr {
			if p.stderrLog, err = s.openChildLog(p, Stderr, spec.cfg.StderrLogfile); err != nil {
				return err
			}
		}
		g.procs = append(g.procs, p)
		s.procs[p.namespec()] = p
	}
	s.groups = append(s.groups, g)
	if g.pool != nil {
		s.pools = append(s.pools, g.pool)
	}
	s.logf(levelInfo, "added process group %s", g.name)
	s.notifyLocked(NewProcessGroupAddedEvent(g.name))
	return nil
}

func groupStopped(g *group) bool {
	for _, p := range g.procs {
		if !p.state.IsStopped() {
			return false
		}
	}
	return true
}

// stopAll is ProcessGroupBase.stop_all: in descending priority order, stop
// what runs and give up on what is backing off.
func (s *Supervisor) stopAll(g *group) {
	procs := byPriority(g.procs)
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		switch p.state {
		case listener.StateRunning, listener.StateStarting:
			p.stop()
		case listener.StateBackoff:
			p.giveUp()
		}
	}
}
