package orderedstartup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/plugins/internal/retry"
)

// supervisor is the part of supervisord's XML-RPC interface the starter
// uses; *rpc.Client implements it.
type supervisor interface {
	GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error)
	StartProcess(ctx context.Context, name string, wait bool) error
	StopProcess(ctx context.Context, name string, wait bool) error
}

// handler starts the programs of a startPlan as the states they wait for
// are reached. It is the ordered-startup listener's event handler.
//
// It acts on what it knows of every process, not on a chain of events: a
// PROCESS_STATE event, a TICK, or its own timer (Run) makes it read the
// process states (getAllProcessInfo), start every program whose waits are
// all satisfied, and report every program that went wrong. A listener
// that restarts therefore carries on where the previous one stopped: what
// is already RUNNING or EXITED counts as reached, and nothing is started
// twice.
type handler struct {
	cfg     config
	plan    *startPlan
	sup     supervisor
	mailer  func(key, subject, body string) // nil: problems are only logged
	mu      sync.Mutex
	began   time.Time
	procs   map[string]*process
	progs   map[*planProgram]*programState
	wake    chan struct{}
	done    bool // startup finished: nothing more to do
	halted  bool // supervisord is shutting down
	rpcDown bool // the last call failed for want of supervisord
	looked  bool // the process states were read at least once
	// rpcFailure logs a call that does not get through once until calls
	// work again.
	rpcFailure *log.Recurring
	// restarter stops and restarts followers (follow.go) in the
	// background, within their restart budget.
	restarter *restart.Restarter
	// changed is closed, and replaced, whenever a followed program goes
	// down or up: the held starts look again.
	changed chan struct{}
	// holds ends when the listener stops: held followers stay stopped.
	holds     context.Context
	stopHolds context.CancelFunc
	// reload makes the plan again from the configuration as it is now
	// (reload.go); nil: the plan never changes.
	reload func(ctx context.Context) (*startPlan, error)
	// reloadFailure logs a configuration that cannot be used once until
	// one can.
	reloadFailure *log.Recurring
	// edited reports, at a TICK, that the configuration files changed
	// since they were last read (confstamp.go); nil: not watched.
	// editPending logs, once, an edit that cannot be used yet.
	edited      func() bool
	editPending *log.Recurring
	// endLine is the end of startup last logged; startedSince, that a
	// program was started after it.
	endLine      string
	startedSince bool
}

// programState is the starter's record of one program.
type programState struct {
	// launched is when the program's processes had all been started, by
	// the starter or found started; zero until then.
	launched time.Time
	startErr error // a start that cannot succeed (BAD_NAME, NO_FILE...)
	// preexisting reports that the program had been started before this
	// listener first looked.
	preexisting bool
	failure     string // the reported failure, until the program gets there
	backoff     bool   // a BACKOFF was reported
	announced   bool   // "already started" was logged

	// up reports, for a program with followers, that every process was
	// RUNNING when last seen; wentDown, that it left RUNNING since, and
	// toRestart, the restart-mode followers running then.
	up, wentDown bool
	toRestart    []*planProgram
}

// newHandler returns the handler that starts plan's programs through
// sup as cfg says; report, if not nil, is called for each problem with a
// mail subject and body, and must not block: the handler holds its lock
// meanwhile. Call begin before serving events, and loop alongside.
func newHandler(cfg config, plan *startPlan, sup supervisor, report func(key, subject, body string)) *handler {
	cfg = cfg.withDefaults()
	s := &handler{cfg: cfg, plan: plan, sup: sup, mailer: report, procs: map[string]*process{}, progs: map[*planProgram]*programState{},
		wake: make(chan struct{}, 1), rpcFailure: log.NewRecurring(cfg.log, slog.LevelError, cfg.clock), changed: make(chan struct{}),
		reloadFailure: log.NewRecurring(cfg.log, slog.LevelError, cfg.clock), editPending: log.NewRecurring(cfg.log, slog.LevelInfo, cfg.clock)}
	parallel := 0
	for _, prog := range plan.Programs {
		s.progs[prog] = &programState{}
		for _, ns := range prog.Processes {
			s.procs[ns] = &process{name: ns, program: prog}
		}
		if prog.Runtime != runtimeOff {
			parallel += len(prog.Processes)
		}
	}
	// A held follower keeps its place until what it follows is back, so
	// every follower gets one.
	s.restarter = restart.New(sup, restart.Config{Policy: cfg.restart, Parallel: max(parallel, restart.DefaultParallel), Clock: cfg.clock})
	s.holds, s.stopHolds = context.WithCancel(context.Background())
	return s
}

