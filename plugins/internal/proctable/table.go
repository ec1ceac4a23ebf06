package proctable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/procfile"
)

// DefaultRefresh is how often a Check reads every process from supervisord
// (getAllProcessInfo) when nothing else made it. See the package doc for
// what only this refresh catches.
const DefaultRefresh = 10 * time.Minute

// Config configures a Table.
type Config struct {
	// Supervisor is supervisord's XML-RPC interface; required.
	Supervisor Supervisor
	// SupervisorPID is supervisord's pid as this process sees it. Zero
	// means: ask supervisord (getPID) and use the answer if it is this
	// process's parent or another ancestor, or this process itself (the
	// harness); otherwise, /proc is not used.
	SupervisorPID int
	// ProcFS is where the proc filesystem is mounted; "" means /proc.
	ProcFS string
	// NoProc never reads /proc: every Check reads every process from
	// supervisord, as on a system without Linux's /proc.
	NoProc bool
	// Refresh is the period of the full refresh; zero means
	// DefaultRefresh, a negative value never.
	Refresh time.Duration
	// Clock times the refresh; nil means the real clock.
	Clock clock.Clock
	// Log receives the line saying how supervisord is followed; nil
	// discards it.
	Log *slog.Logger
}

// Table is supervisord's process table, followed without polling it. It is
// safe for concurrent use; Load, Observe, Check and Detail run one at a
// time.
type Table struct {
	cfg     Config
	sup     Supervisor
	clock   clock.Clock
	log     *slog.Logger
	refresh time.Duration

	// op serialises the operations that may call supervisord; what it
	// guards changes only under it.
	op         sync.Mutex
	located    bool     // supervisord's pid was looked for
	w          *watcher // nil: /proc is not used
	lastFull   time.Time
	fullDue    bool
	unresolved map[int]bool // new children of supervisord that no entry has
	poolSerial uint64
	serialSeen bool
	changes    []Change
	returned   bool // changes went to a caller, who may still read them
	round      uint64
	targets    []*entry
	verify     []*entry

	// mu guards what readers see.
	mu      sync.RWMutex
	loaded  bool
	entries map[key]*entry
	order   []*entry // as getAllProcessInfo sorts them: by group, then name
	byPID   map[int]*entry
	removed map[key]bool // processes gone, whose late events are stale
	stats   Stats
}

// New returns a table for cfg. It calls nothing: Load, or the first
// Observe, Check or Detail, reads the processes.
func New(cfg Config) (*Table, error) {
	if cfg.Supervisor == nil {
		return nil, errors.New("proctable: Config.Supervisor is nil")
	}
	if cfg.ProcFS == "" {
		cfg.ProcFS = "/proc"
	}
	t := &Table{
		cfg:        cfg,
		sup:        cfg.Supervisor,
		clock:      clock.Or(cfg.Clock),
		log:        cfg.Log,
		refresh:    cfg.Refresh,
		unresolved: map[int]bool{},
		entries:    map[key]*entry{},
		byPID:      map[int]*entry{},
		removed:    map[key]bool{},
	}
	if t.log == nil {
		t.log = log.Discard()
	}
	if t.refresh == 0 {
		t.refresh = DefaultRefresh
	}
	return t, nil
}

// Close releases the /proc files the table keeps open. The table must not
// be used afterwards.
func (t *Table) Close() error {
	t.op.Lock()
	defer t.op.Unlock()
	if t.w != nil {
		t.w.close()
	}
	return nil
}

// Load reads every process from supervisord (getAllProcessInfo), and at
// the first call finds supervisord's pid and its children in /proc. Until
// a Load succeeds, the other operations try it first.
func (t *Table) Load(ctx context.Context) error {
	t.op.Lock()
	defer t.op.Unlock()
	t.begin()
	defer t.end()
	return t.load(ctx)
}

// Loaded reports whether a Load succeeded.
func (t *Table) Loaded() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.loaded
}

// Observe brings the table up to date with one event, and returns the
// changes it made since the previous Observe or Check returned (in order;
// valid until the next call of Observe, Check or Detail). Pass it every
// event the listener receives: the pool's serials reveal lost events.
//
//   - PROCESS_STATE_*: the process's state, and its pid when the event
//     carries one. An event about a process the table does not know makes
//     it read every process.
//   - PROCESS_GROUP_ADDED: reads every process, unless the group is known
//     already (the events of supervisord's start come after the first
//     Load). PROCESS_GROUP_REMOVED drops the group's processes.
//   - TICK_*: Check.
//
// An error means supervisord could not be asked: the table stays as it
// was, and the next Check asks again. An event whose payload cannot be
// read changes nothing, and its error wraps listener.ErrMalformedPayload,
// for the plugin to log and acknowledge (plugins/internal/log
// MalformedEvent).
func (t *Table) Observe(ctx context.Context, ev listener.Event) ([]Change, error) {
	t.op.Lock()
	defer t.op.Unlock()
	t.begin()
	defer t.end()
	t.noteSerial(ev.PoolSerial)
	if !t.isLoaded() {
		if err := t.load(ctx); err != nil {
			return t.changes, err
		}
	}
	var err error
	switch name := ev.EventName; {
	case name.Is(listener.ProcessState):
		var ps listener.ProcessStateEvent
		if ps, err = ev.ProcessState(); err == nil {
			err = t.observeState(ctx, ps)
		}
	case name == listener.ProcessGroupAdded:
		var g listener.ProcessGroupEvent
		if g, err = ev.ProcessGroup(); err == nil && !t.hasGroup(g.GroupName) {
			err = t.refreshAll(ctx)
		}
	case name == listener.ProcessGroupRemoved:
		var g listener.ProcessGroupEvent
		if g, err = ev.ProcessGroup(); err == nil {
			t.removeGroup(g.GroupName)
		}
	case name.Is(listener.Tick):
		err = t.check(ctx)
	}
	return t.changes, err
}

