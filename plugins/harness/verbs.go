package harness

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

// sessionKey is where a scenario's session lives among testscript's values.
type sessionKey struct{}

func sessionOf(ts *testscript.TestScript) *session { return ts.Value(sessionKey{}).(*session) }

// commands returns every command a scenario has beyond testscript's own:
// the verbs that drive supervisord, then the expectations.
func commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exit":   driving("exit", verbExit),
		"crash":  driving("crash", verbCrash),
		"fatal":  driving("fatal", verbFatal),
		"log":    driving("log", verbLog),
		"comm":   driving("comm", verbComm),
		"tick":   driving("tick", verbTick),
		"remote": driving("remote", verbRemote),
		// Not "stop": testscript's own stop ends a script.
		"supervisorctl": driving("supervisorctl", verbSupervisorctl),
		"probe":         driving("probe", verbProbe),
		"durable":       driving("durable", verbDurable),

		"answered":  expectAnswered,
		"unknown":   expectUnknown,
		"logged":    expectLogged,
		"called":    expectCalled,
		"mailed":    expectMailed,
		"requested": expectRequested,
		"state":     expectState,
		"fault":     expectFault,
	}
}

// driving wraps a verb: it cannot be negated, it is noted in the
// transcript, and supervisord settles after it.
func driving(name string, verb func(s *session, args []string) error) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if neg {
			ts.Fatalf("a verb cannot be negated with !: only expectations can")
		}
		s := sessionOf(ts)
		line := strings.Join(append([]string{name}, args...), " ")
		s.step(line)
		s.begin(line)
		if err := verb(s, args); err != nil {
			ts.Fatalf("%v", err)
		}
		if err := s.settle(); err != nil {
			ts.Fatalf("%v", err)
		}
	}
}

// process returns the process a verb names, or an error listing the names.
func (s *session) process(name string) (*testharness.Process, error) {
	if p := s.supervisor().Process(name); p != nil {
		return p, nil
	}
	var names []string
	for _, p := range s.supervisor().Processes() {
		names = append(names, p.Namespec())
	}
	return nil, fmt.Errorf("no process %q: the configuration has %s", name, strings.Join(names, ", "))
}

// program returns the virtual program a verb drives.
func (s *session) program(name string) (*testharness.Process, error) {
	p, err := s.process(name)
	if err != nil {
		return nil, err
	}
	if s.isListener(p) {
		return nil, fmt.Errorf("%s is a listener, which runs for real: drive a [program:x] instead, or stop and start it", name)
	}
	return p, nil
}

func usage(args []string, min, max int, form string) error {
	if len(args) < min || (max >= 0 && len(args) > max) {
		return fmt.Errorf("usage: %s", form)
	}
	return nil
}

func exitCode(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("exit code %q: give a number from 0 to 255", arg)
	}
	return n, nil
}

// exit <program> [code]: the program exits (default 0).
func verbExit(s *session, args []string) error {
	if err := usage(args, 1, 2, "exit <program> [code]"); err != nil {
		return err
	}
	p, err := s.program(args[0])
	if err != nil {
		return err
	}
	code := 0
	if len(args) == 2 {
		if code, err = exitCode(args[1]); err != nil {
			return err
		}
	}
	return p.Exit(code)
}

// exitCodesOf returns the exitcodes= of the program p belongs to.
func (s *session) exitCodesOf(p *testharness.Process) []int {
	for _, prog := range s.spec.Programs {
		if prog.Name == p.Name() || prog.Name == p.Group() {
			if prog.ExitCodes != nil {
				return prog.ExitCodes
			}
		}
	}
	return []int{0}
}

// crashCode is the first exit code from 1 that exitcodes= does not expect.
func (s *session) crashCode(p *testharness.Process) int {
	codes := s.exitCodesOf(p)
	for c := 1; c < 256; c++ {
		expected := false
		for _, e := range codes {
			expected = expected || e == c
		}
		if !expected {
			return c
		}
	}
	return 255
}

// crash <program> [code]: the program exits with a code exitcodes= does
// not expect (default the first such from 1).
func verbCrash(s *session, args []string) error {
	if err := usage(args, 1, 2, "crash <program> [code]"); err != nil {
		return err
	}
	p, err := s.program(args[0])
	if err != nil {
		return err
	}
	code := s.crashCode(p)
	if len(args) == 2 {
		if code, err = exitCode(args[1]); err != nil {
			return err
		}
		for _, e := range s.exitCodesOf(p) {
			if e == code {
				return fmt.Errorf("crash %s %d: %d is in its exitcodes=, so that is an expected exit: use exit", args[0], code, code)
			}
		}
	}
	return p.Exit(code)
}

