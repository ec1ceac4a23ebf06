package orderedstartup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/retry"
)

// Supervisor is the part of supervisord's XML-RPC interface the starter
// uses; *rpc.Client implements it.
type Supervisor interface {
	GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error)
	StartProcess(ctx context.Context, name string, wait bool) error
}

// Policy says what becomes of the programs waiting for one that failed:
// it went FATAL, exited with an unexpected code while they waited for
// EXITED, could not be started, or did not get there in time.
type Policy int

const (
	// Stop leaves the programs waiting: they start only if the failed
	// program gets where they wait for it after all (once someone fixes
	// and restarts it).
	Stop Policy = iota
	// Continue starts them as if the failed program had got there.
	Continue
)

// String returns the policy's --on-failure spelling.
func (p Policy) String() string {
	if p == Continue {
		return "continue"
	}
	return "stop"
}

// ParsePolicy reads an --on-failure value.
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(s) {
	case "stop":
		return Stop, nil
	case "continue":
		return Continue, nil
	}
	return Stop, fmt.Errorf("--on-failure=%s: write stop or continue", s)
}

// Defaults for the zero fields of Config.
const (
	DefaultPoll        = 2 * time.Second
	DefaultCallTimeout = 10 * time.Second
)

// Config configures a Starter.
type Config struct {
	// Plan is what to start, and when.
	Plan *Plan
	// Supervisor is supervisord's XML-RPC interface.
	Supervisor Supervisor
	// Timeout is how long a program may take, from the moment it is
	// started, to reach what its dependents wait for; zero means no
	// limit. A program the listener does not start itself is timed from
	// the listener's start.
	Timeout time.Duration
	// OnFailure decides what a failure means for the programs waiting.
	OnFailure Policy
	// AnyExit counts every exit as reaching EXITED, whatever the exit
	// code, as ordered-startup-supervisord did.
	AnyExit bool
	// Log receives one line per decision and problem; it is the
	// listener's standard error.
	Log io.Writer
	// Notify, if set, is called for each problem with a mail subject and
	// body. It must not block: the starter holds its lock meanwhile.
	Notify func(subject, body string)
	// Poll is how often process states are read while startup is under
	// way, so that nothing hangs on a lost event; DefaultPoll if zero.
	Poll time.Duration
	// CallTimeout bounds each XML-RPC call with its retries;
	// DefaultCallTimeout if zero.
	CallTimeout time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// A Starter starts the programs of a Plan as the states they wait for are
// reached. It is the ordered-startup listener's event handler.
//
// It acts on what it knows of every process, not on a chain of events: a
// PROCESS_STATE event, a TICK, or its own timer (Run) makes it read the
// process states (getAllProcessInfo), start every program whose waits are
// all satisfied, and report every program that went wrong. A listener
// that restarts therefore carries on where the previous one stopped: what
// is already RUNNING or EXITED counts as reached, and nothing is started
// twice.
type Starter struct {
	cfg     Config
	plan    *Plan
	mu      sync.Mutex
	began   time.Time
	procs   map[string]*process
	progs   map[*Program]*programState
	wake    chan struct{}
	done    bool // startup finished: nothing more to do
	halted  bool // supervisord is shutting down
	rpcDown bool // the last call failed for want of supervisord
	looked  bool // the process states were read at least once
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
}

// NewStarter returns a Starter for cfg. Call Start before serving events
// and Run alongside.
func NewStarter(cfg Config) *Starter {
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	s := &Starter{cfg: cfg, plan: cfg.Plan, procs: map[string]*process{}, progs: map[*Program]*programState{}, wake: make(chan struct{}, 1)}
	for _, prog := range cfg.Plan.Programs {
		s.progs[prog] = &programState{}
		for _, ns := range prog.Processes {
			s.procs[ns] = &process{name: ns, program: prog}
		}
	}
	return s
}

// Start logs the plan and makes the first pass: it reads the process
// states and starts whatever is ready, typically the first program.
func (s *Starter) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	s.began = now
	for _, w := range s.plan.Warnings {
		s.logf("WARN", "%s", w)
	}
	if len(s.plan.Programs) == 0 {
		s.logf("INFO", "nothing to start: no program has startinorder=true or dependent_startup=true")
		s.done = true
		return
	}
	for i, layer := range s.plan.Layers {
		names := make([]string, len(layer))
		for j, prog := range layer {
			names[j] = prog.Name
		}
		s.logf("INFO", "layer %d: %s", i+1, strings.Join(names, ", "))
	}
	s.reconcile(ctx, now)
}

