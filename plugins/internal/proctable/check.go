package proctable

import (
	"context"
	"errors"
	"fmt"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// Check validates the table against /proc, and asks supervisord only about
// what /proc shows may have changed; it is what Observe does on a TICK,
// for callers with a timer of their own. It returns the changes made since
// the previous Observe or Check returned.
//
// When nothing was forked and nothing reaped since the previous Check, and
// no process is STARTING or BACKOFF, it calls nothing. Otherwise it asks
// about the processes whose pid went (one getProcessInfo, or a multicall
// of them) and those STARTING or BACKOFF; if a new child of supervisord
// still belongs to none, about those without a pid; if still none, or if
// more than half the processes are concerned, it reads every process. It
// also reads every process when the periodic refresh is due, after lost
// events, and at every Check when /proc cannot be used.
func (t *Table) Check(ctx context.Context) ([]Change, error) {
	t.op.Lock()
	defer t.op.Unlock()
	t.begin()
	defer t.end()
	return t.changes, t.check(ctx)
}

func (t *Table) check(ctx context.Context) error {
	t.count(func(s *Stats) { s.Checks++ })
	switch {
	case !t.isLoaded():
		return t.load(ctx)
	case t.w == nil, t.fullDue, t.refresh > 0 && !t.clock.Now().Before(t.lastFull.Add(t.refresh)):
		return t.refreshAll(ctx)
	}
	quiet, err := t.w.check()
	if err != nil {
		return fmt.Errorf("following supervisord's children: %w", err)
	}
	t.round++
	t.targets = t.targets[:0]
	t.mu.RLock()
	for _, pid := range t.w.gone {
		delete(t.unresolved, pid)
		if e := t.byPID[pid]; e != nil {
			t.target(e)
		}
	}
	for _, pid := range t.w.born {
		// A reused pid is gone and born: its new holder is unknown until
		// supervisord says.
		if e := t.byPID[pid]; e == nil || e.mark == t.round {
			t.unresolved[pid] = true
		}
	}
	// A child reaped unseen was a run too short to be seen, of a process
	// that has no pid now.
	for _, e := range t.order {
		if e.pending() || t.w.reaped && e.PID == 0 {
			t.target(e)
		}
	}
	n := len(t.order)
	t.mu.RUnlock()
	if quiet && len(t.targets) == 0 {
		t.count(func(s *Stats) { s.Quiet++ })
		return nil
	}
	// A new child belongs to a process whose pid went (a restart), or one
	// that had none (a start); failing that, to a process the table does
	// not know.
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			if len(t.unresolved) == 0 {
				return nil
			}
			t.mu.RLock()
			for _, e := range t.order {
				if e.PID == 0 && e.mark != t.round {
					t.target(e)
				}
			}
			t.mu.RUnlock()
		}
		if len(t.targets) == 0 {
			continue
		}
		if 2*len(t.targets) > n {
			return t.refreshAll(ctx)
		}
		err := t.pollTargets(ctx)
		if errors.Is(err, rpc.ErrBadName) {
			return t.refreshAll(ctx) // a group went
		}
		if err != nil {
			return err
		}
		t.targets = t.targets[:0]
		t.mu.RLock()
		for pid := range t.unresolved {
			if t.byPID[pid] != nil {
				delete(t.unresolved, pid)
			}
		}
		t.mu.RUnlock()
	}
	if len(t.unresolved) > 0 {
		return t.refreshAll(ctx)
	}
	return nil
}

// target adds e to this round's processes to ask about, once.
func (t *Table) target(e *entry) {
	if e.mark != t.round {
		e.mark = t.round
		t.targets = append(t.targets, e)
	}
}

// pollTargets asks supervisord about the targets, in one round trip, and
// applies the answers. supervisord runs a multicall's calls one after
// another in one turn of its loop, so the answers are one consistent
// snapshot.
func (t *Table) pollTargets(ctx context.Context) error {
	answers := make([]Process, 0, len(t.targets))
	var err error
	if len(t.targets) == 1 {
		var info rpc.ProcessInfo
		if info, err = t.sup.GetProcessInfo(ctx, t.targets[0].Namespec()); err == nil {
			answers = append(answers, processFrom(info))
		}
	} else {
		calls := make([]rpc.MethodCall, len(t.targets))
		for i, e := range t.targets {
			calls[i] = rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{e.Namespec()}}
		}
		var results []rpc.MulticallResult
		if results, err = t.sup.Multicall(ctx, calls...); err == nil {
			for _, r := range results {
				var info rpc.ProcessInfo
				if err = r.Decode(&info); err != nil {
					break
				}
				answers = append(answers, processFrom(info))
			}
		}
	}
	t.count(func(s *Stats) { s.Calls++; s.ProcessInfos += uint64(len(t.targets)) })
	if err != nil {
		// Asked again at the next Check.
		t.mu.Lock()
		for _, e := range t.targets {
			e.check = true
		}
		t.mu.Unlock()
		return err
	}
	t.applyPolls(answers)
	return nil
}

