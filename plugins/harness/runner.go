package harness

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"
)

// The harness runs scenarios with testscript's engine, outside go test:
// rootT and scriptT are the testscript.T it needs.

// errStop ends a scenario (FailNow, Skip); the runner recovers it.
var errStop = errors.New("scenario stopped")

// rootT is the run of every scenario.
type rootT struct {
	cfg            *config
	stdout, stderr io.Writer
	passed, failed int
	fatal          []string
}

func (r *rootT) Skip(a ...any)  { r.Fatal(a...) }
func (r *rootT) Fatal(a ...any) { r.fatal = append(r.fatal, fmt.Sprint(a...)); panic(errStop) }
func (r *rootT) Parallel()      {}
func (r *rootT) Log(a ...any)   { fmt.Fprintln(r.stderr, a...) }
func (r *rootT) FailNow()       { panic(errStop) }
func (r *rootT) Verbose() bool  { return r.cfg.verbose }

// Run runs one scenario, then says how it went.
func (r *rootT) Run(name string, f func(testscript.T)) {
	t := &scriptT{root: r}
	began := time.Now()
	func() {
		defer func() {
			if v := recover(); v != nil && v != errStop {
				panic(v)
			}
		}()
		f(t)
	}()
	r.report(name, t, time.Since(began))
}

// scriptT is one scenario's testscript.T.
type scriptT struct {
	root    *rootT
	log     strings.Builder
	failed  bool
	skipped string
	sess    *session
}

func (t *scriptT) Skip(a ...any)                  { t.skipped = fmt.Sprint(a...); panic(errStop) }
func (t *scriptT) Fatal(a ...any)                 { t.Log(a...); t.FailNow() }
func (t *scriptT) Parallel()                      {}
func (t *scriptT) Log(a ...any)                   { fmt.Fprintln(&t.log, a...) }
func (t *scriptT) FailNow()                       { t.failed = true; panic(errStop) }
func (t *scriptT) Run(string, func(testscript.T)) { panic("supervisor-harness: nested scenarios") }
func (t *scriptT) Verbose() bool                  { return t.root.cfg.verbose }

// report prints PASS or FAIL for a scenario on stdout, and on stderr why
// it failed: its log, the protocol faults, the transcript.
func (r *rootT) report(name string, t *scriptT, took time.Duration) {
	var found []fault
	var missing []faultKind
	if t.sess != nil {
		found, missing = t.sess.unexpectedFaults()
	}
	failed := t.failed || len(found) > 0 || len(missing) > 0
	verdict := "PASS"
	if failed {
		verdict = "FAIL"
		r.failed++
	} else {
		r.passed++
	}
	fmt.Fprintf(r.stdout, "%s %s (%.2fs)\n", verdict, name, took.Seconds())
	if r.cfg.record && t.sess != nil {
		fmt.Fprintf(r.stdout, "-- transcript of %s --\n%s", name, t.sess.render())
	}
	if !failed && !r.cfg.verbose {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s %s\n", verdict, name)
	// testscript ends the log of a script that ran to its end with PASS,
	// which the faults below may contradict.
	log := strings.TrimSuffix(strings.TrimRight(t.log.String(), "\n"), "PASS")
	if log = strings.TrimRight(log, "\n"); log != "" {
		fmt.Fprintf(&b, "%s\n", log)
	}
	if len(found) > 0 {
		fmt.Fprintf(&b, "protocol faults (expect one with \"fault <kind>\" if it is deliberate):\n")
		for _, f := range found {
			fmt.Fprintf(&b, "\t%s\n", f)
		}
	}
	for _, k := range missing {
		fmt.Fprintf(&b, "the scenario expects the fault %s, which did not happen\n", k)
	}
	if failed && !r.cfg.record && t.sess != nil {
		fmt.Fprintf(&b, "transcript:\n%s", t.sess.render())
	}
	if failed && t.sess != nil {
		b.WriteString(t.sess.stderrs())
	}
	io.WriteString(r.stderr, b.String())
}

// run plays every scenario and fails if one failed.
func run(cmd *cobra.Command, cfg *config) error {
	r := &rootT{cfg: cfg, stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr()}
	p := testscript.Params{
		Files: cfg.scenarios,
		Cmds:  commands(),
		Setup: func(env *testscript.Env) error {
			t := env.T().(*scriptT)
			s, err := newSession(cfg, env.WorkDir)
			if err != nil {
				return err
			}
			t.sess = s
			env.Values[sessionKey{}] = s
			env.Defer(s.finish)
			return nil
		},
	}
	if cfg.probe {
		// A scenario's end, as far as it went, is probed before the
		// lint reads the transcript.
		setup := p.Setup
		p.Setup = func(env *testscript.Env) error {
			if err := setup(env); err != nil {
				return err
			}
			s := env.Values[sessionKey{}].(*session)
			env.Defer(func() {
				s.begin("probe at the end")
				if err := verbProbe(s, nil); err != nil {
					fmt.Fprintf(&env.T().(*scriptT).log, "probe: %v\n", err)
				}
			})
			return nil
		}
	}
	if cfg.keep {
		dir, err := os.MkdirTemp("", "supervisor-harness")
		if err != nil {
			return err
		}
		p.WorkdirRoot = dir
		fmt.Fprintf(r.stderr, "supervisor-harness: work directories kept in %s\n", dir)
	}
	func() {
		defer func() {
			if v := recover(); v != nil && v != errStop {
				panic(v)
			}
		}()
		testscript.RunT(r, p)
	}()
	if len(r.fatal) > 0 {
		return errors.New(strings.Join(r.fatal, "; "))
	}
	if r.failed > 0 {
		return fmt.Errorf("%d of %d scenarios failed", r.failed, r.failed+r.passed)
	}
	return nil
}
