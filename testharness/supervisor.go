package testharness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// supervisord's own states (SupervisorStates), the "mood" of the daemon.
const (
	moodFatal      = 2
	moodRunning    = 1
	moodRestarting = 0
	moodShutdown   = -1
)

// firstFakePID is where the pids of virtual and in-process children start:
// above Linux's largest pid_max, so they never name a real process.
const firstFakePID = 5_000_000

// Supervisor is an emulated supervisord: process groups and event listener
// pools driven exactly as supervisord 4.2.x drives them, without its
// one-second poll loop, plus an optional fake XML-RPC server. Create one
// with Start (in a test) or New, and Close it when done.
//
// All methods are safe for concurrent use.
type Supervisor struct {
	cfg         Config
	clock       Clock
	identifier  string
	dir         string
	ownDir      bool
	env         []string
	backoffUnit time.Duration
	waitTimeout time.Duration

	baseCtx    context.Context
	cancelBase context.CancelFunc
	wg         sync.WaitGroup

	mu           sync.Mutex
	mood         int
	groupSpecs   []groupSpec // the configuration, in priority order
	groups       []*group    // active groups, creation order
	pools        []*pool     // creation order, which is subscription order
	procs        map[string]*subprocess
	globalSerial int64
	pendingExits []pendingExit
	mutations    uint64
	changed      chan struct{}
	chunks       [][]Record // the transcript
	nrecords     int
	counts       map[countKey]int
	timer        Timer
	timerAt      time.Time
	firedAt      time.Time
	ticks        map[int64]int64
	tickClock    time.Time
	stopGroups   []*group
	stopping     bool
	closed       bool
	nextPID      int
	settling     bool
	rpc          *rpcServer
	serverURL    string
	mainLog      *logFile
	mainLogBuf   []byte
	stopTickers  []func()

	clockTickTimer    Timer
	clockTicksStopped bool
}

// pendingExit is a reaped child waiting for finish().
type pendingExit struct {
	c  *child
	st exitStatus
}

// Start is New for tests: it fails t at once if cfg is invalid, and closes
// the Supervisor when the test ends. Logs go under t.TempDir() unless
// cfg.Dir is set.
func Start(t testing.TB, cfg Config) *Supervisor {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("testharness: closing the supervisor: %v", err)
		}
	})
	return s
}

// New starts an emulated supervisord the way supervisord starts: it creates
// the groups in priority order (each notifying PROCESS_GROUP_ADDED, so pools
// see their own), opens the RPC server, notifies
// SUPERVISOR_STATE_CHANGE_RUNNING and starts the autostart processes. The
// caller must Close it.
func New(cfg Config) (*Supervisor, error) {
	groups, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	s := &Supervisor{
		cfg:          cfg,
		clock:        cfg.Clock,
		identifier:   cfg.Identifier,
		dir:          cfg.Dir,
		env:          cfg.Env,
		backoffUnit:  cfg.BackoffUnit,
		waitTimeout:  cfg.WaitTimeout,
		mood:         moodRunning,
		procs:        map[string]*subprocess{},
		counts:       map[countKey]int{},
		globalSerial: -1,
		changed:      make(chan struct{}),
		nextPID:      firstFakePID,
	}
	if s.clock == nil {
		s.clock = RealClock{}
	}
	if s.identifier == "" {
		s.identifier = "supervisor"
	}
	if s.env == nil {
		s.env = os.Environ()
	}
	if s.backoffUnit <= 0 {
		s.backoffUnit = time.Second
	}
	if s.waitTimeout <= 0 {
		s.waitTimeout = 10 * time.Second
	}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "golance-testharness-")
		if err != nil {
			return nil, fmt.Errorf("testharness: creating a directory for logs: %w", err)
		}
		s.dir, s.ownDir = d, true
	}
	if s.mainLog, err = openLogFile(filepath.Join(s.dir, "supervisord.log")); err != nil {
		s.cleanupDir()
		return nil, fmt.Errorf("testharness: opening the main log: %w", err)
	}
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())

	s.groupSpecs = groups
	s.mu.Lock()
	for _, gs := range groups {
		if err := s.addGroupLocked(gs); err != nil {
			s.mu.Unlock()
			s.cancelBase()
			s.shutdownFiles()
			return nil, err
		}
	}
	s.mu.Unlock()

	if cfg.RPC {
		if err := s.startRPC(); err != nil {
			s.cancelBase()
			s.shutdownFiles()
			return nil, fmt.Errorf("testharness: starting the XML-RPC server: %w", err)
		}
	}

	s.mu.Lock()
	now := s.clock.Now()
	s.ticks = map[int64]int64{}
	for _, period := range tickPeriods {
		s.ticks[period] = timeslice(time.Duration(period)*time.Second, now)
	}
	s.tickClock = now
	s.notifyLocked(NewSupervisorRunningEvent())
	s.settle()
	s.mu.Unlock()
	s.startTickers()
	return s, nil
}

