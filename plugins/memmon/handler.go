package memmon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/proctable"
	"github.com/golance/golance/plugins/internal/restart"
)

// handler is the memmon handler.
type handler struct {
	cfg      config
	sup      restart.Supervisor
	rules    []*rule
	runtimes []*runtimeRule
	// waiting are the processes past their run-time limit that wait for
	// the end of --max-runtime-not-during, said once each.
	waiting  map[string]bool
	checking []string
	table    *proctable.Table
	// procs and line are buffers a tick reuses: the table's processes,
	// and the line being made.
	procs     []proctable.Process
	line      []byte
	reader    *procmem.Reader
	restarter *restart.Restarter
	streaks   *restart.Streaks
	selfNoted bool
	// listFailure and memoryFailure log a tick that could not be checked
	// once, not at every tick.
	listFailure, memoryFailure *log.Recurring
	// notices are memmon's mails; nil without -m.
	notices *mailcli.Notices
}

// newHandler returns the handler for cfg, asking sup about processes.
// Without any limit it is idle: it answers every event and asks nothing.
// It fails when the proc filesystem cannot be read.
func newHandler(cfg config, sup restart.Supervisor) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if sup == nil {
		return nil, errors.New("memmon: no supervisord to ask")
	}
	m := &handler{cfg: cfg, sup: sup,
		listFailure:   log.NewRecurring(cfg.log, slog.LevelWarn, cfg.clock),
		memoryFailure: log.NewRecurring(cfg.log, slog.LevelWarn, cfg.clock)}
	add := func(flag string, l limit) error {
		r, err := newRule(flag, l, cfg.self)
		if err == nil {
			m.rules = append(m.rules, r)
		}
		return err
	}
	for _, l := range cfg.programs {
		if err := add("-p", l); err != nil {
			return nil, err
		}
	}
	for _, l := range cfg.groups {
		if err := add("-g", l); err != nil {
			return nil, err
		}
	}
	if cfg.any != nil {
		if err := add("-a", limit{bytes: *cfg.any}); err != nil {
			return nil, err
		}
	}
	for _, l := range cfg.runtimes {
		r, err := newRuntimeRule(l, cfg.self)
		if err != nil {
			return nil, err
		}
		m.runtimes = append(m.runtimes, r)
	}
	m.waiting = map[string]bool{}
	for _, line := range []string{checkingLine("programs", cfg.programs), checkingLine("groups", cfg.groups)} {
		if line != "" {
			m.checking = append(m.checking, line)
		}
	}
	if cfg.any != nil {
		m.checking = append(m.checking, fmt.Sprintf("Checking any=%d", *cfg.any))
	}
	oc := cfg.outbox
	oc.Clock, oc.SyncRetry = cfg.clock, cfg.mailRetry
	notices, err := mailcli.OpenNotices(cfg.mail, oc, "memmon", cfg.log)
	if err != nil {
		return nil, err
	}
	m.notices = notices
	r, err := procmem.NewReader(cfg.procFS)
	if err != nil {
		notices.Close(context.Background())
		return nil, err
	}
	m.reader = r
	if m.table, err = proctable.New(proctable.Config{Supervisor: sup, SupervisorPID: cfg.supervisorPID, ProcFS: cfg.procFS, Clock: cfg.clock, Log: cfg.log}); err != nil {
		r.Close()
		notices.Close(context.Background())
		return nil, err
	}
	m.restarter = restart.New(sup, cfg.restart)
	m.streaks = restart.NewStreaks(cfg.restart.Consecutive)
	return m, nil
}

