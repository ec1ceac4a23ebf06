package harness

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

// expect checks cond: without !, it waits for cond to hold, up to the
// timeout; with !, it lets supervisord settle and checks that cond does
// not hold. what describes cond for the failure; detail, called on a
// failure, what was there instead.
func expect(ts *testscript.TestScript, neg bool, what string, cond func() bool, detail func() string) {
	expectSettled(ts, neg, what, cond, func() bool { return false }, detail, nil)
}

// expectSettled is expect with a way to stop waiting early: settled says
// cond can no longer come to hold; and missed, if not nil, is told when
// what was expected did not come.
func expectSettled(ts *testscript.TestScript, neg bool, what string, cond, settled func() bool, detail func() string, missed func()) {
	s := sessionOf(ts)
	s.begin("expecting " + what)
	if neg {
		if err := s.settle(); err != nil {
			ts.Fatalf("%v", err)
		}
		if cond() {
			ts.Fatalf("%s, and the scenario says it should not%s", what, detail())
		}
		return
	}
	ok, err := s.waitFor(func() bool { return cond() || settled() })
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ok = ok && cond()
	if !ok {
		if missed != nil {
			missed()
		}
		ts.Fatalf("expected %s, but it did not happen (waited up to %v)%s", what, s.cfg.timeout, detail())
	}
}

func compile(ts *testscript.TestScript, expr string) *regexp.Regexp {
	re, err := regexp.Compile(expr)
	if err != nil {
		ts.Fatalf("bad regular expression %q: %v", expr, err)
	}
	return re
}

func (s *session) listenerNamed(ts *testscript.TestScript, name string) *testharness.Process {
	p, err := s.process(name)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	if !s.isListener(p) {
		ts.Fatalf("%s is a program, not a listener", name)
	}
	return p
}

func indent(text string) string {
	if text == "" {
		return " (nothing)"
	}
	return "\n\t" + strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n\t")
}

// answered <listener> <body>...: the results the listener gave since the
// previous answered (at least one) all have this body, or, with several
// bodies, are exactly these, in order. OK acknowledges, FAIL rejects.
func expectAnswered(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: answered <listener> OK|FAIL|<body>...")
	}
	s := sessionOf(ts)
	name := args[0]
	lp := s.listenerNamed(ts, name)
	want := args[1:]
	s.mu.Lock()
	from := s.seen[name]
	s.mu.Unlock()
	var got []string
	results := func() []string {
		var bodies []string
		rs := s.supervisor().Transcript().Results(name)
		for _, r := range rs[min(from, len(rs)):] {
			bodies = append(bodies, r.Body)
		}
		return bodies
	}
	cond := func() bool {
		got = results()
		if len(got) == 0 {
			return false
		}
		if len(want) == 1 {
			for _, b := range got {
				if b != want[0] {
					return false
				}
			}
			return true
		}
		return slices.Equal(got, want)
	}
	what := fmt.Sprintf("%s to answer %s", name, strings.Join(want, " "))
	if neg {
		what = fmt.Sprintf("%s answered %s", name, strings.Join(want, " "))
	}
	// Once more answers came than expected, or one differs, waiting
	// cannot help.
	wrong := func() bool {
		if lp.ListenerState() == testharness.ListenerUnknown {
			return true // it will answer nothing more
		}
		if st := lp.State(); (st == listener.StateFatal || st == listener.StateExited || st == listener.StateStopped) && !s.restarting(lp) {
			return true // nor will a listener that is not coming back
		}
		if len(want) == 1 {
			return slices.ContainsFunc(got, func(b string) bool { return b != want[0] })
		}
		return len(got) >= len(want) && !slices.Equal(got, want)
	}
	expectSettled(ts, neg, what, cond, wrong, func() string { return fmt.Sprintf("; it answered %q since the last answered", got) }, nil)
	s.mu.Lock()
	s.seen[name] = from + len(got)
	s.mu.Unlock()
}

// unknown <listener>: the listener broke the protocol and supervisord put
// it in the UNKNOWN state.
func expectUnknown(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: unknown <listener>")
	}
	s := sessionOf(ts)
	s.listenerNamed(ts, args[0])
	tr := func() *testharness.Transcript { return s.supervisor().Transcript() }
	what := args[0] + " to go UNKNOWN"
	if neg {
		what = args[0] + " went UNKNOWN"
	}
	expect(ts, neg, what, func() bool { return tr().WentUnknown(args[0]) }, func() string {
		var why []string
		for _, r := range tr().Filter(testharness.RecordListenerState, args[0]) {
			if r.ToListener == testharness.ListenerUnknown {
				why = append(why, fmt.Sprintf("%s: %q", r.Reason, r.Data))
			}
		}
		if len(why) == 0 {
			return ""
		}
		return ": " + strings.Join(why, "; ")
	})
}

