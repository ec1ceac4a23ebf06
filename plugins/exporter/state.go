package exporter

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/proctable"
)

// state is everything the exporter serves. The handler changes it, one
// event at a time; the sampler adds what /proc shows; scrapes and the
// status page read it, and never wait for supervisord.
type state struct {
	mu    sync.RWMutex
	procs map[procKey]*process
	sup   supervisor
	// lastTick is when the last TICK event arrived; zero before one.
	lastTick time.Time
	// events are the most recent PROCESS_STATE events, oldest first.
	events []eventRecord

	// The sample clock: the times of the last len(times) samples, a ring
	// whose next slot is head; every process's history shares it.
	times []time.Time
	head  int
	n     int

	// order is procs sorted, nil when procs changed since; orderMu lets
	// readers holding mu for reading make it.
	orderMu sync.Mutex
	order   []*process
}

type procKey struct{ group, name string }

// sorted returns the processes sorted by group and name, as scrapes and
// the status page list them; call it with mu held (read is enough).
func (s *state) sorted() []*process {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if s.order == nil {
		s.order = make([]*process, 0, len(s.procs))
		for _, p := range s.procs {
			s.order = append(s.order, p)
		}
		sort.Slice(s.order, func(i, j int) bool {
			a, b := s.order[i], s.order[j]
			if a.group != b.group {
				return a.group < b.group
			}
			return a.name < b.name
		})
	}
	return s.order
}

// supervisor is what the exporter knows of supervisord itself.
type supervisor struct {
	// up reports that supervisord answered the last call the exporter
	// made (at start, or when the process table asked it something).
	up             bool
	state          rpc.SupervisorState
	stateKnown     bool
	version        string
	identification string
}

// eventRecord is one PROCESS_STATE event, for the status page.
type eventRecord struct {
	at          time.Time
	group, name string
	from, to    listener.State
	expected    bool
	pid         int
}

// maxEvents is how many recent events the status page shows.
const maxEvents = 50

func newState(samples int) *state {
	if samples < 2 {
		samples = 2
	}
	return &state{procs: map[procKey]*process{}, times: make([]time.Time, samples)}
}

// proc returns the process group:name, creating it if needed. Call it
// with mu held.
func (s *state) proc(group, name string) *process {
	k := procKey{group, name}
	p := s.procs[k]
	if p == nil {
		p = newProcess(group, name)
		s.procs[k] = p
		s.order = nil
	}
	return p
}

// load replaces what the table says of every process (its answer to a
// full read): processes it no longer has are dropped with their counters,
// as supervisord dropped them.
func (s *state) load(ps []proctable.Process, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[procKey]bool, len(ps))
	for _, tp := range ps {
		seen[procKey{tp.Group, tp.Name}] = true
		s.applyLocked(tp, now)
	}
	for k := range s.procs {
		if !seen[k] {
			delete(s.procs, k)
			s.order = nil
		}
	}
}

// changes applies what the table changed.
func (s *state) changes(cs []proctable.Change, now time.Time) {
	if len(cs) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		if c.Removed() {
			delete(s.procs, procKey{c.Before.Group, c.Before.Name})
			s.order = nil
			continue
		}
		s.applyLocked(c.After, now)
	}
}

func (s *state) applyLocked(tp proctable.Process, now time.Time) {
	p := s.proc(tp.Group, tp.Name)
	if p.since.IsZero() || p.state != tp.State {
		p.since = now
	}
	p.state, p.pid = tp.State, tp.PID
	if tp.Detailed {
		if tp.Start > 0 {
			p.start = float64(tp.Start)
		}
		// supervisord forgets the status when it starts the process
		// again; while EXITED, it is the last run's.
		if tp.State == listener.StateExited {
			p.exitStatus, p.exitKnown = tp.ExitStatus, true
		}
	}
}

// event counts a PROCESS_STATE event.
func (s *state) event(ev listener.ProcessStateEvent, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc(ev.GroupName, ev.ProcessName)
	p.count(transition{ev.FromState, ev.State})
	switch ev.State {
	case listener.StateStarting:
		p.spawns++
		p.start = float64(now.UnixNano()) / 1e9 // until /proc tells it exactly
		p.starts = remember(p.starts, now)
	case listener.StateExited:
		if ev.Expected {
			p.exits[1]++
		} else {
			p.exits[0]++
			p.crashes = remember(p.crashes, now)
		}
		p.exited = remember(p.exited, now)
	case listener.StateBackoff:
		p.crashes = remember(p.crashes, now)
	case listener.StateFatal:
		p.fatals++
		p.crashes = remember(p.crashes, now)
	}
	r := eventRecord{at: now, group: ev.GroupName, name: ev.ProcessName, from: ev.FromState, to: ev.State, expected: ev.Expected, pid: ev.PID}
	if len(s.events) == maxEvents {
		copy(s.events, s.events[1:])
		s.events = s.events[:maxEvents-1]
	}
	s.events = append(s.events, r)
}

// exit records the status of a process's last exit.
func (s *state) exit(group, name string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc(group, name)
	p.exitStatus, p.exitKnown = status, true
}

// tick records a TICK event.
func (s *state) tick(now time.Time) {
	s.mu.Lock()
	s.lastTick = now
	s.mu.Unlock()
}

// setSupervisor changes what is known of supervisord.
func (s *state) setSupervisor(f func(*supervisor)) {
	s.mu.Lock()
	f(&s.sup)
	s.mu.Unlock()
}

// reading is what /proc says of one pid.
type reading struct {
	rss   uint64
	cpu   float64 // seconds
	start float64 // Unix seconds
}

// sample reads every process that has a pid with read, outside the lock,
// and records the readings as one sample of the history.
func (s *state) sample(now time.Time, read func(pid int) (reading, bool)) {
	type target struct {
		k   procKey
		pid int
	}
	s.mu.RLock()
	targets := make([]target, 0, len(s.procs))
	for k, p := range s.procs {
		if p.pid > 0 {
			targets = append(targets, target{k, p.pid})
		}
	}
	s.mu.RUnlock()
	readings := make(map[procKey]reading, len(targets))
	pids := make(map[procKey]int, len(targets))
	for _, t := range targets {
		if r, ok := read(t.pid); ok {
			readings[t.k], pids[t.k] = r, t.pid
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var dt float64
	if s.n > 0 {
		prev := s.times[(s.head+len(s.times)-1)%len(s.times)]
		dt = now.Sub(prev).Seconds()
	}
	slot := s.head
	s.times[slot] = now
	s.head = (s.head + 1) % len(s.times)
	if s.n < len(s.times) {
		s.n++
	}
	for k, p := range s.procs {
		r, ok := readings[k]
		if !ok || p.pid != pids[k] {
			p.sampled = false
			if p.history != nil {
				p.history[slot] = noPoint
			}
			continue
		}
		pt := point{rss: float32(r.rss), cpu: float32(math.NaN())}
		if p.sampled && p.cpuPID == pids[k] && dt > 0 {
			pt.cpu = float32((r.cpu - p.cpu) / dt)
		}
		p.sampled, p.rss, p.cpu, p.cpuPID = true, r.rss, r.cpu, pids[k]
		if r.start > 0 {
			p.start = r.start
		}
		if p.history == nil {
			p.history = make([]point, len(s.times))
			for i := range p.history {
				p.history[i] = noPoint
			}
		}
		p.history[slot] = pt
	}
}
