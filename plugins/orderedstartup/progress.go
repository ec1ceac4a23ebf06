package orderedstartup

import (
	"slices"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// stateSet is a set of process states, one bit per state.
type stateSet uint16

func stateBit(s listener.State) stateSet {
	if i := slices.Index(listener.States, s); i >= 0 {
		return 1 << i
	}
	return 0
}

func (ss stateSet) has(s listener.State) bool { return ss&stateBit(s) != 0 }

func (ss *stateSet) add(states ...listener.State) {
	for _, s := range states {
		*ss |= stateBit(s)
	}
}

// process is what the listener knows about one process: the states it has
// reached since the listener started (or, for what happened before, that
// its current state implies), and its latest state.
type process struct {
	name    string
	program *planProgram
	// reached holds every state the process has been seen in or must
	// have passed through. EXITED is only there for an exit with an
	// expected code (or any exit with --any-exit).
	reached stateSet
	state   listener.State
	info    rpc.ProcessInfo // the latest getAllProcessInfo entry
	// launched reports that the process has been started at least once:
	// by this listener, by supervisord (autostart) or by hand.
	launched bool
	// badExit reports an exit with a code not in exitcodes, not yet
	// followed by an expected one.
	badExit bool
}

// sawState records a PROCESS_STATE event. The event's expected flag
// decides an EXITED.
func (p *process) sawState(s listener.State, expected, anyExit bool) {
	p.state = s
	if s != listener.StateStopped {
		p.launched = true
		p.reached.add(listener.StateStarting)
	}
	switch s {
	case listener.StateExited:
		// A process only gets to EXITED from RUNNING.
		p.reached.add(listener.StateRunning)
		p.exited(expected || anyExit)
	case listener.StateFatal:
		p.reached.add(listener.StateBackoff, listener.StateFatal)
	default:
		p.reached.add(s)
	}
}

// sawInfo records a getAllProcessInfo entry, inferring the states the
// process must have gone through to be where it is: this is how a
// listener that restarts mid-way learns what happened before it.
func (p *process) sawInfo(info rpc.ProcessInfo, anyExit bool) {
	p.info = info
	p.state = info.State
	if info.State != listener.StateStopped || info.Start != 0 {
		p.launched = true
	}
	switch info.State {
	case listener.StateStopped:
		if info.Start != 0 {
			p.reached.add(listener.StateStopped)
		}
	case listener.StateRunning:
		p.reached.add(listener.StateStarting, listener.StateRunning)
	case listener.StateBackoff:
		p.reached.add(listener.StateStarting, listener.StateBackoff)
	case listener.StateFatal:
		p.reached.add(listener.StateStarting, listener.StateBackoff, listener.StateFatal)
	case listener.StateExited:
		p.reached.add(listener.StateStarting, listener.StateRunning)
		p.exited(anyExit || slices.Contains(p.program.ExitCodes, info.ExitStatus))
	default:
		p.reached.add(info.State)
	}
}

func (p *process) exited(expected bool) {
	if expected {
		p.reached.add(listener.StateExited)
		p.badExit = false
	} else if !p.reached.has(listener.StateExited) {
		p.badExit = true
	}
}