// logged <listener> <regexp>: the listener's stderr matches.
func expectLogged(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: logged <listener> <regexp>")
	}
	s := sessionOf(ts)
	p := s.listenerNamed(ts, args[0])
	re := compile(ts, args[1])
	expect(ts, neg, fmt.Sprintf("%s's stderr to match `%s`", args[0], args[1]),
		func() bool { return re.MatchString(p.Stderr()) },
		func() string { return "; its stderr:" + indent(p.Stderr()) })
}

// called <listener> <regexp>: the listener made an XML-RPC call that
// matches, written as supervisor.stopProcess('web').
func expectCalled(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: called <listener> <regexp>")
	}
	s := sessionOf(ts)
	s.listenerNamed(ts, args[0])
	re := compile(ts, args[1])
	calls := func() []string {
		var out []string
		for _, c := range s.supervisor().Transcript().Calls(args[0]) {
			out = append(out, c.String())
		}
		return out
	}
	expect(ts, neg, fmt.Sprintf("%s to call `%s`", args[0], args[1]),
		func() bool { return slices.ContainsFunc(calls(), re.MatchString) },
		func() string { return "; its calls:" + indent(strings.Join(calls(), "\n")) })
}

func matchArrivals(re *regexp.Regexp, get func() []arrival) func() bool {
	return func() bool {
		return slices.ContainsFunc(get(), func(a arrival) bool { return re.MatchString(a.text) })
	}
}

func listArrivals(get func() []arrival) func() string {
	return func() string {
		var texts []string
		for _, a := range get() {
			texts = append(texts, a.text)
		}
		return ":" + indent(strings.Join(texts, "\n----\n"))
	}
}

// expectWork is expect for a mail or request: one that never comes is
// noted for the lint, which names the OK a durable listener was killed
// after (durable.go).
func expectWork(ts *testscript.TestScript, neg bool, what, noun string, cond func() bool, detail func() string) {
	s := sessionOf(ts)
	expectSettled(ts, neg, what, cond, func() bool { return false }, detail, func() { s.noteMissed(noun) })
}

// mailed <regexp>: a mail that matches (headers and body) reached the
// SMTP server, directly or through the sendmail stand-in.
func expectMailed(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: mailed <regexp>")
	}
	s := sessionOf(ts)
	re := compile(ts, args[0])
	expectWork(ts, neg, fmt.Sprintf("a mail matching `%s`", args[0]), "mail", matchArrivals(re, s.mail.messages),
		func() string { return "; the mail received" + listArrivals(s.mail.messages)() })
}

// requested <regexp>: an HTTP request that matches ("METHOD URI", the
// headers, a blank line and the body) reached the built-in endpoint.
func expectRequested(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: requested <regexp>")
	}
	s := sessionOf(ts)
	re := compile(ts, args[0])
	expectWork(ts, neg, fmt.Sprintf("an HTTP request matching `%s`", args[0]), "request", matchArrivals(re, s.web.requests),
		func() string { return "; the requests received" + listArrivals(s.web.requests)() })
}

// state <process> <STATE>: the process is in this state (RUNNING, FATAL).
func expectState(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: state <process> <STATE>")
	}
	s := sessionOf(ts)
	p, err := s.process(args[0])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	expect(ts, neg, fmt.Sprintf("%s to be %s", args[0], args[1]),
		func() bool { return p.State().String() == args[1] },
		func() string { return "; it is " + p.State().String() })
}

// fault <kind>...: the scenario expects the listener to make these
// protocol faults; the run fails if one does not happen, as it fails on
// one that was not expected.
func expectFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: fault <kind>... (kinds: %s)", strings.Join(faultKindNames(), ", "))
	}
	s := sessionOf(ts)
	for _, a := range args {
		k := faultKind(a)
		if !slices.Contains(faultKinds, k) {
			ts.Fatalf("unknown fault %q: the kinds are %s", a, strings.Join(faultKindNames(), ", "))
		}
		s.mu.Lock()
		s.expected[k] = true
		s.mu.Unlock()
	}
}