// begin starts collecting the changes of an operation, after those a
// caller was given.
func (t *Table) begin() {
	if t.returned {
		t.changes = t.changes[:0]
		t.returned = false
	}
}

// end marks the changes as handed to the caller of Observe or Check.
func (t *Table) end() { t.returned = true }

// noteSerial looks for a gap in the pool's serials: supervisord numbers
// the events a pool accepts one by one, and discards the oldest when the
// pool's buffer is full. A lost event is mended by a full refresh at the
// next Check.
func (t *Table) noteSerial(serial uint64) {
	if t.serialSeen && (serial > t.poolSerial+1 || serial < t.poolSerial) {
		t.fullDue = true
		t.mu.Lock()
		t.stats.Gaps++
		t.mu.Unlock()
	}
	t.poolSerial, t.serialSeen = serial, true
}

// Processes returns every process, sorted as getAllProcessInfo sorts them:
// by group, then by name.
func (t *Table) Processes() []Process {
	return t.AppendProcesses([]Process{})
}

// AppendProcesses appends what Processes returns to dst, for a caller
// that reuses one slice at every tick rather than allocating hundreds of
// copies each time.
func (t *Table) AppendProcesses(dst []Process) []Process {
	t.mu.RLock()
	defer t.mu.RUnlock()
	dst = slices.Grow(dst, len(t.order))
	for _, e := range t.order {
		dst = append(dst, e.Process)
	}
	return dst
}

// Process returns the process named namespec ("name" or "group:name"),
// and false if the table has none.
func (t *Table) Process(namespec string) (Process, bool) {
	group, name := listener.SplitNamespec(namespec)
	t.mu.RLock()
	defer t.mu.RUnlock()
	if e := t.entries[key{group, name}]; e != nil {
		return e.Process, true
	}
	return Process{}, false
}

// Detail returns the process named namespec with everything
// getProcessInfo says of it (Detailed set), asking supervisord
// (getProcessInfo, for that process alone) only when the table's details
// are out of date. What the answer shows is applied to the table, as a
// Check would; a process the table does not know yet makes the next Check
// read every process.
func (t *Table) Detail(ctx context.Context, namespec string) (Process, error) {
	group, name := listener.SplitNamespec(namespec)
	k := key{group, name}
	t.op.Lock()
	defer t.op.Unlock()
	t.begin()
	t.mu.RLock()
	e := t.entries[k]
	t.mu.RUnlock()
	if e != nil && e.Detailed && e.pidKnown {
		return e.Process, nil
	}
	t.count(func(s *Stats) { s.Calls++; s.ProcessInfos++ })
	info, err := t.sup.GetProcessInfo(ctx, namespec)
	if err != nil {
		return Process{}, err
	}
	p := processFrom(info)
	t.mu.RLock()
	e = t.entries[key{p.Group, p.Name}]
	t.mu.RUnlock()
	if e == nil {
		t.fullDue = true
		return p, nil
	}
	t.applyPolls([]Process{p})
	return p, nil
}

// Stats returns what the table counted so far.
func (t *Table) Stats() Stats {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.stats
}

func (t *Table) count(f func(*Stats)) {
	t.mu.Lock()
	f(&t.stats)
	t.mu.Unlock()
}

func (t *Table) isLoaded() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.loaded
}

func (t *Table) hasGroup(group string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, e := range t.order {
		if e.Group == group {
			return true
		}
	}
	return false
}

// load finds supervisord's children, once, and reads every process.
func (t *Table) load(ctx context.Context) error {
	if !t.located {
		if err := t.locate(ctx); err != nil {
			return err
		}
	}
	return t.refreshAll(ctx)
}

// locate finds supervisord's pid and starts following its children, or
// says why it cannot.
func (t *Table) locate(ctx context.Context) error {
	spid := t.cfg.SupervisorPID
	why := ""
	switch {
	case t.cfg.NoProc:
		why = "Config.NoProc is set"
	case spid == 0:
		t.count(func(s *Stats) { s.Calls++ })
		pid, err := t.sup.GetPID(ctx)
		if err != nil {
			return err
		}
		spid = pid
		if !isAncestor(t.cfg.ProcFS, pid) {
			why = fmt.Sprintf("supervisord's pid %d (getPID) is not an ancestor of this process: "+
				"it was not started by that supervisord, or runs in another pid namespace", pid)
		}
	}
	t.located = true
	if why == "" {
		w, err := newWatcher(t.cfg.ProcFS, spid)
		if err == nil {
			_, err = w.check() // the baseline: every child is born
		}
		if err != nil {
			if w != nil {
				w.close()
			}
			why = err.Error()
		} else {
			t.w = w
		}
	}
	if why != "" {
		t.log.Warn("not following supervisord's children in /proc (" + why + "): every tick reads every process from supervisord")
		return nil
	}
	t.log.Debug(fmt.Sprintf("following supervisord (pid %d) through %s", spid, t.w.source()))
	return nil
}

// isAncestor reports whether pid is this process or one of its ancestors.
func isAncestor(root string, pid int) bool {
	p := os.Getpid()
	for range 64 {
		if p == pid {
			return true
		}
		if p <= 1 {
			return false
		}
		b, err := os.ReadFile(fmt.Sprintf("%s/%d/stat", root, p))
		if err != nil {
			return p == os.Getpid() && os.Getppid() == pid
		}
		st, err := procfile.ParseStat(b)
		if err != nil {
			return false
		}
		p = st.PPID
	}
	return false
}
