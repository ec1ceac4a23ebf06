package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// session is one scenario's run: the emulated supervisord on a virtual
// clock, the sinks the listener reaches, and what the scenario noted as it
// went (the steps, the results it already looked at, the faults it
// expects).
type session struct {
	cfg   *config
	work  string
	clock *testharness.FakeClock
	sv    atomic.Pointer[testharness.Supervisor]
	spec  testharness.Config
	pools map[string]bool // pool names: their processes are the listeners
	mail  *smtpSink
	web   *httpSink
	// durable is what the scenario declared durable (durable.go).
	durable *durability
	// bound is the time of what the scenario does now; only the
	// scenario's goroutine uses it.
	bound bound

	mu       sync.Mutex
	steps    []arrival      // the scenario's driving commands, where they ran
	seen     map[string]int // results of each listener an "answered" has looked at
	expected map[faultKind]bool
	end      int // the transcript's length when the scenario ended
	probes   []probeWindow
	missed   []missedWork // mail and requests expected in vain

	faults []fault // found once the scenario ended
}

// clockStart is where the virtual clock starts: now, at the start of a
// 5-second slice, so the first TICK_5 comes after 5 virtual seconds.
func clockStart() time.Time { return time.Now().Truncate(5 * time.Second) }

// newSession starts the sinks and the emulated supervisord for the
// scenario whose files are in work, and lets it settle: the listeners
// started and READY.
func newSession(cfg *config, work string) (*session, error) {
	s := &session{cfg: cfg, work: work, seen: map[string]int{}, expected: map[faultKind]bool{}, pools: map[string]bool{}, durable: newDurability()}
	var err error
	if s.mail, err = newSMTPSink(s.pos); err != nil {
		return nil, fmt.Errorf("cannot start the SMTP server: %w", err)
	}
	if s.web, err = newHTTPSink(s.pos); err != nil {
		s.mail.close()
		return nil, fmt.Errorf("cannot start the HTTP endpoint: %w", err)
	}
	if err := s.start(); err != nil {
		s.mail.close()
		s.web.close()
		return nil, err
	}
	return s, nil
}

// sinkEnv is what a listener (and the configuration, through
// %(ENV_X)s) knows of the sinks.
func (s *session) sinkEnv(sendmail string) map[string]string {
	host, port, _ := strings.Cut(s.mail.addr(), ":")
	return map[string]string{
		"HARNESS_SMTP":      s.mail.addr(),
		"HARNESS_SMTP_HOST": host,
		"HARNESS_SMTP_PORT": port,
		"HARNESS_HTTP":      s.web.url(),
		"HARNESS_SENDMAIL":  sendmail,
	}
}

func (s *session) start() error {
	bin := filepath.Join(s.work, ".harness", "bin")
	logs := filepath.Join(s.work, ".harness", "logs")
	for _, d := range []string{bin, logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	sendmail := filepath.Join(bin, sendmailName)
	if err := os.Symlink(exe, sendmail); err != nil {
		return err
	}
	// ParseConfig expands %(ENV_X)s from this process's environment, and
	// children start from it: scenarios run one at a time, so setting it
	// here is safe.
	for k, v := range s.sinkEnv(sendmail) {
		os.Setenv(k, v)
	}
	env := os.Environ()
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + bin + string(os.PathListSeparator) + v
		}
	}

	text, here, err := s.cfg.configText(s.work)
	if err != nil {
		return err
	}
	spec, err := testharness.ParseConfig(text, here)
	if err != nil {
		return err
	}
	if len(spec.Pools) == 0 {
		return fmt.Errorf("the configuration has no [eventlistener:x] section: nothing to test")
	}
	for i := range spec.Programs {
		spec.Programs[i].Command = nil // virtual: the scenario drives them
	}
	for i, p := range spec.Pools {
		s.pools[p.Name] = true
		spec.Pools[i].ResultHandler = s.durable.resultHandler(p.Name)
	}
	s.clock = testharness.NewFakeClock(clockStart())
	spec.Clock = s.clock
	spec.ClockTicks = true
	spec.RPC = true
	spec.Dir = logs
	spec.Env = env
	spec.WaitTimeout = s.cfg.timeout
	s.spec = spec
	sv, err := testharness.New(spec)
	if err != nil {
		return err
	}
	s.sv.Store(sv)
	s.begin("supervisord's start")
	if err := s.settle(); err != nil {
		return err
	}
	// What the listeners answered as supervisord started is before the
	// scenario: its first answered looks at what came after.
	for _, name := range s.listeners() {
		s.seen[name] = len(sv.Transcript().Results(name))
	}
	return nil
}

// pos is the transcript's length now: where an arrival happened.
func (s *session) pos() int {
	if sv := s.sv.Load(); sv != nil {
		return sv.Transcript().Len()
	}
	return 0
}

func (s *session) supervisor() *testharness.Supervisor { return s.sv.Load() }

// isListener reports whether p belongs to an [eventlistener:x] pool.
func (s *session) isListener(p *testharness.Process) bool { return s.pools[p.Group()] }

// listeners returns the namespecs of the listener processes.
func (s *session) listeners() []string {
	var out []string
	for _, p := range s.supervisor().Processes() {
		if s.isListener(p) {
			out = append(out, p.Namespec())
		}
	}
	return out
}

// step notes a driving command of the scenario in the transcript.
func (s *session) step(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, arrival{at: s.pos(), text: line})
}

// transitional states move on their own once time passes.
func transitional(st listener.State) bool {
	return st == listener.StateStarting || st == listener.StateBackoff || st == listener.StateStopping
}