// fatal <program>: the program dies at every start from now on, until
// supervisord gives up on it (FATAL after startretries).
func verbFatal(s *session, args []string) error {
	if err := usage(args, 1, 1, "fatal <program>"); err != nil {
		return err
	}
	p, err := s.program(args[0])
	if err != nil {
		return err
	}
	// Each start supervisord makes is a step: the verb has --timeout for
	// each of the startretries+1 it makes, and for the death it begins
	// with.
	s.beginFor(s.bound.what, s.cfg.timeout*time.Duration(s.startRetriesOf(p)+2))
	for range 1000 {
		if err := s.settleHolding(p); err != nil {
			return err
		}
		if err := s.overdue(fmt.Sprintf("%s to go FATAL (it is %s)", p.Namespec(), p.State())); err != nil {
			return err
		}
		switch st := p.State(); st {
		case listener.StateFatal:
			return nil
		case listener.StateStarting, listener.StateRunning:
			if err := p.Exit(s.crashCode(p)); err != nil {
				return err
			}
		case listener.StateExited, listener.StateStopped:
			ctx, cancel := s.ctx()
			err := p.Start(ctx, false)
			cancel()
			if err != nil {
				return err
			}
		default:
			if err := s.waitLeave(p, st); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("%s never went FATAL", args[0])
}

// startRetriesOf returns the startretries= of the program p belongs to,
// as supervisord reads it.
func (s *session) startRetriesOf(p *testharness.Process) int {
	for _, prog := range s.spec.Programs {
		if prog.Name == p.Name() || prog.Name == p.Group() {
			switch n := prog.StartRetries; {
			case n == 0:
				return 3
			case n < 0:
				return 0
			default:
				return n
			}
		}
	}
	return 3
}

// waitLeave waits until p is no longer in st.
func (s *session) waitLeave(p *testharness.Process, st listener.State) error {
	for p.State() == st {
		if err := s.overdue(fmt.Sprintf("%s to leave %s", p.Namespec(), st)); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

func channelArg(arg string) (testharness.Channel, error) {
	switch arg {
	case "stdout":
		return testharness.Stdout, nil
	case "stderr":
		return testharness.Stderr, nil
	}
	return "", fmt.Errorf("channel %q: write stdout or stderr", arg)
}

// log <program> stdout|stderr <text...>: the program writes a line. It
// is a PROCESS_LOG event where the program's stdout_events_enabled= or
// stderr_events_enabled= says so, as under supervisord.
func verbLog(s *session, args []string) error {
	if err := usage(args, 3, -1, "log <program> stdout|stderr <text...>"); err != nil {
		return err
	}
	p, err := s.program(args[0])
	if err != nil {
		return err
	}
	ch, err := channelArg(args[1])
	if err != nil {
		return err
	}
	return p.Write(ch, []byte(strings.Join(args[2:], " ")+"\n"))
}

// comm <program> <text...>: the program writes text between the
// capture-mode markers on stdout: a PROCESS_COMMUNICATION_STDOUT event
// where stdout_capture_maxbytes= is set.
func verbComm(s *session, args []string) error {
	if err := usage(args, 2, -1, "comm <program> <text...>"); err != nil {
		return err
	}
	p, err := s.program(args[0])
	if err != nil {
		return err
	}
	return p.Write(testharness.Stdout, []byte("<!--XSUPERVISOR:BEGIN-->"+strings.Join(args[1:], " ")+"<!--XSUPERVISOR:END-->"))
}

// tick [duration]: virtual time passes (default 5s), 5 seconds at a time,
// with the TICK_5, TICK_60 and TICK_3600 events supervisord sends as it
// does, and every deadline that falls in it (startsecs, backoff).
func verbTick(s *session, args []string) error {
	if err := usage(args, 0, 1, "tick [duration]"); err != nil {
		return err
	}
	d := 5 * time.Second
	if len(args) == 1 {
		var err error
		if d, err = time.ParseDuration(args[0]); err != nil || d <= 0 {
			return fmt.Errorf("tick %s: give a positive duration, e.g. 5s or 1h", args[0])
		}
	}
	for d > 0 {
		step := min(d, 5*time.Second)
		now := s.clock.Now()
		crosses := now.Add(step).Truncate(5 * time.Second).After(now.Truncate(5 * time.Second))
		ticks := s.ticksNotified()
		// Each 5 seconds is a step with --timeout of its own: an hour
		// of ticks is 720 steps.
		s.beginFor(s.bound.what, s.cfg.timeout)
		s.clock.Advance(step)
		d -= step
		// The tick fires in a goroutine of its own and arms the next one
		// from the clock's reading then: wait for it before moving on, or
		// the next step would skip a slice.
		if crosses {
			for s.ticksNotified() == ticks {
				if err := s.overdue("the TICK_5 of the 5-second slice the clock crossed"); err != nil {
					return err
				}
				time.Sleep(time.Millisecond)
			}
		}
		if err := s.settle(); err != nil {
			return err
		}
	}
	return nil
}

// ticksNotified counts the TICK_5 events supervisord has raised.
func (s *session) ticksNotified() int {
	n := 0
	for _, r := range s.supervisor().Transcript().Filter(testharness.RecordNotified, "") {
		if r.EventName == listener.Tick5 {
			n++
		}
	}
	return n
}

// remote <type> <data...>: a REMOTE_COMMUNICATION event, as
// supervisor.sendRemoteCommEvent(type, data) sends.
func verbRemote(s *session, args []string) error {
	if err := usage(args, 1, -1, "remote <type> [data...]"); err != nil {
		return err
	}
	s.supervisor().Notify(testharness.NewRemoteCommunicationEvent(args[0], strings.Join(args[1:], " ")))
	return nil
}

// supervisorctl start|stop|restart <name>: as supervisorctl does, without
// waiting: the settling after every verb waits, on the virtual clock.
func verbSupervisorctl(s *session, args []string) error {
	if err := usage(args, 2, 2, "supervisorctl start|stop|restart <process>"); err != nil {
		return err
	}
	p, err := s.process(args[1])
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	switch args[0] {
	case "start":
		return p.Start(ctx, false)
	case "stop":
		return p.Stop(ctx, false)
	case "restart":
		// supervisorctl restart stops, waits, then starts.
		if err := p.Stop(ctx, false); err != nil {
			return err
		}
		if err := s.settle(); err != nil {
			return err
		}
		return p.Start(ctx, false)
	}
	return fmt.Errorf("supervisorctl %s: the scenario knows start, stop and restart", args[0])
}
