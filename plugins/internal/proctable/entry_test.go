package proctable

import (
	"testing"

	"github.com/golance/golance/listener"
)

const (
	stopped  = listener.StateStopped
	starting = listener.StateStarting
	running  = listener.StateRunning
	backoff  = listener.StateBackoff
	stopping = listener.StateStopping
	exited   = listener.StateExited
	fatal    = listener.StateFatal
	unknown  = listener.StateUnknown
)

// ev builds the PROCESS_STATE event of a transition, with the pid
// supervisord puts in it (0 where it puts none).
func ev(from, to listener.State, pid int) listener.ProcessStateEvent {
	return listener.ProcessStateEvent{ProcessName: "web", GroupName: "web", FromState: from, State: to, PID: pid}
}

func answer(state listener.State, pid int) Process {
	return Process{Group: "web", Name: "web", State: state, PID: pid, Detailed: true, Start: 100, Stop: 90, ExitStatus: 2}
}

func TestEntryEvents(t *testing.T) {
	type step struct {
		event   listener.ProcessStateEvent
		state   listener.State
		pid     int
		changed bool
		stale   bool
		check   bool
	}
	for _, tc := range []struct {
		name  string
		from  Process // the answer the entry starts from
		steps []step
	}{
		{
			name: "events still queued when the table was loaded are stale",
			from: answer(running, 42),
			steps: []step{
				{event: ev(stopped, starting, 0), state: running, pid: 42, stale: true},
				{event: ev(starting, running, 42), state: running, pid: 42},
				{event: ev(running, exited, 42), state: exited, changed: true},
			},
		},
		{
			name: "the event that continues from the answer ends the wait",
			from: answer(running, 42),
			steps: []step{
				{event: ev(running, stopping, 42), state: stopping, pid: 42, changed: true},
				{event: ev(stopping, stopped, 42), state: stopped, changed: true},
			},
		},
		{
			name: "an older run's events are stale",
			from: answer(running, 50),
			steps: []step{
				{event: ev(running, exited, 42), state: running, pid: 50, stale: true},
				{event: ev(exited, starting, 0), state: running, pid: 50, stale: true},
				{event: ev(starting, running, 50), state: running, pid: 50},
				{event: ev(running, exited, 50), state: exited, changed: true},
			},
		},
		{
			name: "STARTING has a pid not yet told",
			from: answer(exited, 0),
			steps: []step{
				{event: ev(exited, starting, 0), state: starting, changed: true},
				{event: ev(starting, running, 61), state: running, pid: 61, changed: true},
				{event: ev(starting, running, 61), state: running, pid: 61}, // delivered again
			},
		},
		{
			name: "a backoff loop to FATAL",
			from: answer(stopped, 0),
			steps: []step{
				{event: ev(stopped, starting, 0), state: starting, changed: true},
				{event: ev(starting, backoff, 0), state: backoff, changed: true},
				{event: ev(backoff, starting, 0), state: starting, changed: true},
				{event: ev(starting, backoff, 0), state: backoff, changed: true},
				{event: ev(backoff, fatal, 0), state: fatal, changed: true},
			},
		},
		{
			name: "a stop during BACKOFF has pid 0",
			from: answer(backoff, 0),
			steps: []step{
				{event: ev(backoff, stopped, 0), state: stopped, changed: true},
			},
		},
		{
			name: "UNKNOWN keeps the pid supervisord could not signal",
			from: answer(running, 42),
			steps: []step{
				{event: ev(running, unknown, 0), state: unknown, pid: 42, changed: true},
			},
		},
		{
			name: "missed events: the event is news, and the next Check confirms it",
			from: answer(running, 42),
			steps: []step{
				{event: ev(running, stopping, 42), state: stopping, pid: 42, changed: true},
				// STOPPED, STARTING and RUNNING lost to a full buffer.
				{event: ev(running, exited, 77), state: exited, changed: true, check: true},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &entry{}
			e.poll(tc.from)
			for i, s := range tc.steps {
				_, changed, stale := e.event(s.event)
				if e.State != s.state || e.PID != s.pid || changed != s.changed || stale != s.stale || e.check != s.check {
					t.Fatalf("step %d (%v -> %v pid %d): got %v pid %d changed %v stale %v check %v; want %v pid %d changed %v stale %v check %v",
						i+1, s.event.FromState, s.event.State, s.event.PID, e.State, e.PID, changed, stale, e.check,
						s.state, s.pid, s.changed, s.stale, s.check)
				}
			}
		})
	}
}

// TestEntryDetails checks which transitions keep supervisord's laststart,
// laststop, exitstatus and spawnerr (supervisor/process.py: spawn() and
// finish() write them).
func TestEntryDetails(t *testing.T) {
	for _, tc := range []struct {
		from Process
		ev   listener.ProcessStateEvent
		keep bool
	}{
		{answer(starting, 42), ev(starting, running, 42), true},
		{answer(running, 42), ev(running, stopping, 42), true},
		{answer(starting, 42), ev(starting, stopping, 42), true},
		{answer(backoff, 0), ev(backoff, fatal, 0), true},
		{answer(backoff, 0), ev(backoff, stopped, 0), true},
		{answer(running, 42), ev(running, unknown, 0), true},
		{answer(exited, 0), ev(exited, starting, 0), false},
		{answer(starting, 42), ev(starting, backoff, 0), false},
		{answer(running, 42), ev(running, exited, 42), false},
		{answer(stopping, 42), ev(stopping, stopped, 42), false},
		// After missed events nothing is known to be kept.
		{answer(stopped, 0), ev(starting, running, 42), false},
	} {
		e := &entry{}
		e.poll(tc.from)
		e.ahead = false
		e.event(tc.ev)
		kept := e.Detailed && e.Start == tc.from.Start && e.Stop == tc.from.Stop && e.ExitStatus == tc.from.ExitStatus
		cleared := !e.Detailed && e.Start == 0 && e.Stop == 0 && e.ExitStatus == 0 && e.SpawnErr == ""
		if tc.keep && !kept || !tc.keep && !cleared {
			t.Errorf("%v -> %v: details %+v, want them kept: %v", tc.ev.FromState, tc.ev.State, e.Process, tc.keep)
		}
	}
}

func TestEntryPollReportsChanges(t *testing.T) {
	e := &entry{}
	if _, changed := e.poll(answer(running, 42)); !changed {
		t.Error("first answer: no change")
	}
	if _, changed := e.poll(answer(running, 42)); changed {
		t.Error("same answer: a change")
	}
	b := answer(running, 42)
	b.Start, b.ExitStatus = 200, 0
	if _, changed := e.poll(b); changed || e.Start != 200 {
		t.Errorf("new details: changed %v, start %d; want the details taken without a Change", changed, e.Start)
	}
	e.event(ev(running, exited, 42))
	e.event(ev(exited, starting, 0))
	if _, changed := e.poll(answer(starting, 43)); !changed {
		t.Error("pid told for STARTING: no change")
	}
	if !e.pending() {
		t.Error("STARTING is not pending")
	}
}
