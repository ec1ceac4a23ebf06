package restart

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/proctable"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultStepTimeout bounds one stopProcess or startProcess call.
	// supervisord answers a stop once the process has exited, which takes
	// up to the program's stopwaitsecs (10s by default, often raised for
	// graceful shutdowns), and a start once it has stayed up startsecs.
	DefaultStepTimeout = 5 * time.Minute
	// DefaultParallel is how many restarts run at once.
	DefaultParallel = 8
)

// Controller is what a Restarter needs from supervisord; *rpc.Client
// provides it.
type Controller interface {
	StopProcess(ctx context.Context, name string, wait bool) error
	StartProcess(ctx context.Context, name string, wait bool) error
}

// Supervisor is what a plugin that restarts processes (memmon, httpok)
// needs from supervisord: what its process table calls, and the restarts;
// *rpc.Client provides it.
type Supervisor interface {
	proctable.Supervisor
	Controller
}

// Config configures a Restarter.
type Config struct {
	Policy
	// StepTimeout bounds each stop and each start; DefaultStepTimeout if
	// zero.
	StepTimeout time.Duration
	// Parallel is how many restarts run at once; DefaultParallel if zero.
	// Further requests wait their turn (and count as in flight).
	Parallel int
	// Clock measures the budget window and the outcomes' times; the real
	// clock if nil.
	Clock clock.Clock
}

// WithDefaults returns c with its zero fields filled in as New fills
// them, and a zero Consecutive made 1 (act on the first failed check, as
// superlance does); c's Clock, if nil, becomes clk.
func (c Config) WithDefaults(clk clock.Clock) Config {
	if c.Consecutive == 0 {
		c.Consecutive = 1
	}
	if c.StepTimeout <= 0 {
		c.StepTimeout = DefaultStepTimeout
	}
	if c.Parallel <= 0 {
		c.Parallel = DefaultParallel
	}
	if c.Clock == nil {
		c.Clock = clock.Or(clk)
	}
	return c
}

// Refusals from Restart and Go.
var (
	// ErrInFlight: a restart of the process is already under way.
	ErrInFlight = errors.New("a restart of this process is already in progress")
	// ErrClosed: the Restarter is shutting down and starts nothing new.
	ErrClosed = errors.New("shutting down, not starting anything new")
)

// BudgetError is Restart's refusal when a process has used up its restart
// budget (Policy.MaxRestarts within Policy.Window).
type BudgetError struct {
	Name     string
	Restarts int           // restarts within Window
	Window   time.Duration // Policy.Window
	// Next is when the oldest of those restarts leaves the window, so
	// that a restart is allowed again.
	Next time.Time
	// First reports the first refusal since the budget ran out. Plugins
	// mail only then, and log every time.
	First bool
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("restart budget spent: restarted %d times in the last %v (--max-restarts); next restart allowed after %s",
		e.Restarts, e.Window, e.Next.Format(time.DateTime))
}

// Request asks for one process to be restarted.
type Request struct {
	// Name is the process as supervisord's XML-RPC methods take it:
	// "name" or "group:name".
	Name string
	// Prepare, if set, runs in the background before the stop, such as
	// httpok's gcore; it must honour ctx.
	Prepare func(ctx context.Context)
	// Hold, if set, runs in the background between the stop and the
	// start, and the start waits for it: ordered-startup keeps a
	// dependent stopped until what it depends on runs again. It must
	// honour ctx. An error leaves the process stopped and is the
	// Outcome's StartErr. The restart counts as in flight meanwhile, and
	// takes one of Config.Parallel's places.
	Hold func(ctx context.Context) error
	// StopOnly leaves the process stopped: no start follows the stop
	// (memmon's --max-runtime-action stop). It counts in the budget as a
	// restart does.
	StopOnly bool
	// Done, if set, receives the outcome, in the background. The process is
	// no longer in flight when it is called, and the Restarter's Shutdown
	// waits for it to return, so it may deliver mail; ctx ends when
	// Shutdown stops waiting.
	Done func(ctx context.Context, out Outcome)
}

// Outcome is how a restart went.
type Outcome struct {
	Name string
	// Began and Ended bracket the stop and the start (Prepare excluded).
	Began, Ended time.Time
	// NotRunning reports that stopProcess answered NOT_RUNNING: the
	// process had stopped by itself after the check. Not a failure.
	NotRunning bool
	// AlreadyStarted reports that startProcess answered ALREADY_STARTED:
	// supervisord (autorestart) or someone else started it first. Not a
	// failure.
	AlreadyStarted bool
	// StopErr and StartErr are the failures, nil when the step worked or
	// was not needed. After a stop that supervisord refused with a fault
	// the start is still tried, as superlance's httpok does; after one
	// that did not get an answer (supervisord gone, or still stopping at
	// the StepTimeout) it is not, and StartErr is nil.
	StopErr, StartErr error
	// Interrupted reports that Shutdown gave up waiting and cancelled the
	// restart; the errors then wrap context.Canceled.
	Interrupted bool
}

// Err returns the outcome's failures joined, or nil for a restart that
// worked.
func (o Outcome) Err() error { return errors.Join(o.StopErr, o.StartErr) }

