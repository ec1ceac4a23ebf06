package testharness

import (
	"context"
	"fmt"
	"math"
	"sort"
	"syscall"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// deferred finishes a call that supervisord answers later (its
// NOT_DONE_YET callbacks). It runs with s.mu held and reports done=false
// until it has an answer.
type deferred func() (value any, done bool, err error)

// pollInterval is how often supervisord polls the deferred group calls
// (their delay of 0.05s). Processes that finish within one interval are
// reported in list order, as supervisord reports them.
const pollInterval = 50 * time.Millisecond

// complete waits for a deferred call to finish. It is called without s.mu.
func (s *Supervisor) complete(ctx context.Context, v any, d deferred, err error) (any, error) {
	if err != nil || d == nil {
		return v, err
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		s.mu.Lock()
		v, done, err := d()
		ch := s.changed
		s.mu.Unlock()
		if done || err != nil {
			return v, err
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("testharness: gave up waiting for the call to finish: %w; %s", ctx.Err(), s.summary())
		}
	}
}

// call runs one operation under the lock, settles, and completes it.
func (s *Supervisor) call(ctx context.Context, op func() (any, deferred, error)) (any, error) {
	s.mu.Lock()
	v, d, err := op()
	s.settle()
	s.mu.Unlock()
	return s.complete(ctx, v, d, err)
}

// update is supervisord's _update: no calls while shutting down.
func (s *Supervisor) update() error {
	if s.mood < moodRunning {
		return newFault(rpc.ErrShutdownState)
	}
	return nil
}

// lookup is _getGroupAndProcess. A namespec "group:*" or "group:" names
// the whole group (split_namespec's process name None): the group is
// returned with a nil process.
func (s *Supervisor) lookup(name string) (*group, *proc, error) {
	gname, pname := listener.SplitNamespec(name)
	whole := pname == "" || pname == "*"
	var g *group
	for _, cand := range s.groups {
		if cand.name == gname {
			g = cand
			break
		}
	}
	if g == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	if whole {
		return g, nil, nil
	}
	for _, p := range g.procs {
		if p.spec.name == pname {
			return g, p, nil
		}
	}
	return nil, nil, newFault(rpc.ErrBadName, name)
}

func (s *Supervisor) groupByName(name string) *group {
	for _, g := range s.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// allProcesses is _getAllProcesses: by priority (lexical=false) or by
// group then process name (lexical=true).
func (s *Supervisor) allProcesses(lexical bool) []*proc {
	var out []*proc
	if lexical {
		gs := append([]*group(nil), s.groups...)
		sort.SliceStable(gs, func(i, j int) bool { return gs[i].name < gs[j].name })
		for _, g := range gs {
			ps := append([]*proc(nil), g.procs...)
			sort.SliceStable(ps, func(i, j int) bool { return ps[i].spec.name < ps[j].spec.name })
			out = append(out, ps...)
		}
		return out
	}
	for _, g := range s.sortedGroups() {
		out = append(out, byPriority(g.procs)...)
	}
	return out
}

func byPriority(procs []*proc) []*proc {
	ps := append([]*proc(nil), procs...)
	sortStable(ps, func(a, b *proc) bool { return a.spec.priority < b.spec.priority })
	return ps
}

// startProcessLocked is supervisor.startProcess.
func (s *Supervisor) startProcessLocked(name string, wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	g, p, err := s.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return s.startGroupLocked(g.name, wait)
	}
	if p.kind == kindExec {
		if _, err := p.execPath(); err != nil {
			if se, ok := err.(*spawnError); ok && se.kind == errNotFound {
				return nil, nil, newFault(rpc.ErrNoFile, se.msg)
			}
			return nil, nil, newFault(rpc.ErrNotExecutable, err.Error())
		}
	}
	if p.state.IsRunning() {
		return nil, nil, newFault(rpc.ErrAlreadyStarted, name)
	}
	if p.state == listener.StateUnknown {
		return nil, nil, newFault(rpc.ErrFailed, name+" is in an unknown process state")
	}
	p.spawn()
	s.reap()
	if p.spawnerr != "" {
		return nil, nil, newFault(rpc.ErrSpawnError, name)
	}
	p.transition()
	if wait && p.state != listener.StateRunning {
		return nil, func() (any, bool, error) {
			if p.spawnerr != "" {
				return nil, true, newFault(rpc.ErrSpawnError, name)
			}
			switch p.state {
			case listener.StateRunning:
				return true, true, nil
			case listener.StateStarting:
				return nil, false, nil
			}
			return nil, true, newFault(rpc.ErrAbnormalTermination, name)
		}, nil
	}
	return true, nil, nil
}

// startGroupLocked is supervisor.startProcessGroup.
func (s *Supervisor) startGroupLocked(name string, wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	g := s.groupByName(name)
	if g == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	return s.allFunc(byPriority(g.procs), func(p *proc) bool { return !p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.startProcessLocked(n, wait) })
}

// startAllLocked is supervisor.startAllProcesses.
func (s *Supervisor) startAllLocked(wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	return s.allFunc(s.allProcesses(false), func(p *proc) bool { return !p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.startProcessLocked(n, wait) })
}

// stopProcessLocked is supervisor.stopProcess.
func (s *Supervisor) stopProcessLocked(name string, wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	g, p, err := s.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return s.stopGroupLocked(g.name, wait)
	}
	if !p.state.IsRunning() {
		return nil, nil, newFault(rpc.ErrNotRunning, name)
	}
	if msg := p.stop(); msg != "" {
		return nil, nil, newFault(rpc.ErrFailed, msg)
	}
	s.reap()
	if wait && !p.state.IsStopped() {
		return nil, func() (any, bool, error) {
			if !p.state.IsStopped() {
				return nil, false, nil
			}
			return true, true, nil
		}, nil
	}
	return true, nil, nil
}