// applyPolls applies supervisord's answers about some processes.
func (t *Table) applyPolls(answers []Process) {
	t.verify = t.verify[:0]
	t.mu.Lock()
	for _, p := range answers {
		e := t.entries[key{p.Group, p.Name}]
		if e == nil {
			continue
		}
		old, changed := e.poll(p)
		if changed {
			t.reindex(e, old.PID)
			t.changes = append(t.changes, Change{Before: old, After: e.Process})
		}
		if e.PID != 0 && !e.unwatched {
			t.verify = append(t.verify, e)
		}
	}
	t.mu.Unlock()
	t.watch()
}

// watch confirms in /proc that the pids of the entries in t.verify are
// supervisord's children, so that the next Check knows them. One that is
// not is asked about at the next Check: it may have exited meanwhile. If
// supervisord then reports the same pid again, /proc cannot follow that
// process (the harness makes up pids for processes it only emulates), and
// the table stops asking until the process changes.
func (t *Table) watch() {
	if t.w == nil || len(t.verify) == 0 {
		return
	}
	var lost []*entry
	for _, e := range t.verify {
		if !t.w.identify(e.PID) {
			lost = append(lost, e)
		}
	}
	if len(lost) == 0 {
		return
	}
	t.mu.Lock()
	for _, e := range lost {
		if e.lostPID == e.PID {
			e.check, e.unwatched = false, true
		} else {
			e.lostPID, e.check = e.PID, true
		}
	}
	t.mu.Unlock()
}

// refreshAll reads every process from supervisord and makes the table
// its answer: processes added, changed, and removed.
func (t *Table) refreshAll(ctx context.Context) error {
	t.count(func(s *Stats) { s.Calls++; s.Refreshes++ })
	infos, err := t.sup.GetAllProcessInfo(ctx)
	if err != nil {
		t.fullDue = true
		return err
	}
	t.round++
	t.verify = t.verify[:0]
	t.mu.Lock()
	order := make([]*entry, 0, len(infos))
	for _, info := range infos {
		p := processFrom(info)
		k := key{p.Group, p.Name}
		e := t.entries[k]
		if e == nil {
			e = &entry{key: k}
			t.entries[k] = e
			delete(t.removed, k)
			e.poll(p)
			t.reindex(e, 0)
			t.changes = append(t.changes, Change{After: p})
		} else if old, changed := e.poll(p); changed {
			t.reindex(e, old.PID)
			t.changes = append(t.changes, Change{Before: old, After: p})
		}
		e.mark = t.round
		order = append(order, e)
		if e.PID != 0 && !e.unwatched {
			t.verify = append(t.verify, e)
		}
	}
	for k, e := range t.entries {
		if e.mark != t.round {
			t.drop(e)
			delete(t.entries, k)
		}
	}
	t.order = order
	t.loaded = true
	t.mu.Unlock()
	t.fullDue = false
	t.lastFull = t.clock.Now()
	clear(t.unresolved) // children no process has are none of supervisord's programs
	t.watch()
	return nil
}

// drop removes e from the indexes, records the change and remembers the
// process as removed. The caller holds t.mu and removes e from t.entries
// and t.order.
func (t *Table) drop(e *entry) {
	if t.byPID[e.PID] == e {
		delete(t.byPID, e.PID)
	}
	t.removed[e.key] = true
	t.changes = append(t.changes, Change{Before: e.Process})
}

// reindex moves e in the pid index from oldPID to its pid. The caller
// holds t.mu.
func (t *Table) reindex(e *entry, oldPID int) {
	if oldPID != 0 && t.byPID[oldPID] == e {
		delete(t.byPID, oldPID)
	}
	if e.PID != 0 {
		t.byPID[e.PID] = e
	}
}

// observeState applies a PROCESS_STATE event.
func (t *Table) observeState(ctx context.Context, ev listener.ProcessStateEvent) error {
	k := key{ev.GroupName, ev.ProcessName}
	t.mu.RLock()
	e, removed := t.entries[k], t.removed[k]
	t.mu.RUnlock()
	if e == nil && !removed {
		// A process of a group added while the table was not told.
		if err := t.refreshAll(ctx); err != nil {
			return err
		}
		t.mu.Lock()
		if e = t.entries[k]; e == nil {
			t.removed[k] = true
		}
		t.mu.Unlock()
	}
	if e == nil {
		t.count(func(s *Stats) { s.Stale++ })
		return nil
	}
	t.mu.Lock()
	old, changed, stale := e.event(ev)
	if stale {
		t.stats.Stale++
	} else {
		t.stats.Events++
	}
	if changed {
		t.reindex(e, old.PID)
		t.changes = append(t.changes, Change{Before: old, After: e.Process, Event: true})
	}
	t.mu.Unlock()
	if changed && e.PID != 0 && e.PID != old.PID {
		t.verify = append(t.verify[:0], e)
		t.watch()
	}
	return nil
}

// removeGroup drops the processes of a group supervisord removed.
func (t *Table) removeGroup(group string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	order := t.order[:0]
	for _, e := range t.order {
		if e.Group != group {
			order = append(order, e)
			continue
		}
		t.drop(e)
		delete(t.entries, e.key)
	}
	clear(t.order[len(order):])
	t.order = order
}