// begin logs the plan and makes the first pass: it reads the process
// states and starts whatever is ready, typically the first program.
func (s *handler) begin(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.clock.Now()
	s.began = now
	for _, w := range s.plan.Warnings {
		s.logf(slog.LevelWarn, "%s", w)
	}
	if len(s.plan.Programs) == 0 {
		s.logf(slog.LevelInfo, "nothing to start: no program has startinorder=true or dependent_startup=true")
		s.done = true
		return
	}
	for i, layer := range s.plan.Layers {
		names := make([]string, len(layer))
		for j, prog := range layer {
			names[j] = prog.Name
		}
		s.logf(slog.LevelInfo, "layer %d: %s", i+1, strings.Join(names, ", "))
	}
	s.reconcile(ctx, now)
}

// Shutdown lets the followers' restarts under way finish, within ctx;
// held followers stay stopped. The rest of the handler's work is done
// within HandleEvent and loop, which the command stops, and the reports
// it queued are the mailer's to send.
func (s *handler) Shutdown(ctx context.Context) error {
	s.stopHolds()
	return s.restarter.Shutdown(ctx)
}

// Stop gives up the held starts of followers at once, when supervisord
// stops the listener: what they wait for may be gone for good.
func (s *handler) Stop() { s.stopHolds() }

// finished reports whether startup is over: every program the listener
// manages has been started and everything waited for was reached or
// reported as failed.
func (s *handler) finished() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// HandleEvent updates the starter with a PROCESS_STATE or TICK event and
// acts on it. It always acknowledges the event: what the event says is
// recorded before it returns, and the work it calls for is retried by the
// next event or by Run's timer, whereas a rejected event would come back
// at once and hold up every later one.
func (s *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	switch {
	case ev.EventName.Is(listener.ProcessState):
		pse, err := ev.ProcessState()
		if err != nil {
			s.mu.Lock()
			log.MalformedEvent(s.cfg.log, ev, err)
			s.mu.Unlock()
			return nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.procs[pse.Namespec()]
		if s.halted || p == nil {
			return nil // not ours
		}
		p.sawState(pse.State, pse.Expected, s.cfg.anyExit)
		if pse.FromState == listener.StateRunning {
			s.leftRunning(p.program, p.name, pse.State)
		}
		if s.done {
			// Startup is over: a respawn restarts no chain, but followers
			// follow.
			s.follow(false)
			return nil
		}
		s.reconcile(ctx, s.cfg.clock.Now())
	case ev.EventName.Is(listener.ProcessGroup):
		pge, err := ev.ProcessGroup()
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.logf(slog.LevelWarn, "ignoring a malformed event: %v", err)
			return nil
		}
		if !s.halted {
			s.groupChanged(ctx, ev.EventName, pge.GroupName, outbox.EventKey(ev))
		}
	case ev.EventName.Is(listener.Tick):
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.halted && s.edited != nil && s.edited() {
			s.fileChanged(ctx)
		}
		if !s.done && !s.halted {
			s.reconcile(ctx, s.cfg.clock.Now())
		}
	}
	return nil
}

