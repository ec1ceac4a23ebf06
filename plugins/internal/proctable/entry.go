package proctable

import "github.com/golance/golance/listener"

// entry is the table's record of one process: the Process it reports,
// and how far to trust it.
//
// An entry moves by two kinds of news. supervisord's answers
// (getAllProcessInfo, getProcessInfo) are the truth at the moment of the
// answer; PROCESS_STATE events are the truth at the moment of the
// transition, delivered later, in order. An answer can therefore be ahead
// of the events still in the pool's buffer: after one, the entry is
// ahead, and an event that the answer already accounts for is stale and
// ignored, rather than taking the entry back in time. The first event
// that continues from the answer's state, or that leads to it, ends that.
type entry struct {
	Process
	key key
	// pidKnown is false in STARTING after an event: there is a pid, not
	// yet told.
	pidKnown bool
	ahead    bool
	// check asks the next Check to ask supervisord about this process:
	// an event did not follow from the state the table knew, or its pid
	// could not be found among supervisord's children.
	check bool
	// unwatched marks a pid supervisord confirmed but /proc does not show
	// as its child (the harness's made-up pids): /proc cannot follow it,
	// so no Check asks about it again until it changes.
	unwatched bool
	lostPID   int    // a pid /proc did not show as supervisord's child
	mark      uint64 // the last refresh or Check round that saw it
}

// key names a process without allocating a namespec.
type key struct{ group, name string }

// pending reports whether the process may change state without any pid
// appearing or vanishing, so that a Check must ask supervisord rather than
// trust /proc: STARTING becomes RUNNING after startsecs with the same pid;
// BACKOFF, which has none, becomes FATAL, STARTING (which may fail before
// forking) or STOPPED.
func (e *entry) pending() bool {
	return e.check || e.State == listener.StateStarting || e.State == listener.StateBackoff
}

// poll applies supervisord's answer about the process, and reports what
// the table said before and whether that changed.
func (e *entry) poll(p Process) (old Process, changed bool) {
	old = e.Process
	changed = differs(old, p) || !e.pidKnown
	if changed {
		e.unwatched = false
	}
	e.Process = p
	e.pidKnown = true
	e.ahead = true
	e.check = false
	return old, changed
}

// differs reports whether a Change is due between a and b: another state,
// pid or log file.
func differs(a, b Process) bool {
	return a.State != b.State || a.PID != b.PID || a.StdoutLogfile != b.StdoutLogfile || a.StderrLogfile != b.StderrLogfile
}

// event applies a PROCESS_STATE event. It reports what the table said
// before, whether that changed, and whether the event was stale: older
// than what the table knew from an answer.
func (e *entry) event(ev listener.ProcessStateEvent) (old Process, changed, stale bool) {
	old = e.Process
	// An event's pid is that of the run it is about (RUNNING, STOPPING,
	// STOPPED, EXITED; "STOPPED pid:0" after BACKOFF has none). It agrees
	// with the entry unless both name a run and they differ.
	agrees := ev.PID == 0 || e.PID == 0 || ev.PID == e.PID
	switch {
	case e.ahead && ev.State == e.State && agrees:
		// The transition the answer already showed.
		e.ahead = false
		return old, false, false
	case e.ahead && ev.FromState == e.State && agrees:
		e.ahead = false
	case e.ahead:
		return old, false, true
	case ev.FromState == e.State && agrees:
	case ev.State == e.State && agrees:
		return old, false, false // delivered again
	default:
		// Events were missed: a pool that overflowed, or a subscription
		// to some PROCESS_STATE types only. This one is news, but the
		// next Check confirms it.
		e.check = true
	}
	keep := !e.check && keepsDetails(ev.FromState, ev.State)
	e.State = ev.State
	switch ev.State {
	case listener.StateRunning, listener.StateStopping:
		e.PID, e.pidKnown = ev.PID, true
	case listener.StateStarting:
		e.PID, e.pidKnown = 0, false
	case listener.StateUnknown:
		// supervisord keeps the pid it could not signal.
	default:
		e.PID, e.pidKnown = 0, true
	}
	if !keep {
		e.Detailed, e.Start, e.Stop, e.ExitStatus, e.SpawnErr = false, 0, 0, 0, ""
	}
	if e.PID != old.PID {
		e.unwatched = false
	}
	return old, true, false
}

// keepsDetails reports whether supervisord leaves laststart, laststop,
// exitstatus and spawnerr as they were in the transition from → to
// (supervisor/process.py): only spawn() (into STARTING) and finish() (into
// BACKOFF, EXITED, or STOPPED from STOPPING) write them, and a BACKOFF
// that follows a failed spawn sets spawnerr.
func keepsDetails(from, to listener.State) bool {
	switch to {
	case listener.StateRunning:
		return from == listener.StateStarting
	case listener.StateStopping, listener.StateUnknown, listener.StateFatal:
		return true
	case listener.StateStopped:
		return from == listener.StateBackoff
	}
	return false
}