// pace is how far the virtual clock moves per step of real time while a
// listener, a real process, is between states: its startsecs, backoff
// and stopwaitsecs pass at the pace they would under supervisord, so a
// listener that dies 200ms after it starts still dies within startsecs.
const pace = 20 * time.Millisecond

// bound is the time a verb or an expectation has. Every wait inside it
// ends at the one deadline, however many waits it makes: a verb whose
// waits each see progress (a listener killed, restarted and killed again)
// still ends, with the verb named, instead of running for ever.
type bound struct {
	what     string // the verb's line, or the expectation
	allowed  time.Duration
	deadline time.Time
}

// begin gives what the scenario does next --timeout from now.
func (s *session) begin(what string) { s.beginFor(what, s.cfg.timeout) }

// beginFor gives what the scenario does next d from now.
func (s *session) beginFor(what string, d time.Duration) {
	s.bound = bound{what: what, allowed: d, deadline: time.Now().Add(d)}
}

// overdue returns, once the bound's time is up, the one-line failure
// that names what the scenario was doing and what it waited for.
func (s *session) overdue(waiting string) error {
	if time.Now().Before(s.bound.deadline) {
		return nil
	}
	return fmt.Errorf("%s: gave up after %v waiting for %s", s.bound.what, s.bound.allowed, waiting)
}

// settle lets supervisord's own work finish: every event answered, every
// starting or stopping process through, every running listener READY (or
// UNKNOWN, which never answers). Virtual programs' deadlines are jumped
// to; a listener's pass in real time. It gives up when the bound's time
// is up, saying what it waited for.
func (s *session) settle() error { return s.settleHolding(nil) }

// settleHolding settles, but the program hold is fatal's, which makes it
// die at every start: it is waited for to leave BACKOFF, and while it is
// STARTING the clock stays where it is, its startsecs with it, so that
// fatal can make it die within them. Time that passed there, at a
// listener's pace or in a jump to another deadline, would let
// supervisord count it started: RUNNING, then EXITED, its retries reset,
// and for a durable listener killed after each EXITED and restarted in
// real time, the same again for ever.
func (s *session) settleHolding(hold *testharness.Process) error {
	sv := s.supervisor()
	for {
		listenerMoving, listenerWorking, programMoving, holdStarting, waiting := false, false, false, false, ""
		var startingAgain []string
		for _, p := range sv.Processes() {
			st := p.State()
			restarting := s.isListener(p) && s.restarting(p)
			if restarting || s.isListener(p) && transitional(st) && s.durable.wasKilled(p.Group()) {
				// On its way back from a kill (durable.go).
				startingAgain = append(startingAgain, p.Group())
			}
			held := hold != nil && p.Namespec() == hold.Namespec()
			switch {
			case held && st == listener.StateStarting:
				holdStarting = true
			case s.isListener(p) && transitional(st):
				listenerMoving = true
				waiting = fmt.Sprintf("listener %s to leave %s", p.Namespec(), st)
			case restarting:
				listenerMoving = true
				waiting = fmt.Sprintf("listener %s to start again after the harness killed it (durable)", p.Namespec())
			case s.isListener(p) && st == listener.StateRunning:
				if ls := p.ListenerState(); ls != testharness.ListenerReady && ls != testharness.ListenerUnknown {
					what := "answer its event"
					if ls == testharness.ListenerAcknowledged {
						what = "write READY"
					}
					waiting = fmt.Sprintf("listener %s to %s (it is %s)", p.Namespec(), what, ls)
					listenerWorking = true
				}
			case transitional(st):
				programMoving = true
				if waiting == "" {
					waiting = fmt.Sprintf("%s to leave %s", p.Namespec(), st)
				}
			}
		}
		if waiting == "" {
			return nil
		}
		if err := s.overdue(waiting); err != nil {
			return err
		}
		timePasses := listenerMoving || programMoving && !listenerWorking
		switch {
		case holdStarting && timePasses:
			return nil
		case listenerMoving:
			time.Sleep(pace)
			from := s.clock.Now()
			s.clock.Advance(pace)
			for _, pool := range startingAgain {
				s.durable.startedAgain(pool, from, s.clock.Now())
			}
		case programMoving && !listenerWorking:
			// Time jumps only while no listener is working, so that what
			// it sees (getProcessInfo, its own clock) is what it would
			// see under supervisord, which takes a second to get there.
			if next, ok := s.clock.Next(); ok {
				s.clock.Set(next)
			}
			time.Sleep(time.Millisecond)
		default:
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// waitFor settles, then polls cond until it holds or the bound's time is
// up.
func (s *session) waitFor(cond func() bool) (bool, error) {
	if err := s.settle(); err != nil {
		return false, err
	}
	for !cond() {
		if s.overdue("") != nil {
			return false, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true, nil
}

// finish ends the scenario: supervisord shuts down (its clock kept moving
// so stopwaitsecs can pass), the sinks close, and the protocol lint runs
// over what happened before the shutdown.
func (s *session) finish() {
	sv := s.supervisor()
	if sv == nil {
		return
	}
	s.durable.stop()
	s.mu.Lock()
	s.end = sv.Transcript().Len()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(pace):
				s.clock.Advance(pace)
			}
		}
	}()
	sv.Close()
	close(done)
	s.mail.close()
	s.web.close()
	s.faults = s.lint()
}

// unexpectedFaults returns the faults the scenario did not declare, and
// the declared kinds that did not happen.
func (s *session) unexpectedFaults() (found []fault, missing []faultKind) {
	happened := map[faultKind]bool{}
	for _, f := range s.faults {
		happened[f.kind] = true
		if !s.expected[f.kind] {
			found = append(found, f)
		}
	}
	for k := range s.expected {
		if !happened[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	return found, missing
}

// ctx is the context of one wait.
func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.cfg.timeout)
}
