//go:build linux

package proctable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/golance/golance/plugins/internal/procfile"
	"golang.org/x/sys/unix"
)

// errSupervisordGone is wrapped by the error of a check that cannot read
// supervisord's own /proc entry: it has exited.
var errSupervisordGone = errors.New("supervisord's process is gone")

// watcher follows supervisord's children in /proc, so that a tick can
// tell without asking supervisord whether it spawned or reaped any since
// the previous tick. It never trusts a pid alone: a child is a pid and a
// start time, so a pid reused by a new child counts as one child gone and
// one born.
//
// Its O(1) test rests on two facts of Linux: a pid namespace allocates
// pids cyclically, and /proc/loadavg ends with the last pid allocated in
// the reader's namespace, so an unchanged last pid means nothing was
// forked; and the kernel adds a child's fault and time counters to its
// parent's when the parent reaps it, so unchanged counters mean
// supervisord reaped nothing. Between two checks where either moved, the
// new children lie among the pids allocated since (the interval from the
// old last pid to the new one), unless allocation went round the whole pid
// space, which the machine's fork count (the processes line of
// /proc/stat) rules out or reveals.
type watcher struct {
	mu       sync.Mutex
	root     string
	spid     int
	d        *procfile.Dir
	clock    *procfile.ForkClock
	self     int // root/<spid>/stat, kept open
	children bool

	primed     bool
	last       procfile.Mark
	lastReaped uint64
	kids       map[int]*kid
	mark       uint64

	born, gone []int // the outcome of the last check
	// reaped reports that supervisord reaped a child since the previous
	// check. With no pid gone, that child lived and died between two
	// checks: a run too short to be seen, but whose end changed a
	// process's state or details.
	reaped     bool
	pids, tids []int
}

// kid is one child of supervisord.
type kid struct {
	start uint64 // clock ticks after boot
	mark  uint64 // the last check that saw it
}