// Done reports whether startup is over: every program the listener
// manages has been started and everything waited for was reached or
// reported as failed.
func (s *Starter) Done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// HandleEvent updates the starter with a PROCESS_STATE or TICK event and
// acts on it. It always acknowledges the event: what the event says is
// recorded before it returns, and the work it calls for is retried by the
// next event or by Run's timer, whereas a rejected event would come back
// at once and hold up every later one.
func (s *Starter) HandleEvent(ctx context.Context, ev listener.Event) error {
	switch {
	case ev.EventName.Is(listener.ProcessState):
		pse, err := ev.ProcessState()
		if err != nil {
			s.mu.Lock()
			s.logf("WARN", "ignoring a malformed event: %v", err)
			s.mu.Unlock()
			return nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.procs[pse.Namespec()]
		if s.done || s.halted || p == nil {
			return nil // not ours, or startup is over: a respawn restarts no chain
		}
		p.sawState(pse.State, pse.Expected, s.cfg.AnyExit)
		s.reconcile(ctx, s.cfg.Now())
	case ev.EventName.Is(listener.Tick):
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.done && !s.halted {
			s.reconcile(ctx, s.cfg.Now())
		}
	}
	return nil
}

// Run reads the process states again whenever Poll has passed, a
// timeout is due or a failed call is to be retried, until startup is over
// or ctx ends. It makes the starter independent of the events it is sent:
// an event lost to a full buffer, or a listener not subscribed to TICK,
// delays nothing by more than Poll.
func (s *Starter) Run(ctx context.Context) {
	for {
		s.mu.Lock()
		if s.done || s.halted {
			s.mu.Unlock()
			return
		}
		wait := s.nextWake(s.cfg.Now())
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-s.wake:
			t.Stop()
		}
		s.mu.Lock()
		if !s.done && !s.halted {
			s.reconcile(ctx, s.cfg.Now())
		}
		s.mu.Unlock()
	}
}