// HandleEvent checks every process on a TICK event. The process table
// follows supervisord through every event (see proctable), from the first
// tick on, which loads it; memmon acts on ticks only. It always
// acknowledges: a tick whose check could not be done (supervisord shutting
// down or unreachable) is not worth redelivering, since the next tick
// checks afresh.
func (m *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	if len(m.rules) == 0 && len(m.runtimes) == 0 {
		return nil // idle: nothing selected, nothing to ask supervisord
	}
	tick := ev.EventName.Is(listener.Tick)
	if tick {
		// A tick's lines reach supervisord in one write (log.Hold),
		// right after the answer (listener.AfterAnswer), so that they
		// neither wake it more than once nor delay its reading the
		// answer.
		release := log.Hold(m.cfg.log)
		if !listener.AfterAnswer(ctx, release) {
			defer release()
		}
		for _, line := range m.checking {
			m.cfg.log.Info(line)
		}
	} else if !m.table.Loaded() {
		return nil // the first tick reads every process anyway
	}
	if _, err := m.table.Observe(ctx, ev); errors.Is(err, listener.ErrMalformedPayload) {
		log.MalformedEvent(m.cfg.log, ev, err)
		return nil
	} else if err != nil {
		m.listFailure.Fail(fmt.Sprintf("Cannot get the process list from supervisord, checking again at the next tick: %v", err))
		return nil
	}
	m.listFailure.Recover("supervisord answers again")
	if tick {
		m.check(ctx, outbox.EventKey(ev))
	}
	return nil
}

// Shutdown waits for the restarts and mail under way, until ctx ends, and
// releases the /proc files the handler keeps open.
func (m *handler) Shutdown(ctx context.Context) error {
	err := m.restarter.Shutdown(ctx)
	m.table.Close()
	m.reader.Close()
	return errors.Join(err, m.notices.Close(ctx))
}

// Stop ends the retries of mail under way (SIGTERM).
func (m *handler) Stop() { m.notices.Stop() }

// check is one tick's work, once the table is current; tick is the
// tick's outbox.EventKey, which the keys of its notices start with.
func (m *handler) check(ctx context.Context, tick string) {
	m.procs = m.table.AppendProcesses(m.procs[:0])
	procs := m.procs
	if len(m.rules) > 0 {
		m.checkMemory(procs, tick)
	}
	if len(m.runtimes) == 0 {
		return
	}
	for _, r := range m.runtimes {
		r.matched = false
	}
	for _, p := range procs {
		m.checkRuntime(ctx, p, tick)
	}
	for _, r := range m.runtimes {
		switch {
		case r.matched:
			r.reported = false
		case !r.reported:
			r.reported = true
			m.cfg.log.Warn(fmt.Sprintf("No process matches --max-runtime %s; check the name with supervisorctl status", r.limit))
		}
	}
	for name := range m.waiting {
		if _, ok := m.table.Process(name); !ok {
			delete(m.waiting, name)
		}
	}
}

// checkMemory applies the memory limits to procs.
func (m *handler) checkMemory(procs []proctable.Process, tick string) {
	snap, err := m.reader.Snapshot(m.cfg.cumulative)
	if err != nil {
		m.memoryFailure.Fail(fmt.Sprintf("Cannot read process memory, checking again at the next tick: %v", err))
		return
	}
	m.memoryFailure.Recover("process memory can be read again")
	for _, r := range m.rules {
		r.matched = false
	}
	for _, p := range procs {
		m.checkProcess(snap, p, tick)
	}
	m.streaks.Retain(func(name string) bool {
		_, ok := m.table.Process(name)
		return ok
	})
	for _, r := range m.rules {
		switch {
		case r.matched:
			r.reported = false
		case !r.reported && r.flag != "-a":
			r.reported = true
			m.cfg.log.Warn(fmt.Sprintf("No process matches %s; check the name with supervisorctl status", r))
		}
	}
}