// loop reads the process states again whenever Poll has passed, a
// timeout is due or a failed call is to be retried, while startup is
// under way or a followed program is down, until supervisord shuts down
// or ctx ends. It makes the starter independent of the events it is sent:
// an event lost to a full buffer, or a listener not subscribed to TICK,
// delays nothing by more than Poll. In between it waits to be woken, and
// reads nothing.
func (s *handler) loop(ctx context.Context) {
	for {
		s.mu.Lock()
		if s.halted {
			s.mu.Unlock()
			return
		}
		var timer <-chan time.Time
		if !s.done {
			timer = time.After(s.nextWake(s.cfg.clock.Now()))
		} else if s.holding() {
			timer = time.After(s.cfg.poll)
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-timer:
		case <-s.wake:
		}
		s.mu.Lock()
		switch {
		case s.halted:
		case !s.done:
			s.reconcile(ctx, s.cfg.clock.Now())
		case s.holding() && s.refresh(ctx):
			s.follow(true)
		}
		s.mu.Unlock()
	}
}

// nextWake returns how long Run may sleep: until the next timeout falls
// due, and at most Poll. When all that is left waits for programs that
// failed, which events will tell about if they recover, it polls slowly.
func (s *handler) nextWake(now time.Time) time.Duration {
	wait, active := s.cfg.poll, s.rpcDown
	for _, prog := range s.plan.Programs {
		if s.progs[prog].failure != "" || len(s.pendingGoals(prog)) == 0 {
			continue
		}
		active = true
		if since := s.timedFrom(prog); s.cfg.timeout > 0 && !since.IsZero() {
			wait = min(wait, max(since.Add(s.cfg.timeout).Sub(now), time.Millisecond))
		}
	}
	if !active {
		return max(wait, idlePoll)
	}
	return wait
}

// idlePoll is how often Run reads the process states when startup is
// blocked by failures.
const idlePoll = 30 * time.Second

// timedFrom returns when prog's timeout started: when it was started, or
// for a program the listener does not start, when the listener started.
func (s *handler) timedFrom(prog *planProgram) time.Time {
	if !prog.Managed {
		return s.began
	}
	return s.progs[prog].launched
}

// reconcile reads the process states and acts on them. The caller holds
// s.mu.
func (s *handler) reconcile(ctx context.Context, now time.Time) {
	// Nothing is decided on stale states: a program stopped by hand, or
	// started meanwhile, must be seen before acting.
	if !s.refresh(ctx) || s.halted {
		return
	}
	s.follow(true)
	s.checkPrograms(now)
	s.startReady(ctx, now)
	s.checkDone()
}

// refresh merges a fresh getAllProcessInfo into what the starter knows,
// and reports whether it could.
func (s *handler) refresh(ctx context.Context) bool {
	var infos []rpc.ProcessInfo
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		infos, err = s.sup.GetAllProcessInfo(ctx)
		return err
	})
	if err != nil {
		s.callFailed(ctx, "read the process states", err)
		return false
	}
	s.rpcDown = false
	s.rpcFailure.Recover("supervisord answers again")
	for _, info := range infos {
		if p := s.procs[info.Namespec()]; p != nil {
			if p.info.Start != 0 && info.Start == 0 {
				// Never started, after it was: a new process of the same
				// name, from a group supervisorctl update removed and
				// added again.
				*p = process{name: p.name, program: p.program}
			}
			p.sawInfo(info, s.cfg.anyExit)
		}
	}
	if !s.looked {
		s.looked = true
		for _, prog := range s.plan.Programs {
			s.progs[prog].preexisting = s.allLaunched(prog)
		}
	}
	return true
}

// call runs one XML-RPC call with a short, bounded retry of transport
// failures; supervisord's faults are final.
func (s *handler) call(ctx context.Context, op func(context.Context) error) error {
	policy := retry.Policy{MaxElapsed: s.cfg.callTimeout, MaxAttempts: 3, Initial: 200 * time.Millisecond}
	err := retry.Do(ctx, policy, func(ctx context.Context) error {
		err := op(ctx)
		var fault *rpc.Fault
		if errors.As(err, &fault) {
			return retry.Permanent(err)
		}
		return err
	})
	if fault := (*rpc.Fault)(nil); errors.As(err, &fault) {
		return fault // supervisord's answer says it all; no retry was made
	}
	return err
}