// newWatcher returns a watcher of the children of spid, under the proc
// filesystem at root. It reads the children lists of
// /proc/<spid>/task/<tid>/children where the kernel has them
// (CONFIG_PROC_CHILDREN), and otherwise scans root.
func newWatcher(root string, spid int) (*watcher, error) {
	d, err := procfile.OpenDir(root)
	if err != nil {
		return nil, err
	}
	w := &watcher{root: root, spid: spid, d: d, self: -1, kids: map[int]*kid{}}
	if w.clock, err = procfile.OpenForkClock(d); err != nil {
		w.close()
		return nil, err
	}
	self := strconv.Itoa(spid) + "/stat"
	if w.self, err = d.OpenAt(self); err != nil {
		w.close()
		return nil, &os.PathError{Op: "open", Path: d.Path(self), Err: err}
	}
	tasks, _ := filepath.Glob(filepath.Join(root, strconv.Itoa(spid), "task", "*", "children"))
	w.children = len(tasks) > 0
	if _, err := w.readSelf(); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// source describes how the watcher lists supervisord's children.
func (w *watcher) source() string {
	if w.children {
		return fmt.Sprintf("%s/%d/task/*/children (a scan of %s past %d threads)", w.root, w.spid, w.root, maxTaskLists)
	}
	return "a scan of " + w.root
}

func (w *watcher) close() {
	if w.clock != nil {
		w.clock.Close()
	}
	if w.self >= 0 {
		unix.Close(w.self)
		w.self = -1
	}
	w.d.Close()
}

// check compares supervisord's children with those of the previous check
// and leaves in w.born the pids that appeared and in w.gone those that
// went; a reused pid is in both. quiet reports that the O(1) test showed
// that nothing can have changed. The first check reports every child as
// born.
func (w *watcher) check() (quiet bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.born, w.gone, w.reaped = w.born[:0], w.gone[:0], false
	// The marks come first: what changes while the children are listed is
	// seen by the next check.
	mark, err := w.clock.Read()
	if err != nil {
		return false, err
	}
	reaped, err := w.readSelf()
	if err != nil {
		return false, err
	}
	if w.primed && w.clock.Quiet(w.last, mark) && reaped == w.lastReaped {
		return true, nil
	}
	w.reaped = w.primed && reaped != w.lastReaped
	all := !w.primed || w.clock.Wrapped(w.last, mark)
	if !all && !w.reaped && w.bornSince(mark) {
		w.last = mark
		return false, nil
	}
	prev := w.last
	fresh := func(pid int) bool { return all || procfile.AllocatedBetween(prev, mark, pid) }
	w.mark++
	listed := false
	if w.children {
		if listed, err = w.listChildren(fresh); err != nil {
			return false, err
		}
	}
	if !listed {
		if err := w.scan(fresh); err != nil {
			return false, err
		}
	}
	for pid, k := range w.kids {
		if k.mark == w.mark {
			continue
		}
		// A children list read while it changes can skip a child
		// (proc(5)); the child's own entry settles it.
		if st, err := w.stat(pid); err == nil && st.PPID == w.spid && st.Start == k.start {
			k.mark = w.mark
			continue
		}
		delete(w.kids, pid)
		w.gone = append(w.gone, pid)
	}
	w.primed, w.last, w.lastReaped = true, mark, reaped
	return false, nil
}

// bornSince finds the children supervisord spawned since the previous
// check among the pids allocated since (procfile.ForkClock.Allocated),
// when it reaped none, so that every child it had is a child still (an
// exited one is a zombie until reaped, and keeps its pid): reading a few
// new pids' entries costs less than its children lists, which the kernel
// produces at 0.7 µs a child (0.35 ms over 500), at every check after a
// fork anywhere on the host. It reports false, having done nothing, when
// more pids were allocated than a quarter of the children.
func (w *watcher) bornSince(mark procfile.Mark) bool {
	pids, ok := w.clock.Allocated(w.last, mark, max(len(w.kids)/4, 16))
	if !ok {
		return false
	}
	for pid := range pids {
		if w.kids[pid] != nil {
			continue // allocation went past it: the same child
		}
		st, err := w.stat(pid)
		if err != nil || st.PPID != w.spid || !w.leads(pid) {
			continue // gone, not a child, or a thread of one
		}
		w.kids[pid] = &kid{start: st.Start, mark: w.mark}
		w.born = append(w.born, pid)
	}
	return true
}

// leads reports that pid is a process, the leader of its threads: a
// thread is allocated a pid too, and its stat names its process's parent
// as its own, so that a thread of one of supervisord's children looks
// like a child there.
func (w *watcher) leads(pid int) bool {
	b, err := w.d.ReadSmall(strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	tgid, err := procfile.ParseTgid(b)
	return err == nil && tgid == pid
}

// maxTaskLists is how many threads' children lists a check reads before
// it scans /proc instead: supervisord has one thread, but a process with
// hundreds (the harness, a Go test binary, has one blocked in wait4 per
// child) costs more to read list by list than a scan.
const maxTaskLists = 16

// listChildren reads the children lists of supervisord's threads, and
// reports whether it did.
func (w *watcher) listChildren(fresh func(int) bool) (bool, error) {
	taskDir := strconv.Itoa(w.spid) + "/task"
	tids, err := w.d.ReadPIDs(taskDir, w.tids[:0])
	w.tids = tids[:0]
	if err != nil || len(tids) > maxTaskLists {
		return false, err
	}
	pids, err := w.d.ReadThreadChildren(w.pids[:0], w.spid, tids)
	w.pids = pids[:0]
	if err != nil {
		return false, err
	}
	for _, pid := range pids {
		k := w.kids[pid]
		if k != nil && !fresh(pid) {
			k.mark = w.mark
			continue
		}
		// An unknown child outside the interval is an orphan reparented
		// to supervisord (when it is pid 1), or one a list skipped last
		// time: reported born either way, so none is missed.
		w.see(pid, k)
	}
	return true, nil
}

// scan lists every process of the proc filesystem, reading the entries
// of those that may be new children: a process that was not a child at
// the previous check and was not created since is not one now (an orphan
// reparented to supervisord is none of its programs).
func (w *watcher) scan(fresh func(int) bool) error {
	pids, err := w.d.ReadPIDs("", w.pids[:0])
	w.pids = pids[:0]
	if err != nil {
		return err
	}
	for _, pid := range pids {
		k := w.kids[pid]
		switch {
		case !fresh(pid) && k != nil:
			k.mark = w.mark
		case fresh(pid):
			w.see(pid, k)
		}
	}
	return nil
}

// see reads the entry of pid, which may be a new child of supervisord or
// known as one (k).
func (w *watcher) see(pid int, k *kid) {
	st, err := w.stat(pid)
	if err != nil || st.PPID != w.spid {
		return // gone already, or not a child: the sweep drops a known one
	}
	if k != nil && k.start == st.Start {
		k.mark = w.mark
		return
	}
	if k != nil {
		w.gone = append(w.gone, pid) // the pid was reused
	}
	w.kids[pid] = &kid{start: st.Start, mark: w.mark}
	w.born = append(w.born, pid)
}

// identify reports whether pid is a child of supervisord now, and records
// it as one: the table calls it for every pid supervisord tells it, so
// that the next check does not report that child as born.
func (w *watcher) identify(pid int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if k := w.kids[pid]; k != nil {
		return true
	}
	st, err := w.stat(pid)
	if err != nil || st.PPID != w.spid {
		return false
	}
	w.kids[pid] = &kid{start: st.Start, mark: w.mark}
	return true
}

// stat reads /proc/<pid>/stat.
func (w *watcher) stat(pid int) (procfile.Stat, error) {
	b, err := w.d.ReadSmall(strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procfile.Stat{}, err
	}
	return procfile.ParseStat(b)
}

func (w *watcher) readSelf() (uint64, error) {
	b, err := w.d.Pread(w.self)
	if errors.Is(err, unix.ESRCH) {
		return 0, fmt.Errorf("%s/%d/stat: %w", w.root, w.spid, errSupervisordGone)
	}
	if err != nil {
		return 0, fmt.Errorf("reading %s/%d/stat: %w", w.root, w.spid, err)
	}
	st, err := procfile.ParseStat(b)
	if err != nil {
		return 0, fmt.Errorf("%s/%d/stat: %w", w.root, w.spid, err)
	}
	return st.Reaped, nil
}