// checkProcess applies the rules to one process.
func (m *handler) checkProcess(snap *procmem.Snapshot, p proctable.Process, tick string) {
	var applies []*rule
	self := false
	for _, r := range m.rules {
		if r.match.Covers(p.Group, p.Name) {
			r.matched = true
			if !r.match.Selects(p.Group, p.Name) {
				self = true
				continue
			}
			applies = append(applies, r)
		}
	}
	if len(applies) == 0 && !self {
		return
	}
	name := p.Namespec() // the table's, made once
	switch {
	case self && len(applies) == 0:
		if !m.selfNoted {
			m.selfNoted = true
			m.cfg.log.Info(fmt.Sprintf("Not watching %s: it is memmon itself, and a memmon that stops itself cannot start itself again", lineName(p)))
		}
		return
	case p.PID == 0 || p.State != listener.StateRunning || m.restarter.InFlight(name):
		// Nothing to measure, or a restart is already under way.
		m.streaks.Pass(name)
		return
	}
	used, err := snap.Usage(p.PID, m.cfg.metric, m.cfg.cumulative)
	if errors.Is(err, procmem.ErrNoProcess) {
		return // exited since the table was checked
	}
	if err != nil {
		m.cfg.log.Warn(fmt.Sprintf("Cannot read the memory of %s: %v", lineName(p), err))
		return
	}
	// "RSS of web:web_00 is 1234", made in a reused buffer, without fmt
	// or a string: hundreds a tick.
	m.line = append(append(m.line[:0], m.cfg.metric.String()...), " of "...)
	m.line = append(append(append(m.line, p.Group...), ':'), p.Name...)
	m.line = strconv.AppendUint(append(m.line, " is "...), used, 10)
	log.Line(m.cfg.log, m.line)
	var over *rule
	for _, r := range applies {
		if used > r.limit.bytes {
			over = r
			break
		}
	}
	if over == nil {
		m.streaks.Pass(name)
		return
	}
	if n, due := m.streaks.Fail(name); !due {
		m.cfg.log.Info(fmt.Sprintf("%v of %s is above %s (%d of %d ticks in a row before a restart)", m.cfg.metric, lineName(p), over, n, m.streaks.Need()))
		return
	}
	usage := fmt.Sprintf("%v %d", m.cfg.metric, used)
	m.restart(name, lineName(p), cause{
		key:     noticeKey(tick, name, p.PID),
		usage:   usage,
		above:   fmt.Sprintf("%s, above %s", usage, over),
		because: fmt.Sprintf("it was consuming too much memory (%d bytes %v)", used, m.cfg.metric),
	})
}

// checkRuntime applies the run-time limits to one process: restarted (or
// stopped) once it has been RUNNING longer than the smallest limit
// covering it plus its spread, unless the time of day is in
// --max-runtime-not-during. The start time comes from the table, which
// asks supervisord for it (getProcessInfo) only after a start it learned
// of from /proc or an event.
func (m *handler) checkRuntime(ctx context.Context, p proctable.Process, tick string) {
	var limit *runtimeRule
	for _, r := range m.runtimes {
		if r.match.Covers(p.Group, p.Name) {
			r.matched = true
		}
		if r.match.Selects(p.Group, p.Name) && (limit == nil || r.limit.max < limit.limit.max) {
			limit = r
		}
	}
	name := p.Namespec()
	if limit == nil || p.PID == 0 || p.State != listener.StateRunning || m.restarter.InFlight(name) {
		return
	}
	if !p.Detailed {
		var err error
		if p, err = m.table.Detail(ctx, name); err != nil {
			m.listFailure.Fail(fmt.Sprintf("Cannot get the start time of %s from supervisord, checking again at the next tick: %v", name, err))
			return
		}
	}
	if p.Start == 0 || p.State != listener.StateRunning {
		return
	}
	now := m.cfg.clock.Now()
	up := now.Sub(p.Start.Time()).Truncate(time.Second)
	jitter := spread(name, m.cfg.jitterFor(limit.limit.max))
	if up < limit.limit.max+jitter {
		delete(m.waiting, name)
		return
	}
	past := fmt.Sprintf("up %v, past --max-runtime %s (+%v)", up, limit.limit, jitter)
	if m.cfg.notDuring.contains(now) {
		if !m.waiting[name] {
			m.waiting[name] = true
			m.cfg.log.Info(fmt.Sprintf("%s is %s; waiting for the end of --max-runtime-not-during %s", lineName(p), past, m.cfg.notDuring))
		}
		return
	}
	delete(m.waiting, name)
	m.restart(name, lineName(p), cause{
		key:   noticeKey(tick, name, p.PID),
		usage: past, above: past, stop: m.cfg.runtimeAction == actStop, uptime: up, uptimeKnown: true,
		because: fmt.Sprintf("it had been running for %v, longer than its limit of %v", up, limit.limit.max+jitter),
	})
}

// lineName is the process's name as superlance's memmon writes it in its
// lines and mail: "group:name", even when the two are the same.
func lineName(p proctable.Process) string { return p.Group + ":" + p.Name }

// cause is why memmon restarts (or stops) a process, in the words its log
// lines and mail use.
type cause struct {
	// key identifies the notices of this restart (noticeKey).
	key string
	// usage is the measure in a failed stop's line: "RSS 1234".
	usage string
	// above is the measure and the limit in a refusal's line.
	above string
	// because ends the mail's sentence "memmon.py restarted ... because ".
	because string
	// stop leaves the process stopped: --max-runtime-action stop.
	stop bool
	// uptime is the process's uptime when uptimeKnown; otherwise -u
	// asks supervisord for it.
	uptime      time.Duration
	uptimeKnown bool
}

