package testharness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
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
	procs        map[string]*proc
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
	r  *run
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
		procs:        map[string]*proc{},
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

// addGroupLocked is Supervisor.add_process_group: build the group (a pool
// subscribes as it is built) and notify PROCESS_GROUP_ADDED.
func (s *Supervisor) addGroupLocked(gs groupSpec) error {
	g := &group{name: gs.name, priority: gs.priority}
	if gs.pool {
		g.pool = &pool{g: g, events: gs.events, bufferSize: gs.bufferSize, serial: -1, judge: gs.judge}
	}
	for _, spec := range gs.procs {
		p := &proc{s: s, g: g, spec: spec, state: listener.StateStopped}
		switch {
		case spec.cfg.Command != nil:
			p.kind = kindExec
		case spec.cfg.Run != nil:
			p.kind = kindFunc
		default:
			p.kind = kindVirtual
		}
		var err error
		if p.stdoutLog, err = s.openChildLog(p, Stdout, spec.cfg.StdoutLogfile); err != nil {
			return err
		}
		if !spec.cfg.RedirectStderr {
			if p.stderrLog, err = s.openChildLog(p, Stderr, spec.cfg.StderrLogfile); err != nil {
				return err
			}
		}
		g.procs = append(g.procs, p)
		s.procs[p.namespec()] = p
	}
	s.groups = append(s.groups, g)
	if g.pool != nil {
		s.pools = append(s.pools, g.pool)
	}
	s.logf(levelInfo, "added process group %s", g.name)
	s.notifyLocked(NewProcessGroupAddedEvent(g.name))
	return nil
}

// openChildLog opens a child's log: setting "" means a file in Dir (like
// AUTO), "NONE" no log at all, anything else that path.
func (s *Supervisor) openChildLog(p *proc, ch Channel, setting string) (*logFile, error) {
	path := setting
	switch {
	case strings.EqualFold(setting, "NONE"):
		return nil, nil
	case setting == "" || strings.EqualFold(setting, "AUTO"):
		path = filepath.Join(s.dir, logName(p, ch))
	}
	l, err := openLogFile(path)
	if err != nil {
		return nil, fmt.Errorf("testharness: opening the %s log of %s: %w", ch, p.namespec(), err)
	}
	return l, nil
}

func logName(p *proc, ch Channel) string {
	name := p.spec.name
	if p.g.name != p.spec.name {
		name = p.g.name + "_" + p.spec.name
	}
	return name + "-" + string(ch) + ".log"
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
			if r := p.run; r != nil && r.kind == kindExec && !r.exitQueued {
				_ = syscall.Kill(-r.pid, syscall.SIGKILL)
				_ = syscall.Kill(r.pid, syscall.SIGKILL)
			}
			if r := p.run; r != nil && r.kind == kindFunc {
				r.cancel()
				r.closeChildEnds()
			}
		}
	}
}

