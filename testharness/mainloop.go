package testharness

import "time"

// settle runs supervisord's main loop body until nothing changes: the
// shutdown phases, every group's transition (where pools dispatch), and
// reaping. supervisord gets there over several one-second iterations; the
// order of what happens is the same. The caller holds s.mu.
func (s *Supervisor) settle() {
	if s.settling {
		return
	}
	s.settling = true
	defer func() { s.settling = false }()
	for range 1000 {
		before := s.mutations
		if s.mood < moodRunning {
			if !s.stopping {
				s.stopping = true
				s.stopGroups = s.sortedGroups()
				s.notifyLocked(NewSupervisorStoppingEvent())
			}
			if n := len(s.stopGroups); n > 0 {
				s.stopAll(s.stopGroups[n-1])
			}
		}
		for _, g := range s.sortedGroups() {
			if g.pool != nil {
				g.pool.transition()
			} else {
				for _, p := range g.procs {
					p.transition()
				}
			}
		}
		s.reap()
		if s.mood < moodRunning {
			if n := len(s.stopGroups); n > 0 && groupStopped(s.stopGroups[n-1]) {
				s.stopGroups = s.stopGroups[:n-1]
				s.mutated()
			}
			if s.mood == moodRestarting && len(s.stopGroups) == 0 && len(s.unstoppedLocked()) == 0 && !s.closed {
				s.restartLocked()
			}
		}
		if s.mutations == before {
			break
		}
	}
	s.armTimer()
	s.flushMainLog()
	s.broadcast()
}

// beginShutdownLocked sets the SHUTDOWN mood: from now on XML-RPC calls
// fault with SHUTDOWN_STATE and settle stops the groups in order.
func (s *Supervisor) beginShutdownLocked() {
	if s.mood < moodRunning {
		return
	}
	s.mood = moodShutdown
	s.logf(levelWarn, "received SIGTERM indicating exit request")
}

// beginRestartLocked sets the RESTARTING mood: the groups are stopped in
// order, as for a shutdown, and then built and started again from the
// configuration (see restartLocked).
func (s *Supervisor) beginRestartLocked() {
	if s.mood < moodRunning {
		return
	}
	s.mood = moodRestarting
	s.logf(levelWarn, "received SIGHUP indicating restart request")
}

// restartLocked is supervisord's second pass through Supervisor.run after
// a restart: new groups and pools (pool serials start again at 0; the
// global serial does not), PROCESS_GROUP_ADDED for each, then
// SUPERVISOR_STATE_CHANGE_RUNNING. Process handles taken before the
// restart keep describing the old, stopped processes.
func (s *Supervisor) restartLocked() {
	for _, g := range s.groups {
		for _, p := range g.procs {
			p.closeLogs()
		}
	}
	s.groups, s.pools, s.procs = nil, nil, map[string]*subprocess{}
	s.stopping, s.stopGroups = false, nil
	s.mood = moodRunning
	for _, gs := range s.groupSpecs {
		if err := s.addGroupLocked(gs); err != nil {
			s.logf(levelCritical, "restarting: %v", err)
			s.mood = moodFatal
			return
		}
	}
	s.notifyLocked(NewSupervisorRunningEvent())
}

// unstoppedLocked lists the processes not in a stopped state.
func (s *Supervisor) unstoppedLocked() []*subprocess {
	var out []*subprocess
	for _, g := range s.groups {
		for _, p := range g.procs {
			if !p.state.IsStopped() {
				out = append(out, p)
			}
		}
	}
	return out
}

// reap finishes the processes that exited.
func (s *Supervisor) reap() {
	for len(s.pendingExits) > 0 {
		pe := s.pendingExits[0]
		s.pendingExits = s.pendingExits[1:]
		if pe.c.p.child == pe.c {
			pe.c.p.finish(pe.st)
		}
	}
}

// queueExit hands a reaped child to the next settle.
func (s *Supervisor) queueExit(c *child, st exitStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.exitQueued {
		return
	}
	c.exitQueued = true
	s.pendingExits = append(s.pendingExits, pendingExit{c: c, st: st})
	s.mutated()
	s.settle()
}

// onOutput handles output read from a child.
func (s *Supervisor) onOutput(c *child, ch Channel, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := c.p
	if p.child != c {
		return // the dispatchers of a finished spawn are gone
	}
	if ch == Stderr {
		p.stderrSeen.Write(data)
	}
	switch {
	case ch == Stdout && p.isListener():
		p.onListenerOutput(data)
	case ch == Stdout:
		c.out.feed(data)
	default:
		c.errOut.feed(data)
	}
	s.mutated()
	s.settle()
}

// armTimer schedules the next clock-driven transition (startsecs, backoff
// retry, SIGKILL after stopwaitsecs).
func (s *Supervisor) armTimer() {
	var next time.Time
	for _, g := range s.groups {
		for _, p := range g.procs {
			if at, ok := p.nextDeadline(); ok && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
	}
	if next.Equal(s.timerAt) && s.timer != nil {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.timerAt = next
	now := s.clock.Now()
	// A deadline that already fired and changed nothing would fire again
	// at once, forever; the next change re-arms the timer anyway.
	if next.IsZero() || s.closedAndDone() || (next.Equal(s.firedAt) && !next.After(now)) {
		return
	}
	s.timer = s.clock.AfterFunc(next.Sub(now), func() {
		s.mu.Lock()
		s.timer = nil
		s.timerAt = time.Time{}
		s.firedAt = next
		s.mutated()
		s.settle()
		s.mu.Unlock()
	})
}

func (s *Supervisor) closedAndDone() bool {
	return s.closed && len(s.unstoppedLocked()) == 0
}

// mutated notes that state changed, so settle goes round again and waiters
// look again.
func (s *Supervisor) mutated() { s.mutations++ }

// broadcast wakes every waiter.
func (s *Supervisor) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}