// A Restarter runs restarts in the background, one at a time per process,
// within a per-process budget. Its methods are safe for concurrent use.
type Restarter struct {
	ctl    Controller
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}

	mu       sync.Mutex
	closed   bool
	inFlight map[string]bool
	history  map[string][]time.Time // restart times within the window
	refused  map[string]bool        // a budget refusal was reported
	wg       sync.WaitGroup
}

// New returns a Restarter that stops and starts processes through ctl.
func New(ctl Controller, cfg Config) *Restarter {
	cfg = cfg.WithDefaults(nil)
	ctx, cancel := context.WithCancel(context.Background())
	return &Restarter{
		ctl:      ctl,
		cfg:      cfg,
		ctx:      ctx,
		cancel:   cancel,
		sem:      make(chan struct{}, cfg.Parallel),
		inFlight: make(map[string]bool),
		history:  make(map[string][]time.Time),
		refused:  make(map[string]bool),
	}
}

// Restart starts restarting req.Name in the background and returns nil,
// or refuses at once with ErrInFlight, a *BudgetError or ErrClosed.
func (r *Restarter) Restart(req Request) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.inFlight[req.Name] {
		return ErrInFlight
	}
	now := r.cfg.Clock.Now()
	if err := r.checkBudgetLocked(req.Name, now); err != nil {
		return err
	}
	r.history[req.Name] = append(r.history[req.Name], now)
	r.inFlight[req.Name] = true
	r.wg.Add(1)
	go r.run(req)
	return nil
}

// checkBudgetLocked drops restarts that left the window and refuses when
// the rest fill the budget.
func (r *Restarter) checkBudgetLocked(name string, now time.Time) error {
	if r.cfg.MaxRestarts <= 0 {
		return nil
	}
	window := r.cfg.window()
	h := r.history[name]
	i := 0
	for i < len(h) && !h[i].After(now.Add(-window)) {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(r.history, name)
	} else {
		r.history[name] = h
	}
	if len(h) < r.cfg.MaxRestarts {
		delete(r.refused, name)
		return nil
	}
	first := !r.refused[name]
	r.refused[name] = true
	return &BudgetError{Name: name, Restarts: len(h), Window: window, Next: h[len(h)-r.cfg.MaxRestarts].Add(window), First: first}
}

// InFlight reports whether a restart of name is under way.
func (r *Restarter) InFlight(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight[name]
}

// Go runs f in the background as part of the Restarter's work, so that
// Shutdown waits for it too: plugins send mail this way. f must honour ctx,
// which Shutdown cancels when it stops waiting. It returns ErrClosed once
// Shutdown has begun.
func (r *Restarter) Go(f func(ctx context.Context)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f(r.ctx)
	}()
	return nil
}

// Shutdown refuses new work and waits for the restarts and tasks under way.
// If ctx ends first, it cancels them, waits for them to return, and
// reports which restarts it interrupted. A listener calls it when
// supervisord stops it, with a bound below the listener's stopwaitsecs.
func (r *Restarter) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
	}
	r.mu.Lock()
	var names []string
	for n := range r.inFlight {
		names = append(names, n)
	}
	r.mu.Unlock()
	slices.Sort(names)
	r.cancel()
	<-done
	if len(names) == 0 {
		return fmt.Errorf("stopped waiting for background work: %w", ctx.Err())
	}
	return fmt.Errorf("interrupted the restart of %s: %w", strings.Join(names, ", "), ctx.Err())
}

// run is one restart, in its own goroutine.
func (r *Restarter) run(req Request) {
	defer r.wg.Done()
	out := Outcome{Name: req.Name}
	select {
	case r.sem <- struct{}{}:
		r.restart(req, &out)
		<-r.sem
	case <-r.ctx.Done():
		out.StopErr = fmt.Errorf("stop of %s not attempted: %w", req.Name, r.ctx.Err())
	}
	out.Interrupted = r.ctx.Err() != nil
	r.mu.Lock()
	delete(r.inFlight, req.Name)
	r.mu.Unlock()
	if req.Done != nil {
		req.Done(r.ctx, out)
	}
}

func (r *Restarter) restart(req Request, out *Outcome) {
	if req.Prepare != nil {
		req.Prepare(r.ctx)
	}
	out.Began = r.cfg.Clock.Now()
	defer func() { out.Ended = r.cfg.Clock.Now() }()

	err := r.step(r.ctl.StopProcess, req.Name)
	switch {
	case errors.Is(err, rpc.ErrNotRunning):
		out.NotRunning = true
	case err != nil:
		out.StopErr = err
		var fault *rpc.Fault
		if !errors.As(err, &fault) {
			// No answer: supervisord is unreachable, or the process is
			// still stopping, in which case a start would fail anyway.
			return
		}
	}
	if req.StopOnly {
		return
	}
	if req.Hold != nil {
		if err := req.Hold(r.ctx); err != nil {
			out.StartErr = err
			return
		}
	}
	err = r.step(r.ctl.StartProcess, req.Name)
	switch {
	case errors.Is(err, rpc.ErrAlreadyStarted):
		out.AlreadyStarted = true
	case err != nil:
		out.StartErr = err
	}
}

// step makes one waiting stop or start call within StepTimeout.
func (r *Restarter) step(call func(context.Context, string, bool) error, name string) error {
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.StepTimeout)
	defer cancel()
	return call(ctx, name, true)
}