// stopGroupLocked is supervisor.stopProcessGroup.
func (s *Supervisor) stopGroupLocked(name string, wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	g := s.groupByName(name)
	if g == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	return s.allFunc(byPriority(g.procs), func(p *proc) bool { return p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.stopProcessLocked(n, wait) })
}

// stopAllLocked is supervisor.stopAllProcesses.
func (s *Supervisor) stopAllLocked(wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	return s.allFunc(s.allProcesses(false), func(p *proc) bool { return p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.stopProcessLocked(n, wait) })
}

func signallable(p *proc) bool {
	return p.state == listener.StateRunning || p.state == listener.StateStarting || p.state == listener.StateStopping
}

// signalProcessLocked is supervisor.signalProcess.
func (s *Supervisor) signalProcessLocked(name, signal string) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	g, p, err := s.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return s.signalGroupLocked(g.name, signal)
	}
	sig, ok := parseSignal(signal)
	if !ok {
		return nil, nil, newFault(rpc.ErrBadSignal, signal)
	}
	if !signallable(p) {
		return nil, nil, newFault(rpc.ErrNotRunning, name)
	}
	if msg := p.signal(sig); msg != "" {
		return nil, nil, newFault(rpc.ErrFailed, msg)
	}
	return true, nil, nil
}

// signalGroupLocked is supervisor.signalProcessGroup.
func (s *Supervisor) signalGroupLocked(name, signal string) (any, deferred, error) {
	g := s.groupByName(name)
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	if g == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	return s.allFunc(byPriority(g.procs), signallable,
		func(n string) (any, deferred, error) { return s.signalProcessLocked(n, signal) })
}

// signalAllLocked is supervisor.signalAllProcesses, which checks the
// shutdown state only after signalling.
func (s *Supervisor) signalAllLocked(signal string) (any, deferred, error) {
	v, d, err := s.allFunc(s.allProcesses(false), signallable,
		func(n string) (any, deferred, error) { return s.signalProcessLocked(n, signal) })
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	return v, d, err
}

// allFunc is make_allfunc: call fn for every process pred selects, then
// poll the calls that answered later. Results come in completion order.
func (s *Supervisor) allFunc(procs []*proc, pred func(*proc) bool, fn func(name string) (any, deferred, error)) (any, deferred, error) {
	type pending struct {
		p *proc
		d deferred
	}
	results := []rpc.ProcessStatus{}
	var waiting []pending
	for _, p := range procs {
		if !pred(p) {
			continue
		}
		_, d, err := fn(p.namespec())
		switch {
		case err != nil:
			results = append(results, faultResult(p, err))
		case d != nil:
			waiting = append(waiting, pending{p, d})
		default:
			results = append(results, okStatus(p))
		}
	}
	if len(waiting) == 0 {
		return results, nil, nil
	}
	var lastPoll time.Time
	return nil, func() (any, bool, error) {
		if time.Since(lastPoll) < pollInterval {
			return nil, false, nil
		}
		lastPoll = time.Now()
		kept := waiting[:0]
		for _, w := range waiting {
			_, done, err := w.d()
			switch {
			case err != nil:
				results = append(results, faultResult(w.p, err))
			case done:
				results = append(results, okStatus(w.p))
			default:
				kept = append(kept, w)
			}
		}
		waiting = kept
		if len(waiting) > 0 {
			return nil, false, nil
		}
		return results, true, nil
	}, nil
}

