package testharness

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

// The supervisor namespace's process control methods, and the operations
// behind them, which Process's methods share.

// getProcessInfo is supervisor.getProcessInfo(name).
func (r supervisorRPC) getProcessInfo(args []any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	p, _, err := r.processArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	return infoStruct(r.infoLocked(p)), nil, nil
}

// getAllProcessInfo is supervisor.getAllProcessInfo: by group, then name.
func (r supervisorRPC) getAllProcessInfo([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	out := []any{}
	for _, p := range r.allProcesses(true) {
		out = append(out, infoStruct(r.infoLocked(p)))
	}
	return out, nil, nil
}

// infoLocked is what getProcessInfo reports about p, timestamps capped to
// the 32-bit range as supervisord caps them.
func (s *Supervisor) infoLocked(p *subprocess) rpc.ProcessInfo {
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

// infoStruct renders getProcessInfo's struct, fields in supervisord's
// order.
func infoStruct(info rpc.ProcessInfo) xmlrpc.Struct {
	return xmlrpc.Struct{
		{"name", info.Name},
		{"group", info.Group},
		{"start", int64(info.Start)},
		{"stop", int64(info.Stop)},
		{"now", int64(info.Now)},
		{"state", int(info.State)},
		{"statename", info.StateName},
		{"spawnerr", info.SpawnErr},
		{"exitstatus", info.ExitStatus},
		{"logfile", info.Logfile},
		{"stdout_logfile", info.StdoutLogfile},
		{"stderr_logfile", info.StderrLogfile},
		{"pid", info.PID},
		{"description", info.Description},
	}
}

// startProcess is supervisor.startProcess(name, wait=True).
func (r supervisorRPC) startProcess(args []any) (any, deferred, error) {
	return withNameWait(args, r.startProcessLocked)
}

// startProcessGroup is supervisor.startProcessGroup(name, wait=True).
func (r supervisorRPC) startProcessGroup(args []any) (any, deferred, error) {
	return withNameWait(args, r.startGroupLocked)
}

// startAllProcesses is supervisor.startAllProcesses(wait=True).
func (r supervisorRPC) startAllProcesses(args []any) (any, deferred, error) {
	return r.startAllLocked(waitArg(args))
}

// stopProcess is supervisor.stopProcess(name, wait=True).
func (r supervisorRPC) stopProcess(args []any) (any, deferred, error) {
	return withNameWait(args, r.stopProcessLocked)
}

// stopProcessGroup is supervisor.stopProcessGroup(name, wait=True).
func (r supervisorRPC) stopProcessGroup(args []any) (any, deferred, error) {
	return withNameWait(args, r.stopGroupLocked)
}

// stopAllProcesses is supervisor.stopAllProcesses(wait=True).
func (r supervisorRPC) stopAllProcesses(args []any) (any, deferred, error) {
	return r.stopAllLocked(waitArg(args))
}

// signalProcess is supervisor.signalProcess(name, signal): a name or a
// number, as str() of whatever was sent.
func (r supervisorRPC) signalProcess(args []any) (any, deferred, error) {
	return withNameSignal(args, r.signalProcessLocked)
}

// signalProcessGroup is supervisor.signalProcessGroup(name, signal).
func (r supervisorRPC) signalProcessGroup(args []any) (any, deferred, error) {
	return withNameSignal(args, r.signalGroupLocked)
}

// signalAllProcesses is supervisor.signalAllProcesses(signal).
func (r supervisorRPC) signalAllProcesses(args []any) (any, deferred, error) {
	return r.signalAllLocked(pyStr(args[0]))
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
	return s.allFunc(byPriority(g.procs), func(p *subprocess) bool { return !p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.startProcessLocked(n, wait) })
}

// startAllLocked is supervisor.startAllProcesses.
func (s *Supervisor) startAllLocked(wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	return s.allFunc(s.allProcesses(false), func(p *subprocess) bool { return !p.state.IsRunning() },
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
	return s.allFunc(byPriority(g.procs), func(p *subprocess) bool { return p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.stopProcessLocked(n, wait) })
}

// stopAllLocked is supervisor.stopAllProcesses.
func (s *Supervisor) stopAllLocked(wait bool) (any, deferred, error) {
	if err := s.update(); err != nil {
		return nil, nil, err
	}
	return s.allFunc(s.allProcesses(false), func(p *subprocess) bool { return p.state.IsRunning() },
		func(n string) (any, deferred, error) { return s.stopProcessLocked(n, wait) })
}

func signallable(p *subprocess) bool {
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

// sendProcessStdin is supervisor.sendProcessStdin(name, chars).
func (r supervisorRPC) sendProcessStdin(args []any) (any, deferred, error) {
	name, err := strArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	chars, ok := args[1].(string)
	if !ok {
		return nil, nil, newFault(rpc.ErrIncorrectParameters, pyStr(args[1]))
	}
	_, p, err := r.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	if p.pid == 0 || p.killing {
		return nil, nil, newFault(rpc.ErrNotRunning, name)
	}
	if err := p.write([]byte(chars), nil, -1); err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return nil, nil, newFault(rpc.ErrNoFile, name)
		}
		return nil, nil, err
	}
	return true, nil, nil
}

// sendRemoteCommEvent is supervisor.sendRemoteCommEvent(type, data), the
// only method supervisord serves while shutting down.
func (r supervisorRPC) sendRemoteCommEvent(args []any) (any, deferred, error) {
	r.notifyLocked(NewRemoteCommunicationEvent(pyStr(args[0]), pyStr(args[1])))
	return true, nil, nil
}

// reloadConfig is supervisor.reloadConfig: the harness's configuration
// never changes under it, so nothing is added, changed or removed.
func (r supervisorRPC) reloadConfig([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	return []any{[]any{[]any{}, []any{}, []any{}}}, nil, nil
}

// getAllConfigInfo is supervisor.getAllConfigInfo: every configured
// process, active or not, sorted by process name (stably, from group
// priority order).
func (r supervisorRPC) getAllConfigInfo([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	type entry struct {
		name string
		st   xmlrpc.Struct
	}
	var entries []entry
	for _, gs := range r.groupSpecs {
		inuse := r.groupByName(gs.name) != nil
		for _, ps := range gs.procs {
			c := ps.cfg
			stderrLog := any("none")
			if p := r.procs[listener.Namespec(gs.name, ps.name)]; p != nil && p.stderrLog != nil {
				stderrLog = p.stderrLog.path
			}
			stdoutLog := any("none")
			if p := r.procs[listener.Namespec(gs.name, ps.name)]; p != nil && p.stdoutLog != nil {
				stdoutLog = p.stdoutLog.path
			}
			stopsignal := c.StopSignal
			if stopsignal == 0 {
				stopsignal = 15
			}
			stopwait := c.StopWaitSecs
			switch {
			case stopwait == 0:
				stopwait = 10 * time.Second
			case stopwait < 0:
				stopwait = 0
			}
			entries = append(entries, entry{ps.name, xmlrpc.Struct{
				{"autostart", !c.NoAutostart},
				{"directory", noneIfEmpty(c.Dir)},
				{"uid", "none"},
				{"command", ps.command},
				{"exitcodes", ps.exitcodes},
				{"group", gs.name},
				{"group_prio", gs.priority},
				{"inuse", inuse},
				{"killasgroup", c.KillAsGroup},
				{"name", ps.name},
				{"process_prio", ps.priority},
				{"redirect_stderr", c.RedirectStderr},
				{"startretries", ps.retries},
				{"startsecs", int(c.StartSecs / time.Second)},
				{"stdout_capture_maxbytes", c.StdoutCaptureMaxBytes},
				{"stdout_events_enabled", c.StdoutEvents},
				{"stdout_logfile", stdoutLog},
				{"stdout_logfile_backups", 10},
				{"stdout_logfile_maxbytes", 50 * 1024 * 1024},
				{"stdout_syslog", false},
				{"stopsignal", int(stopsignal)},
				{"stopwaitsecs", int(stopwait / time.Second)},
				{"stderr_capture_maxbytes", c.StderrCaptureMaxBytes},
				{"stderr_events_enabled", c.StderrEvents},
				{"stderr_logfile", stderrLog},
				{"stderr_logfile_backups", 10},
				{"stderr_logfile_maxbytes", 50 * 1024 * 1024},
				{"stderr_syslog", false},
				{"serverurl", noneIfEmpty(c.ServerURL)},
			}})
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e.st
	}
	return out, nil, nil
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// addProcessGroup is supervisor.addProcessGroup(name): a configured group
// that was removed becomes active again.
func (r supervisorRPC) addProcessGroup(args []any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	name, err := strArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	for _, gs := range r.groupSpecs {
		if gs.name != name {
			continue
		}
		if r.groupByName(name) != nil {
			return nil, nil, newFault(rpc.ErrAlreadyAdded, name)
		}
		if err := r.addGroupLocked(gs); err != nil {
			return nil, nil, newFault(rpc.ErrFailed, err.Error())
		}
		return true, nil, nil
	}
	return nil, nil, newFault(rpc.ErrBadName, name)
}

// removeProcessGroup is supervisor.removeProcessGroup(name): only a group
// whose processes are all stopped can go; its pool stops subscribing and
// PROCESS_GROUP_REMOVED is notified.
func (r supervisorRPC) removeProcessGroup(args []any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	name, err := strArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	g := r.groupByName(name)
	if g == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	if !groupStopped(g) {
		return nil, nil, newFault(rpc.ErrStillRunning, name)
	}
	r.groups = slices.DeleteFunc(r.groups, func(x *group) bool { return x == g })
	if g.pool != nil {
		r.pools = slices.DeleteFunc(r.pools, func(x *pool) bool { return x == g.pool })
	}
	for _, p := range g.procs {
		delete(r.procs, p.namespec())
		p.closeLogs()
	}
	r.logf(levelInfo, "removed process group %s", name)
	r.notifyLocked(NewProcessGroupRemovedEvent(name))
	return true, nil, nil
}