func (s *Supervisor) shutdownFiles() {
	s.mu.Lock()
	for _, g := range s.groups {
		for _, p := range g.procs {
			if p.run != nil {
				p.run.closeParentEnds()
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

// beginShutdownLocked sets the SHUTDOWN mood: from now on XML-RPC calls
// fault with SHUTDOWN_STATE and settle stops the groups in order.
func (s *Supervisor) beginShutdownLocked() {
	if s.mood < moodRunning {
		return
	}
	s.mood = moodShutdown
	s.logf(levelWarn, "received SIGTERM indicating exit request")
}

// beginRestartLocked sets the RESTARTING mood: the groups are stopped in
// order, as for a shutdown, and then built and started again from the
// configuration (see restartLocked).
func (s *Supervisor) beginRestartLocked() {
	if s.mood < moodRunning {
		return
	}
	s.mood = moodRestarting
	s.logf(levelWarn, "received SIGHUP indicating restart request")
}

// restartLocked is supervisord's second pass through Supervisor.run after
// a restart: new groups and pools (pool serials start again at 0; the
// global serial does not), PROCESS_GROUP_ADDED for each, then
// SUPERVISOR_STATE_CHANGE_RUNNING. Process handles taken before the
// restart keep describing the old, stopped processes.
func (s *Supervisor) restartLocked() {
	for _, g := range s.groups {
		for _, p := range g.procs {
			p.closeLogs()
		}
	}
	s.groups, s.pools, s.procs = nil, nil, map[string]*proc{}
	s.stopping, s.stopGroups = false, nil
	s.mood = moodRunning
	for _, gs := range s.groupSpecs {
		if err := s.addGroupLocked(gs); err != nil {
			s.logf(levelCritical, "restarting: %v", err)
			s.mood = moodFatal
			return
		}
	}
	s.notifyLocked(NewSupervisorRunningEvent())
}

// unstoppedLocked lists the processes not in a stopped state.
func (s *Supervisor) unstoppedLocked() []*proc {
	var out []*proc
	for _, g := range s.groups {
		for _, p := range g.procs {
			if !p.state.IsStopped() {
				out = append(out, p)
			}
		}
	}
	return out
}

// settle runs supervisord's main loop body until nothing changes: the
// shutdown phases, every group's transition (where pools dispatch), and
// reaping. supervisord gets there over several one-second iterations; the
// order of what happens is the same. The caller holds s.mu.
func (s *Supervisor) settle() {
	if s.settling {
		return
	}
	s.settling = true
	defer func() { s.settling = false }()
	for range 1000 {
		before := s.mutations
		if s.mood < moodRunning {
			if !s.stopping {
				s.stopping = true
				s.stopGroups = s.sortedGroups()
				s.notifyLocked(NewSupervisorStoppingEvent())
			}
			if n := len(s.stopGroups); n > 0 {
				s.stopAll(s.stopGroups[n-1])
			}
		}
		for _, g := range s.sortedGroups() {
			if g.pool != nil {
				g.pool.transition()
			} else {
				for _, p := range g.procs {
					p.transition()
				}
			}
		}
		s.reap()
		if s.mood < moodRunning {
			if n := len(s.stopGroups); n > 0 && groupStopped(s.stopGroups[n-1]) {
				s.stopGroups = s.stopGroups[:n-1]
				s.mutated()
			}
			if s.mood == moodRestarting && len(s.stopGroups) == 0 && len(s.unstoppedLocked()) == 0 && !s.closed {
				s.restartLocked()
			}
		}
		if s.mutations == before {
			break
		}
	}
	s.armTimer()
	s.flushMainLog()
	s.broadcast()
}

// sortedGroups is the groups by priority, stably.
func (s *Supervisor) sortedGroups() []*group {
	gs := append([]*group(nil), s.groups...)
	sortStable(gs, func(a, b *group) bool { return a.priority < b.priority })
	return gs
}

func groupStopped(g *group) bool {
	for _, p := range g.procs {
		if !p.state.IsStopped() {
			return false
		}
	}
	return true
}

// stopAll is ProcessGroupBase.stop_all: in descending priority order, stop
// what runs and give up on what is backing off.
func (s *Supervisor) stopAll(g *group) {
	procs := append([]*proc(nil), g.procs...)
	sortStable(procs, func(a, b *proc) bool { return a.spec.priority < b.spec.priority })
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		switch p.state {
		case listener.StateRunning, listener.StateStarting:
			p.stop()
		case listener.StateBackoff:
			p.giveUp()
		}
	}
}

// reap finishes the processes that exited.
func (s *Supervisor) reap() {
	for len(s.pendingExits) > 0 {
		pe := s.pendingExits[0]
		s.pendingExits = s.pendingExits[1:]
		if pe.r.p.run == pe.r {
			pe.r.p.finish(pe.st)
		}
	}
}

// armTimer schedules the next clock-driven transition (startsecs, backoff
// retry, SIGKILL after stopwaitsecs).
func (s *Supervisor) armTimer() {
	var next time.Time
	for _, g := range s.groups {
		for _, p := range g.procs {
			if at, ok := p.nextDeadline(); ok && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
	}
	if next.Equal(s.timerAt) && s.timer != nil {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.timerAt = next
	now := s.clock.Now()
	// A deadline that already fired and changed nothing would fire again
	// at once, forever; the next change re-arms the timer anyway.
	if next.IsZero() || s.closedAndDone() || (next.Equal(s.firedAt) && !next.After(now)) {
		return
	}
	s.timer = s.clock.AfterFunc(next.Sub(now), func() {
		s.mu.Lock()
		s.timer = nil
		s.timerAt = time.Time{}
		s.firedAt = next
		s.mutated()
		s.settle()
		s.mu.Unlock()
	})
}

func (s *Supervisor) closedAndDone() bool {
	return s.closed && len(s.unstoppedLocked()) == 0
}

// mutated notes that state changed, so settle goes round again and waiters
// look again.
func (s *Supervisor) mutated() { s.mutations++ }

// broadcast wakes every waiter.
func (s *Supervisor) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// queueExit hands a reaped child to the next settle.
func (s *Supervisor) queueExit(r *run, st exitStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.exitQueued {
		return
	}
	r.exitQueued = true
	s.pendingExits = append(s.pendingExits, pendingExit{r: r, st: st})
	s.mutated()
	s.settle()
}

// onOutput handles output read from a child.
func (s *Supervisor) onOutput(r *run, ch Channel, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.p
	if p.run != r {
		return // the dispatchers of a finished spawn are gone
	}
	if ch == Stderr {
		p.stderrSeen.Write(data)
	}
	switch {
	case ch == Stdout && p.isListener():
		p.onListenerOutput(data)
	case ch == Stdout:
		r.out.feed(data)
	default:
		r.errOut.feed(data)
	}
	s.mutated()
	s.settle()
}

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

// childEnv is the environment of a child: the harness's, the SUPERVISOR_*
// variables, then the process's own (which win, as environment= does).
func (s *Supervisor) childEnv(p *proc) []string {
	env := append([]string(nil), s.env...)
	env = append(env, "SUPERVISOR_ENABLED=1")
	url := p.spec.cfg.ServerURL
	if url == "" {
		url = s.serverURL
	}
	if url != "" {
		env = append(env, "SUPERVISOR_SERVER_URL="+url)
	}
	env = append(env, "SUPERVISOR_PROCESS_NAME="+p.spec.name, "SUPERVISOR_GROUP_NAME="+p.g.name)
	return append(env, p.spec.cfg.Env...)
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