// nextWake returns how long Run may sleep: until the next timeout falls
// due, and at most Poll. When all that is left waits for programs that
// failed, which events will tell about if they recover, it polls slowly.
func (s *Starter) nextWake(now time.Time) time.Duration {
	wait, active := s.cfg.Poll, s.rpcDown
	for _, prog := range s.plan.Programs {
		if s.progs[prog].failure != "" || len(s.pendingGoals(prog)) == 0 {
			continue
		}
		active = true
		if since := s.timedFrom(prog); s.cfg.Timeout > 0 && !since.IsZero() {
			wait = min(wait, max(since.Add(s.cfg.Timeout).Sub(now), time.Millisecond))
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
func (s *Starter) timedFrom(prog *Program) time.Time {
	if !prog.Managed {
		return s.began
	}
	return s.progs[prog].launched
}

// reconcile reads the process states and acts on them. The caller holds
// s.mu.
func (s *Starter) reconcile(ctx context.Context, now time.Time) {
	// Nothing is decided on stale states: a program stopped by hand, or
	// started meanwhile, must be seen before acting.
	if !s.refresh(ctx) || s.halted {
		return
	}
	s.checkPrograms(now)
	s.startReady(ctx, now)
	s.checkDone()
}

// refresh merges a fresh getAllProcessInfo into what the starter knows,
// and reports whether it could.
func (s *Starter) refresh(ctx context.Context) bool {
	var infos []rpc.ProcessInfo
	err := s.call(ctx, func(ctx context.Context) error {
		var err error
		infos, err = s.cfg.Supervisor.GetAllProcessInfo(ctx)
		return err
	})
	if err != nil {
		s.callFailed(ctx, "read the process states", err)
		return false
	}
	s.rpcDown = false
	for _, info := range infos {
		if p := s.procs[info.Namespec()]; p != nil {
			p.sawInfo(info, s.cfg.AnyExit)
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
func (s *Starter) call(ctx context.Context, op func(context.Context) error) error {
	policy := retry.Policy{MaxElapsed: s.cfg.CallTimeout, MaxAttempts: 3, Initial: 200 * time.Millisecond}
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
func (s *Starter) callFailed(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return // the listener is stopping
	}
	if errors.Is(err, rpc.ErrShutdownState) {
		s.logf("INFO", "supervisord is shutting down: nothing more to start")
		s.halted = true
		return
	}
	if !s.rpcDown {
		s.logf("ERROR", "cannot %s: %v; trying again every %s", what, err, s.cfg.Poll)
		s.rpcDown = true
	}
}

// satisfied reports whether every process of prog has reached one of
// states (the same one).
func (s *Starter) satisfied(prog *Program, states []listener.State) bool {
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
func (s *Starter) pendingGoals(prog *Program) [][]listener.State {
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
			if slices.ContainsFunc(d.After, func(w Wait) bool { return w.Program == prog && slices.Equal(w.States, g) }) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// reachedAll reports whether prog reached all its goals.
func (s *Starter) reachedAll(prog *Program) bool {
	for _, g := range prog.Goals {
		if !s.satisfied(prog, g) {
			return false
		}
	}
	return true
}

// waiting returns the dependents of prog still waiting for it.
func (s *Starter) waiting(prog *Program) []*Program {
	var out []*Program
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
func (s *Starter) checkPrograms(now time.Time) {
	for _, prog := range s.plan.Programs {
		st := s.progs[prog]
		if st.failure != "" {
			if s.reachedAll(prog) {
				s.logf("INFO", "%s reached %s after all, despite the failure reported earlier", prog.Name, goalText(prog.Goals))
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
					s.logf("WARN", "%s", msg)
					s.notify(prog.Name+" entered BACKOFF", msg)
					break
				}
			}
		}
	}
}

// failureOf says why prog, which has not reached pending, never will
// without help, or "". The reason is a sentence naming the program or
// the process at fault.
func (s *Starter) failureOf(prog *Program, pending [][]listener.State, now time.Time) string {
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
	if since := s.timedFrom(prog); s.cfg.Timeout > 0 && !since.IsZero() && !now.Before(since.Add(s.cfg.Timeout)) {
		var states []string
		for _, ns := range prog.Processes {
			states = append(states, ns+" is "+s.procs[ns].state.String())
		}
		return fmt.Sprintf("%s did not reach %s within %s (%s)", prog.Name, goalText(pending), s.cfg.Timeout, strings.Join(states, ", "))
	}
	return ""
}

// report logs and mails a failure and what it means for the programs
// waiting.
func (s *Starter) report(prog *Program, reason string) {
	msg := reason
	if waiting := s.waiting(prog); len(waiting) > 0 {
		names := make([]string, len(waiting))
		for i, d := range waiting {
			names[i] = d.Name
		}
		if s.cfg.OnFailure == Continue {
			msg += fmt.Sprintf(": starting %s anyway (--on-failure=continue)", strings.Join(names, ", "))
		} else {
			msg += fmt.Sprintf(": not starting %s (--on-failure=stop)", strings.Join(names, ", "))
		}
	}
	s.logf("ERROR", "%s", msg)
	s.notify(strings.SplitN(reason, " (", 2)[0], msg)
}

// startReady starts, in plan order, every managed program not started
// yet whose waits are all satisfied (or failed, with Continue).
func (s *Starter) startReady(ctx context.Context, now time.Time) {
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
				s.logf("INFO", "%s was already started (%s): not starting it again", prog.Name, s.statesText(prog))
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
			case s.cfg.OnFailure == Continue && s.progs[w.Program].failure != "":
				why = append(why, w.Program.Name+" failed (--on-failure=continue)")
			default:
				ready = false
			}
		}
		if !ready {
			continue
		}
		if len(why) == 0 {
			s.logf("INFO", "starting %s: it waits for nothing", prog.Name)
		} else {
			s.logf("INFO", "starting %s: %s", prog.Name, strings.Join(why, ", "))
		}
		s.start(ctx, prog, now)
		if s.halted {
			return
		}
	}
}

func (s *Starter) allLaunched(prog *Program) bool {
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
func (s *Starter) start(ctx context.Context, prog *Program, now time.Time) {
	st := s.progs[prog]
	for _, ns := range prog.Processes {
		p := s.procs[ns]
		if p.launched {
			continue
		}
		err := s.call(ctx, func(ctx context.Context) error { return s.cfg.Supervisor.StartProcess(ctx, ns, false) })
		switch {
		case err == nil:
			p.launched = true
		case errors.Is(err, rpc.ErrAlreadyStarted):
			s.logf("INFO", "%s was already started (ALREADY_STARTED): carrying on", ns)
			p.launched = true
		case errors.Is(err, rpc.ErrSpawnError):
			// supervisord keeps retrying it: BACKOFF, then RUNNING or FATAL.
			s.logf("WARN", "%s did not spawn (%v): supervisord retries it", ns, err)
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
}

// checkDone notes the end of startup: every managed program started, and
// every goal reached or reported failed.
func (s *Starter) checkDone() {
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
	if len(failed) > 0 {
		s.logf("WARN", "startup finished; %s did not get there (reported above)", strings.Join(failed, ", "))
		return
	}
	s.logf("INFO", "startup complete: later events start nothing")
}

func (s *Starter) statesText(prog *Program) string {
	var parts []string
	for _, ns := range prog.Processes {
		parts = append(parts, s.procs[ns].state.String())
	}
	return strings.Join(parts, ", ")
}

func (s *Starter) logf(level, format string, args ...any) {
	fmt.Fprintf(s.cfg.Log, "%s %s %s\n", asctime.Format(s.cfg.Now()), level, fmt.Sprintf(format, args...))
}

// notify mails a report with the state of every program of the plan.
func (s *Starter) notify(subject, msg string) {
	if s.cfg.Notify == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n\nStart order and current states:\n", asctime.Format(s.cfg.Now()), msg)
	for i, layer := range s.plan.Layers {
		for _, prog := range layer {
			fmt.Fprintf(&b, "  %d. %s: %s", i+1, prog.Name, s.statesText(prog))
			if len(prog.After) > 0 {
				fmt.Fprintf(&b, " (started when %s)", describeWaits(prog.After))
			}
			b.WriteString("\n")
		}
	}
	s.cfg.Notify(subject, b.String())
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
