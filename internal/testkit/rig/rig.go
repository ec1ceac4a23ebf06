// Package rig is the one test rig of golance's plugins: a plugin's handler
// (or its real binary) as a listener pool of the emulated supervisord,
// with the waiting helpers every plugin's tests need, a sendmail
// stand-in that keeps every mail, and the small pieces the tests of every
// plugin used to write again (a bounded context, a log buffer safe for
// concurrent use, the path of a binary the test put on PATH).
//
//	rig.go       Rig, Config, Start: the emulated supervisord and its pool
//	sendmail.go  Sendmail, Mail: a sendmail that keeps every mail
//	buffer.go    Buffer: a log written from several goroutines
//	helpers.go   Context, Must, Binary, Eventually, ExampleCommand
//	examples.go  DocExample: a page's example configuration under the real supervisord
package rig

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness"
)

// Config says what a Rig runs.
type Config struct {
	// Pool is the listener pool's name; "listener" if empty.
	Pool string
	// Events are the pool's subscriptions; PROCESS_STATE if nil.
	Events []listener.EventType
	// Handler, when set, builds the in-process handler once the emulated
	// supervisord runs (so that it can be given r.Client). Events that
	// come before it is built wait for it.
	Handler func(r *Rig) listener.Handler
	// Command, when Handler is nil, is the listener's command line: a
	// binary the test's TestMain put on PATH, and its flags; Env adds to
	// its environment.
	Command []string
	Env     []string
	// BufferSize is the pool's buffer_size; 100 if zero, so that a test
	// that makes many events loses none.
	BufferSize int

	// Programs and Groups are what the emulated supervisord runs; RPC
	// starts its XML-RPC server; Clock, BackoffUnit and WaitTimeout are
	// as in testharness.Config.
	Programs    []testharness.Program
	Groups      []testharness.Group
	RPC         bool
	Clock       clock.Clock
	BackoffUnit time.Duration
	WaitTimeout time.Duration
}

// A Rig is an emulated supervisord running one listener pool under test.
type Rig struct {
	// Sup is the emulated supervisord.
	Sup *testharness.Supervisor
	// Client is an XML-RPC client of Sup, nil without Config.RPC.
	Client *rpc.Client
	// Handler is the in-process handler Config.Handler built, if any.
	Handler listener.Handler

	t       testing.TB
	pool    string
	settled sync.Once
}

// Start runs cfg and waits until the listener is READY. An in-process
// handler that has a Shutdown(ctx) method is shut down when the test
// ends, or earlier by Settle; only Settle fails the test when Shutdown
// fails, since a test may leave work unfinished on purpose.
func Start(t testing.TB, cfg Config) *Rig {
	t.Helper()
	r := &Rig{t: t, pool: cfg.Pool}
	if r.pool == "" {
		r.pool = "listener"
	}
	events := cfg.Events
	if events == nil {
		events = []listener.EventType{listener.ProcessState}
	}
	buffer := cfg.BufferSize
	if buffer == 0 {
		buffer = 100
	}
	pool := testharness.Pool{Name: r.pool, Events: events, BufferSize: buffer,
		ProcessConfig: testharness.ProcessConfig{Priority: 1, Command: cfg.Command,
			// The listener's outbox in the test's own directory.
			Env: append([]string{"STATE_DIRECTORY=" + t.TempDir()}, cfg.Env...)}}
	var late *lateHandler
	if cfg.Handler != nil {
		late = &lateHandler{ready: make(chan struct{})}
		pool.Handler, pool.Command = late, nil
	}
	r.Sup = testharness.Start(t, testharness.Config{
		RPC:         cfg.RPC,
		Clock:       cfg.Clock,
		Programs:    cfg.Programs,
		Groups:      cfg.Groups,
		BackoffUnit: cfg.BackoffUnit,
		WaitTimeout: cfg.WaitTimeout,
		Pools:       []testharness.Pool{pool},
	})
	if cfg.RPC {
		r.Client = r.Sup.Client()
	}
	if late != nil {
		r.Handler = cfg.Handler(r)
		late.h = r.Handler
		close(late.ready)
		t.Cleanup(func() { r.settle(false) })
	}
	if err := r.Sup.WaitListenerState(Context(t), r.pool, testharness.ListenerReady); err != nil {
		t.Fatalf("%v%s", err, r.stderr())
	}
	return r
}

