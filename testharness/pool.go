package testharness

import (
	"errors"
	"math"
	"syscall"

	"github.com/golance/golance/listener"
)

// pool is supervisord's EventListenerPool: an event buffer and the
// subscriptions of one [eventlistener:x] section.
type pool struct {
	g          *group
	events     []listener.EventType
	bufferSize int
	buffer     []*event
	serial     int64 // last pool serial handed out; -1 before the first
	judge      func(ev Event, body []byte) error
}

// event is one notified event on its way through the pools. The same
// object is shared by every pool that accepted it, which is how a
// rebuffered event keeps its serials.
type event struct {
	Event
	serial      int64 // -1 until a pool accepts it
	poolSerials map[*pool]int64
}

// nextSerial is supervisord's new_serial: counters start at 0 and wrap to
// 0 after the largest int.
func nextSerial(last *int64) int64 {
	if *last == math.MaxInt64 {
		*last = -1
	}
	*last++
	return *last
}

// notifyLocked is supervisord's events.notify for an event: every pool, in
// creation order, accepts it once per subscribed type the event is an
// instance of — so overlapping subscriptions give duplicates.
func (s *Supervisor) notifyLocked(ev Event) *event {
	e := &event{Event: ev, serial: -1}
	accepted := 0
	for _, p := range s.pools {
		for _, t := range p.events {
			if ev.Type.Is(t) {
				p.accept(e, false)
				accepted++
			}
		}
	}
	s.record(Record{Kind: RecordNotified, EventName: ev.Type, Payload: ev.Payload, Serial: e.serial, PoolSerial: -1, Accepted: accepted})
	s.mutated()
	return e
}

// accept is EventListenerPool._acceptEvent.
func (p *pool) accept(e *event, head bool) {
	s := p.g.procs[0].s
	if e.serial < 0 {
		e.serial = nextSerial(&s.globalSerial)
	}
	if e.poolSerials == nil {
		e.poolSerials = map[*pool]int64{}
	}
	if _, ok := e.poolSerials[p]; !ok {
		e.poolSerials[p] = nextSerial(&p.serial)
	}
	if len(p.buffer) >= p.bufferSize && len(p.buffer) > 0 {
		discarded := p.buffer[0]
		p.buffer = p.buffer[1:]
		s.logf(levelError, "pool %s event buffer overflowed, discarding event %d", p.g.name, discarded.serial)
		s.record(Record{Kind: RecordOverflow, Pool: p.g.name, Serial: discarded.serial,
			PoolSerial: discarded.poolSerials[p], EventName: discarded.Type, Payload: discarded.Payload})
	}
	if head {
		p.buffer = append(p.buffer, nil)
		copy(p.buffer[1:], p.buffer)
		p.buffer[0] = e
	} else {
		p.buffer = append(p.buffer, e)
	}
	s.mutated()
}

// transition is EventListenerPool.transition: move each process along,
// then dispatch if any listener can take an event.
func (p *pool) transition() {
	capable := false
	for _, pr := range p.g.procs {
		pr.transition()
		if pr.state == listener.StateRunning && pr.proto != nil && pr.proto.State() == ListenerReady {
			capable = true
		}
	}
	if capable {
		p.dispatch()
	}
}

// dispatch sends buffered events, oldest first, until no listener is free.
// supervisord pops the head and puts it back when nobody takes it; leaving
// it in place is the same and keeps a long buffer from being copied.
func (p *pool) dispatch() {
	for len(p.buffer) > 0 {
		if !p.dispatchEvent(p.buffer[0]) {
			return
		}
		p.buffer[0] = nil
		p.buffer = p.buffer[1:]
	}
}

// dispatchEvent writes e to the first RUNNING, READY listener in
// configuration order.
func (p *pool) dispatchEvent(e *event) bool {
	s := p.g.procs[0].s
	poolSerial := e.poolSerials[p]
	for _, pr := range p.g.procs {
		if pr.state != listener.StateRunning || pr.proto == nil || pr.proto.State() != ListenerReady {
			continue
		}
		env := envelope(s.identifier, e.serial, p.g.name, poolSerial, e.Event)
		if err := pr.write(env, e, poolSerial); err != nil {
			if errors.Is(err, syscall.EPIPE) {
				s.logf(levelDebug, "epipe occurred while sending event %d to listener %s, listener state unchanged", e.serial, pr.spec.name)
				continue
			}
			s.logf(levelError, "writing event %d to listener %s: %v", e.serial, pr.spec.name, err)
			continue
		}
		pr.event = e
		pr.applyState(pr.proto.Sent())
		s.logf(levelDebug, "event %d sent to listener %s", e.serial, pr.spec.name)
		return true
	}
	return false
}

// handleRejected is every pool's EventRejectedEvent subscriber. supervisord
// decides whether the rejecting process belongs to a pool with "process in
// pool.processes", and Subprocess.__eq__ compares priorities: so the event
// is rebuffered into every pool holding a process of the same priority,
// subscribed to its type or not.
func (s *Supervisor) handleRejected(rejecter *subprocess, e *event, reason string) {
	for _, p := range s.pools {
		member := false
		for _, pr := range p.g.procs {
			if pr.spec.priority == rejecter.spec.priority {
				member = true
				break
			}
		}
		if !member {
			continue
		}
		p.accept(e, true)
		s.record(Record{Kind: RecordRebuffer, Pool: p.g.name, Process: rejecter.namespec(), Serial: e.serial,
			PoolSerial: e.poolSerials[p], EventName: e.Type, Payload: e.Payload, Reason: reason})
	}
}