// restart hands a process over to the restarter.
func (m *handler) restart(name, pname string, c cause) {
	req := restart.Request{Name: name, StopOnly: c.stop}
	// Only -u needs the uptime, which supervisord works out from its own
	// clock: asked for as superlance does, before the stop, in the
	// background. Unknown, it counts as short, so the restart is mailed.
	uptime := c.uptime
	if m.cfg.mail != nil && m.cfg.uptime != noUptimeLimit && !c.uptimeKnown {
		req.Prepare = func(ctx context.Context) {
			if info, err := m.sup.GetProcessInfo(ctx, name); err == nil {
				uptime = info.Uptime()
			}
		}
	}
	req.Done = func(ctx context.Context, out restart.Outcome) { m.finished(ctx, pname, c, uptime, out) }
	err := m.restarter.Restart(req)
	var budget *restart.BudgetError
	verb := "Restarting "
	if c.stop {
		verb = "Stopping "
	}
	switch {
	case err == nil:
		m.streaks.Pass(name)
		m.cfg.log.Info(verb + pname)
	case errors.As(err, &budget):
		line := fmt.Sprintf("Not restarting %s (%s): %v", pname, c.above, budget)
		m.cfg.log.Warn(line)
		if budget.First {
			m.mailInBackground(c.key+"/budget spent", fmt.Sprintf("process %s not restarted, restart budget spent", pname), line)
		}
	case errors.Is(err, restart.ErrClosed):
	default:
		m.cfg.log.Warn(fmt.Sprintf("Not restarting %s: %v", pname, err))
	}
}

// finished reports a restart's outcome, in the background.
func (m *handler) finished(ctx context.Context, pname string, c cause, uptime time.Duration, out restart.Outcome) {
	done := "restarted"
	if c.stop {
		done = "stopped"
	}
	switch {
	case out.StopErr != nil:
		line := fmt.Sprintf("Failed to stop process %s (%s): %s", pname, c.usage, restart.Describe(out.StopErr))
		m.cfg.log.Error(line)
		m.mail(ctx, c.key+"/stop failed", "failed to stop process "+pname, line)
	case out.StartErr != nil:
		line := fmt.Sprintf("Failed to start process %s after stopping it: %s", pname, restart.Describe(out.StartErr))
		m.cfg.log.Error(line)
		m.mail(ctx, c.key+"/start failed", "failed to start process "+pname, line)
	default:
		m.cfg.log.Info(pname + " " + done)
		if uptime <= m.cfg.uptime {
			m.mail(ctx, c.key+"/"+done, "process "+pname+" "+done, fmt.Sprintf(
				"memmon.py %s the process named %s at %s because %s",
				done, pname, out.Ended.Format("Mon Jan _2 15:04:05 2006 MST"), c.because))
		}
	}
}

// subject formats a mail subject as superlance does: "memmon: <s>", or
// "memmon [<name>]: <s>" with -n.
func (m *handler) subject(s string) string {
	if m.cfg.name != "" {
		return "memmon [" + m.cfg.name + "]: " + s
	}
	return "memmon: " + s
}

// mailInBackground queues a mail; it never holds up the event loop.
func (m *handler) mailInBackground(key, subject, body string) {
	m.mail(context.Background(), key, subject, body)
}

// mail queues one mail in the outbox under key, if memmon mails; a
// failure is logged there.
func (m *handler) mail(ctx context.Context, key, subject, body string) {
	subject = m.subject(subject)
	m.notices.Send(ctx, key, subject, body, m.cfg.clock.Now())
}

// noticeKey is the outbox key of the notices of one restart, which their
// Message-ID derives from: the tick that found the process over its limit
// (its outbox.EventKey: supervisord's identification and run, the pool,
// the serial) and the process, by name and pid. A notice made again is
// the same mail; another restart, even of the same process at the next
// tick, is another.
func noticeKey(tick, name string, pid int) string {
	return fmt.Sprintf("%s/%s/%d", tick, name, pid)
}