// Close shuts the supervisor down as supervisord does on SIGTERM: it
// notifies SUPERVISOR_STATE_CHANGE_STOPPING, stops the groups one at a time
// in reverse priority order (so listeners, at priority -1, see the others
// stop), then closes the RPC server and removes what it created. Children
// that outlive stopwaitsecs are killed.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.beginShutdownLocked()
	s.settle()
	s.mu.Unlock()

	for _, stop := range s.stopTickers {
		stop()
	}
	// Wait for the ordered stop; stopwaitsecs and SIGKILL bound it, plus a
	// margin for the last exits to be reaped.
	deadline := time.Now().Add(s.maxStopWait() + 5*time.Second)
	var err error
	for {
		s.mu.Lock()
		done := len(s.unstoppedLocked()) == 0
		ch := s.changed
		s.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			err = errors.New("testharness: some processes did not stop; they were killed")
			s.killAll()
			break
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
			// FakeClock users may never advance past stopwaitsecs; the
			// real deadline above still ends the wait.
		}
	}
	if s.rpc != nil {
		s.rpc.close()
	}
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	s.cancelBase()
	s.killAll()
	waited := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(drainTimeout + time.Second):
	}
	s.shutdownFiles()
	return err
}

func (s *Supervisor) maxStopWait() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total time.Duration
	for _, g := range s.groups {
		var most time.Duration
		for _, p := range g.procs {
			most = max(most, p.stopWait())
		}
		total += most
	}
	return total
}

// killAll sends SIGKILL to every real child still alive.
func (s *Supervisor) killAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		for _, p := range g.procs {
			if c := p.child; c != nil && c.kind == kindExec && !c.exitQueued {
				_ = syscall.Kill(-c.pid, syscall.SIGKILL)
				_ = syscall.Kill(c.pid, syscall.SIGKILL)
			}
			if c := p.child; c != nil && c.kind == kindFunc {
				c.cancel()
				c.closeChildEnds()
			}
		}
	}
}

func (s *Supervisor) shutdownFiles() {
	s.mu.Lock()
	for _, g := range s.groups {
		for _, p := range g.procs {
			if p.child != nil {
				p.child.closeParentEnds()
			}
			p.closeLogs()
		}
	}
	s.flushMainLog()
	s.mainLog.close()
	s.mu.Unlock()
	s.cleanupDir()
}

func (s *Supervisor) cleanupDir() {
	if s.ownDir {
		_ = os.RemoveAll(s.dir)
	}
}

// Notify raises ev as supervisord's events.notify does: every pool
// subscribed to its type (or to a base type of it) buffers it, once per
// matching subscription, and dispatching follows at once. It returns the
// global serial the event got, and false if no pool accepted it (events
// nobody wants consume no serial).
func (s *Supervisor) Notify(ev Event) (serial int64, accepted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.notifyLocked(ev)
	s.settle()
	return e.serial, e.serial >= 0
}

// Identifier returns the server identifier used in envelopes.
func (s *Supervisor) Identifier() string { return s.identifier }

// Dir returns the directory holding the logs.
func (s *Supervisor) Dir() string { return s.dir }

// MainLogPath returns the path of the emulated main log (supervisord.log),
// which readLog serves. It records spawns, exits, state changes, listener
// state changes and buffer overflows in supervisord's words.
func (s *Supervisor) MainLogPath() string { return filepath.Join(s.dir, "supervisord.log") }

// Clock returns the clock the supervisor runs on.
func (s *Supervisor) Clock() Clock { return s.clock }

// goroutine runs f in a goroutine Close waits for.
func (s *Supervisor) goroutine(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

func (s *Supervisor) fakePID() int {
	s.nextPID++
	return s.nextPID
}

// lookup is _getGroupAndProcess. A namespec "group:*" or "group:" names
// the whole group (split_namespec's process name None): the group is
// returned with a nil process.
func (s *Supervisor) lookup(name string) (*group, *subprocess, error) {
	gname, pname := listener.SplitNamespec(name)
	whole := pname == "" || pname == "*"
	var g *group
	for _, cand := range s.groups {
		if cand.name == gname {
			g = cand
			break
		}
	}
	if g == nil {
		return nil, nil, newFault(rpc.ErrBadName, name)
	}
	if whole {
		return g, nil, nil
	}
	for _, p := range g.procs {
		if p.spec.name == pname {
			return g, p, nil
		}
	}
	return nil, nil, newFault(rpc.ErrBadName, name)
}

func (s *Supervisor) groupByName(name string) *group {
	for _, g := range s.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// allProcesses is _getAllProcesses: by priority (lexical=false) or by
// group then process name (lexical=true).
func (s *Supervisor) allProcesses(lexical bool) []*subprocess {
	var out []*subprocess
	if lexical {
		gs := slices.Clone(s.groups)
		slices.SortStableFunc(gs, func(a, b *group) int { return strings.Compare(a.name, b.name) })
		for _, g := range gs {
			ps := slices.Clone(g.procs)
			slices.SortStableFunc(ps, func(a, b *subprocess) int { return strings.Compare(a.spec.name, b.spec.name) })
			out = append(out, ps...)
		}
		return out
	}
	for _, g := range s.sortedGroups() {
		out = append(out, byPriority(g.procs)...)
	}
	return out
}

// byPriority is procs in priority order, stably.
func byPriority(procs []*subprocess) []*subprocess {
	ps := slices.Clone(procs)
	slices.SortStableFunc(ps, func(a, b *subprocess) int { return cmp.Compare(a.spec.priority, b.spec.priority) })
	return ps
}

// sortedGroups is the groups by priority, stably.
func (s *Supervisor) sortedGroups() []*group {
	gs := slices.Clone(s.groups)
	slices.SortStableFunc(gs, func(a, b *group) int { return cmp.Compare(a.priority, b.priority) })
	return gs
}