// okStatus is a successful entry of a group or "all" call's results.
func okStatus(p *proc) rpc.ProcessStatus {
	return rpc.ProcessStatus{Name: p.spec.name, Group: p.g.name, Status: rpc.Success, Description: "OK"}
}

// faultResult is a failed entry: the fault's code and string, or FAILED
// with the error's text for anything else.
func faultResult(p *proc, err error) rpc.ProcessStatus {
	r := rpc.ProcessStatus{Name: p.spec.name, Group: p.g.name, Status: rpc.ErrFailed, Description: err.Error()}
	if f, ok := err.(*rpc.Fault); ok {
		r.Status, r.Description = f.Code, f.String
	}
	return r
}

// sendStdinLocked is supervisor.sendProcessStdin.
func (s *Supervisor) sendStdinLocked(name string, chars []byte) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	_, p, err := s.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	if p.pid == 0 || p.killing {
		return nil, nil, newFault(rpc.ErrNotRunning, name)
	}
	if err := p.write(chars, nil, -1); err != nil {
		if isEPIPE(err) {
			return nil, nil, newFault(rpc.ErrNoFile, name)
		}
		return nil, nil, err
	}
	return true, nil, nil
}

func isEPIPE(err error) bool {
	for e := err; e != nil; {
		if e == syscall.EPIPE {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// infoLocked is what getProcessInfo reports about p, timestamps capped to
// the 32-bit range as supervisord caps them.
func (s *Supervisor) infoLocked(p *proc) rpc.ProcessInfo {
	info := rpc.ProcessInfo{
		Name: p.spec.name, Group: p.g.name,
		Start: cappedUnix(p.laststart), Stop: cappedUnix(p.laststop), Now: cappedUnix(s.clock.Now()),
		State: p.state, StateName: p.state.String(), SpawnErr: p.spawnerr, PID: p.pid,
	}
	if p.exitstatus != nil {
		info.ExitStatus = *p.exitstatus
	}
	if p.stdoutLog != nil {
		info.StdoutLogfile = p.stdoutLog.path
	}
	if p.stderrLog != nil {
		info.StderrLogfile = p.stderrLog.path
	}
	info.Logfile = info.StdoutLogfile
	info.Description = describe(info)
	return info
}

// cappedUnix is supervisord's capped_int of a timestamp, 0 for never.
func cappedUnix(t time.Time) rpc.UnixTime {
	if t.IsZero() {
		return 0
	}
	return rpc.UnixTime(max(min(t.Unix(), math.MaxInt32), math.MinInt32))
}

// describe is _interpretProcessInfo.
func describe(info rpc.ProcessInfo) string {
	switch info.State {
	case listener.StateRunning:
		up := max(int64(info.Now-info.Start), 0)
		return fmt.Sprintf("pid %d, uptime %s", info.PID, pyTimedelta(up))
	case listener.StateFatal, listener.StateBackoff:
		if info.SpawnErr != "" {
			return info.SpawnErr
		}
		return fmt.Sprintf(`unknown error (try "tail %s")`, info.Name)
	case listener.StateStopped, listener.StateExited:
		if info.Start != 0 {
			return info.Stop.Time().Local().Format("Jan 02 03:04 PM")
		}
		return "Not started"
	}
	return ""
}

// pyTimedelta renders seconds as Python's str(timedelta): "0:00:01",
// "1 day, 2:03:04", "3 days, 0:00:00".
func pyTimedelta(secs int64) string {
	days := secs / 86400
	rest := secs % 86400
	hms := fmt.Sprintf("%d:%02d:%02d", rest/3600, rest%3600/60, rest%60)
	switch {
	case days == 1:
		return "1 day, " + hms
	case days > 1:
		return fmt.Sprintf("%d days, %s", days, hms)
	}
	return hms
}