// lateHandler holds events until the handler under test exists.
type lateHandler struct {
	ready chan struct{}
	h     listener.Handler
}

func (l *lateHandler) HandleEvent(ctx context.Context, ev listener.Event) error {
	select {
	case <-l.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	return l.h.HandleEvent(ctx, ev)
}

// Pool returns the listener pool's name.
func (r *Rig) Pool() string { return r.pool }

// Stderr returns what the listener binary wrote to its standard error,
// "" for an in-process handler.
func (r *Rig) Stderr() string {
	if p := r.Sup.Process(r.pool); p != nil {
		return p.Stderr()
	}
	return ""
}

func (r *Rig) stderr() string {
	if s := r.Stderr(); s != "" {
		return "\nlistener stderr:\n" + s
	}
	return ""
}

// Tick notifies one tick of typ and waits until the listener answered
// it, failing the test unless it was OK.
func (r *Rig) Tick(typ listener.EventType) {
	r.t.Helper()
	before := len(r.Sup.Transcript().Results(r.pool))
	r.Sup.Tick(typ)
	if err := r.Sup.WaitResults(Context(r.t), r.pool, before+1); err != nil {
		r.t.Fatalf("%v%s", err, r.stderr())
	}
	if res := r.Sup.Transcript().Results(r.pool); !res[len(res)-1].OK {
		r.t.Fatalf("tick not acknowledged: %+v%s", res[len(res)-1], r.stderr())
	}
}

// Idle waits until every event was answered.
func (r *Rig) Idle() {
	r.t.Helper()
	if err := r.Sup.WaitIdle(Context(r.t)); err != nil {
		r.t.Fatalf("%v%s", err, r.stderr())
	}
}

// WaitFor waits until cond holds for the transcript. cond runs under the
// supervisor's lock: it must not call Process methods.
func (r *Rig) WaitFor(what string, cond func(*testharness.Transcript) bool) {
	r.t.Helper()
	if err := r.Sup.WaitFor(Context(r.t), what, cond); err != nil {
		r.t.Fatalf("%v%s", err, r.stderr())
	}
}

// Exit makes the virtual process namespec exit with code.
func (r *Rig) Exit(namespec string, code int) {
	r.t.Helper()
	p := r.Sup.Process(namespec)
	if p == nil {
		r.t.Fatalf("no process %q", namespec)
	}
	Must(r.t, p.Exit(code))
}

// Results returns the listener's answers, "OK" or "FAIL", in order.
func (r *Rig) Results() []string {
	var out []string
	for _, res := range r.Sup.Transcript().Results(r.pool) {
		out = append(out, res.Body)
	}
	return out
}

// Settle waits until the in-process handler's work under way is done, by
// calling its Shutdown; the handler is done after.
func (r *Rig) Settle() {
	r.t.Helper()
	r.settle(true)
}

func (r *Rig) settle(fatal bool) {
	r.settled.Do(func() { r.shutdown(fatal) })
}

func (r *Rig) shutdown(fatal bool) {
	s, ok := r.Handler.(interface{ Shutdown(context.Context) error })
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		if fatal {
			r.t.Fatal(err)
		}
		r.t.Logf("at the end of the test, the handler left work unfinished: %v", err)
	}
}

// Restarts counts how many times process went from STOPPED or EXITED back
// to RUNNING.
func (r *Rig) Restarts(process string) int { return Restarts(r.Sup.Transcript(), process) }

// Stops counts how many times process was asked to stop.
func (r *Rig) Stops(process string) int { return Stops(r.Sup.Transcript(), process) }

// Restarts counts how many times process went from STOPPED or EXITED back
// to RUNNING in tr.
func Restarts(tr *testharness.Transcript, process string) int {
	n := 0
	states := tr.ProcessStates(process)
	for i, st := range states {
		if st == listener.StateRunning && slices.ContainsFunc(states[:i], func(p listener.State) bool {
			return p == listener.StateStopped || p == listener.StateExited
		}) {
			n++
		}
	}
	return n
}

// Stops counts how many times process entered STOPPING in tr.
func Stops(tr *testharness.Transcript, process string) int {
	n := 0
	for _, st := range tr.ProcessStates(process) {
		if st == listener.StateStopping {
			n++
		}
	}
	return n
}