// callFailed reports a call that did not get through, once until calls
// work again; the next pass retries it.
func (s *handler) callFailed(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return // the listener is stopping
	}
	if errors.Is(err, rpc.ErrShutdownState) {
		s.logf(slog.LevelInfo, "supervisord is shutting down: nothing more to start")
		s.halted = true
		return
	}
	// The retries' figures change at every pass; the failure is the same
	// while its last error is.
	last := err
	if re := (*retry.Error)(nil); errors.As(err, &re) && re.Err != nil {
		last = re.Err
	}
	s.rpcFailure.FailAs(fmt.Sprintf("cannot %s: %v", what, last),
		fmt.Sprintf("cannot %s: %v; trying again every %s", what, err, s.cfg.poll))
	s.rpcDown = true
}

// satisfied reports whether every process of prog has reached one of
// states (the same one).
func (s *handler) satisfied(prog *planProgram, states []listener.State) bool {
	for _, st := range states {
		all := true
		for _, ns := range prog.Processes {
			if !s.procs[ns].reached.has(st) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// pendingGoals returns the goals of prog that still matter and are not
// reached: those a program not started yet waits for. A program nothing
// waits for is watched for its own sake, unless it was running before
// this listener was.
func (s *handler) pendingGoals(prog *planProgram) [][]listener.State {
	var out [][]listener.State
	for _, g := range prog.Goals {
		if s.satisfied(prog, g) {
			continue
		}
		if len(prog.Dependents) == 0 {
			if !s.progs[prog].preexisting {
				out = append(out, g)
			}
			continue
		}
		for _, d := range prog.Dependents {
			if !s.progs[d].launched.IsZero() {
				continue
			}
			if slices.ContainsFunc(d.After, func(w planWait) bool { return w.Program == prog && slices.Equal(w.States, g) }) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// reachedAll reports whether prog reached all its goals.
func (s *handler) reachedAll(prog *planProgram) bool {
	for _, g := range prog.Goals {
		if !s.satisfied(prog, g) {
			return false
		}
	}
	return true
}

// waiting returns the dependents of prog still waiting for it.
func (s *handler) waiting(prog *planProgram) []*planProgram {
	var out []*planProgram
	for _, d := range prog.Dependents {
		for _, w := range d.After {
			if w.Program == prog && !s.satisfied(prog, w.States) && s.progs[d].launched.IsZero() && d.Managed {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// checkPrograms finds the programs that failed, went into BACKOFF or got
// where they were going after a failure, and reports them.
func (s *handler) checkPrograms(now time.Time) {
	for _, prog := range s.plan.Programs {
		st := s.progs[prog]
		if st.failure != "" {
			if s.reachedAll(prog) {
				s.logf(slog.LevelInfo, "%s reached %s after all, despite the failure reported earlier", prog.Name, goalText(prog.Goals))
				st.failure = ""
			}
			continue
		}
		pending := s.pendingGoals(prog)
		if len(pending) == 0 {
			continue
		}
		if reason := s.failureOf(prog, pending, now); reason != "" {
			st.failure = reason
			s.report(prog, reason)
			continue
		}
		if !st.backoff {
			for _, ns := range prog.Processes {
				if p := s.procs[ns]; p.state == listener.StateBackoff {
					st.backoff = true
					msg := fmt.Sprintf("%s entered BACKOFF (%s): supervisord retries it, and it may still reach %s", ns, describe(p.info), goalText(pending))
					s.logf(slog.LevelWarn, "%s", msg)
					s.notify(s.factsKey("backoff", prog), prog.Name+" entered BACKOFF", msg)
					break
				}
			}
		}
	}
}

// failureOf says why prog, which has not reached pending, never will
// without help, or "". The reason is a sentence naming the program or
// the process at fault.
func (s *handler) failureOf(prog *planProgram, pending [][]listener.State, now time.Time) string {
	st := s.progs[prog]
	if st.startErr != nil {
		return fmt.Sprintf("%s could not be started: %v", prog.Name, st.startErr)
	}
	accepts := func(state listener.State) bool {
		for _, g := range pending {
			if !slices.Contains(g, state) {
				return false
			}
		}
		return true
	}
	for _, ns := range prog.Processes {
		p := s.procs[ns]
		switch {
		case p.state == listener.StateFatal && !accepts(listener.StateFatal):
			return fmt.Sprintf("%s entered FATAL (%s)", ns, describe(p.info))
		case p.state == listener.StateUnknown && !accepts(listener.StateUnknown):
			return fmt.Sprintf("%s is in state UNKNOWN", ns)
		case p.badExit && slices.ContainsFunc(pending, func(g []listener.State) bool { return slices.Contains(g, listener.StateExited) }):
			return fmt.Sprintf("%s exited with status %d, which is not in its exitcodes (%s)", ns, p.info.ExitStatus, intsText(prog.ExitCodes))
		}
	}
	if since := s.timedFrom(prog); s.cfg.timeout > 0 && !since.IsZero() && !now.Before(since.Add(s.cfg.timeout)) {
		var states []string
		for _, ns := range prog.Processes {
			states = append(states, ns+" is "+s.procs[ns].state.String())
		}
		return fmt.Sprintf("%s did not reach %s within %s (%s)", prog.Name, goalText(pending), s.cfg.timeout, strings.Join(states, ", "))
	}
	return ""
}

// report logs and mails a failure and what it means for the programs
// waiting.
func (s *handler) report(prog *planProgram, reason string) {
	msg := reason
	if waiting := s.waiting(prog); len(waiting) > 0 {
		names := make([]string, len(waiting))
		for i, d := range waiting {
			names[i] = d.Name
		}
		if s.cfg.onFailure == policyContinue {
			msg += fmt.Sprintf(": starting %s anyway (--on-failure=continue)", strings.Join(names, ", "))
		} else {
			msg += fmt.Sprintf(": not starting %s (--on-failure=stop)", strings.Join(names, ", "))
		}
	}
	s.logf(slog.LevelError, "%s", msg)
	s.notify(s.factsKey("failed", prog), strings.SplitN(reason, " (", 2)[0], msg)
}

// startReady starts, in plan order, every managed program not started
// yet whose waits are all satisfied (or failed, with policyContinue).
func (s *handler) startReady(ctx context.Context, now time.Time) {
	for _, prog := range s.plan.Programs {
		st := s.progs[prog]
		if !prog.Managed || !st.launched.IsZero() || st.startErr != nil {
			continue
		}
		if s.allLaunched(prog) {
			// Started by supervisord (autostart), by hand, or by an
			// earlier run of this listener: never started twice.
			st.launched = now
			if !st.announced {
				s.logf(slog.LevelInfo, "%s was already started (%s): not starting it again", prog.Name, s.statesText(prog))
				st.announced = true
			}
			continue
		}
		var why []string
		ready := true
		for _, w := range prog.After {
			switch {
			case s.satisfied(w.Program, w.States):
				why = append(why, w.String())
			case s.cfg.onFailure == policyContinue && s.progs[w.Program].failure != "":
				why = append(why, w.Program.Name+" failed (--on-failure=continue)")
			default:
				ready = false
			}
		}
		if !ready {
			continue
		}
		if len(why) == 0 {
			s.logf(slog.LevelInfo, "starting %s: it waits for nothing", prog.Name)
		} else {
			s.logf(slog.LevelInfo, "starting %s: %s", prog.Name, strings.Join(why, ", "))
		}
		s.start(ctx, prog, now)
		if s.halted {
			return
		}
	}
}

func (s *handler) allLaunched(prog *planProgram) bool {
	for _, ns := range prog.Processes {
		if !s.procs[ns].launched {
			return false
		}
	}
	return true
}

// start starts every process of prog not started yet, without waiting
// for it to get to RUNNING: the listener must not stay busy for the
// length of a start.
func (s *handler) start(ctx context.Context, prog *planProgram, now time.Time) {
	st := s.progs[prog]
	for _, ns := range prog.Processes {
		p := s.procs[ns]
		if p.launched {
			continue
		}
		err := s.call(ctx, func(ctx context.Context) error { return s.sup.StartProcess(ctx, ns, false) })
		switch {
		case err == nil:
			p.launched = true
		case errors.Is(err, rpc.ErrAlreadyStarted):
			s.logf(slog.LevelInfo, "%s was already started (ALREADY_STARTED): carrying on", ns)
			p.launched = true
		case errors.Is(err, rpc.ErrSpawnError):
			// supervisord keeps retrying it: BACKOFF, then RUNNING or FATAL.
			s.logf(slog.LevelWarn, "%s did not spawn (%v): supervisord retries it", ns, err)
			p.launched = true
		case errors.Is(err, rpc.ErrShutdownState):
			s.callFailed(ctx, "start "+ns, err)
			return
		default:
			var fault *rpc.Fault
			if errors.As(err, &fault) {
				st.startErr = fmt.Errorf("starting %s: %w", ns, err)
				return
			}
			s.callFailed(ctx, "start "+ns, err)
			return
		}
	}
	st.launched = now
	s.startedSince = true
}

// checkDone notes the end of startup: every managed program started, and
// every goal reached or reported failed.
func (s *handler) checkDone() {
	var failed []string
	for _, prog := range s.plan.Programs {
		st := s.progs[prog]
		if prog.Managed && st.launched.IsZero() && st.startErr == nil {
			return
		}
		if st.failure != "" {
			failed = append(failed, prog.Name)
		} else if len(s.pendingGoals(prog)) > 0 {
			return
		}
	}
	s.done = true
	select {
	case s.wake <- struct{}{}:
	default:
	}
	line, level := "startup complete: later events start nothing", slog.LevelInfo
	switch {
	case len(failed) > 0:
		line, level = fmt.Sprintf("startup finished; %s did not get there (reported above)", strings.Join(failed, ", ")), slog.LevelWarn
	case s.hasFollowers():
		line += " but the followers of dependent_runtime"
	}
	// After a configuration read again that changed nothing, the end is
	// not news.
	if line != s.endLine || s.startedSince {
		s.logf(level, "%s", line)
	}
	s.endLine, s.startedSince = line, false
}

func (s *handler) statesText(prog *planProgram) string {
	var parts []string
	for _, ns := range prog.Processes {
		parts = append(parts, s.procs[ns].state.String())
	}
	return strings.Join(parts, ", ")
}

func (s *handler) logf(level slog.Level, format string, args ...any) {
	s.cfg.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

// factsKey is the key of a report about prog: what is reported (kind)
// and which run of each of prog's processes it is about, their start
// times as supervisord gives them. A restarted listener that finds the
// same failure of the same runs makes the same key, and so sends no
// second report; a failure of a later run is a new one.
func (s *handler) factsKey(kind string, prog *planProgram, more ...string) string {
	return outbox.StateKey(append(append([]string{kind, prog.Name}, s.runs(prog)...), more...)...)
}

// runs names the latest run of each of prog's processes: "name@start".
func (s *handler) runs(prog *planProgram) []string {
	var out []string
	for _, ns := range prog.Processes {
		out = append(out, fmt.Sprintf("%s@%d", ns, s.procs[ns].info.Start))
	}
	return out
}

// notify mails a report with the state of every program of the plan,
// under key (factsKey, outbox.StateKey).
func (s *handler) notify(key, subject, msg string) {
	if s.mailer == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n\nStart order and current states:\n", asctime.Format(s.cfg.clock.Now()), msg)
	for i, layer := range s.plan.Layers {
		for _, prog := range layer {
			fmt.Fprintf(&b, "  %d. %s: %s", i+1, prog.Name, s.statesText(prog))
			if len(prog.After) > 0 {
				fmt.Fprintf(&b, " (started when %s)", describeWaits(prog.After))
			}
			b.WriteString("\n")
		}
	}
	s.mailer(key, subject, b.String())
}

// describe returns supervisord's account of a process in trouble.
func describe(info rpc.ProcessInfo) string {
	if info.SpawnErr != "" {
		return info.SpawnErr
	}
	if info.Description != "" {
		return info.Description
	}
	return "no details from supervisord"
}

func goalText(goals [][]listener.State) string {
	parts := make([]string, len(goals))
	for i, g := range goals {
		parts[i] = joinStates(g, " or ")
	}
	return strings.Join(parts, " and ")
}

func intsText(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ",")
}
