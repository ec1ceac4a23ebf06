//go:build linux

package proctable

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// fakeProc is a proc filesystem in a directory, moved by hand: pids are
// allocated cyclically from last, as a pid namespace allocates them.
type fakeProc struct {
	t        *testing.T
	root     string
	spid     int
	children bool // write task/<tid>/children files
	last     int
	forks    uint64
	reaped   int
	procs    map[int]fakeTask
	now      uint64 // clock ticks, for start times
}

type fakeTask struct {
	ppid  int
	start uint64
	tgid  int // for a thread, its process; 0 for a process
}

func newFakeProc(t *testing.T, children bool) *fakeProc {
	f := &fakeProc{t: t, root: t.TempDir(), spid: 100, children: children, last: 100, forks: 1000,
		procs: map[int]fakeTask{}, now: 5000}
	f.write("sys/kernel/pid_max", "32768\n")
	f.procs[1] = fakeTask{ppid: 0, start: 1}
	f.procs[f.spid] = fakeTask{ppid: 1, start: 10}
	f.sync()
	return f
}

func (f *fakeProc) write(name, text string) {
	f.t.Helper()
	path := filepath.Join(f.root, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// sync writes every file from the model.
func (f *fakeProc) sync() {
	f.t.Helper()
	f.write("loadavg", fmt.Sprintf("0.00 0.01 0.05 1/%d %d\n", len(f.procs), f.last))
	f.write("stat", fmt.Sprintf("cpu  1 2 3 4\nintr 5 6\nctxt 7\nbtime 8\nprocesses %d\nprocs_running 1\n", f.forks))
	// Files are rewritten in place: the watcher keeps some open, as it
	// may with the real /proc, whose files show fresh contents at every
	// read.
	entries, _ := os.ReadDir(f.root)
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && f.procs[pid] == (fakeTask{}) {
			os.RemoveAll(filepath.Join(f.root, e.Name()))
		}
	}
	var kids []string
	for pid, p := range f.procs {
		cmin := 0
		if pid == f.spid {
			cmin = f.reaped
		}
		// comm holds a space and a parenthesis, as a command name may.
		f.write(fmt.Sprintf("%d/stat", pid), fmt.Sprintf("%d (my prog) S %d %d %d 0 -1 4194304 12 %d 0 0 3 4 0 0 20 0 1 0 %d 1000 10 0 0 0\n",
			pid, p.ppid, pid, pid, cmin, p.start))
		tgid := pid
		if p.tgid != 0 {
			tgid = p.tgid
		}
		f.write(fmt.Sprintf("%d/status", pid), fmt.Sprintf("Name:\tmy prog\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n", tgid, pid, p.ppid))
		if p.ppid == f.spid && p.tgid == 0 {
			kids = append(kids, strconv.Itoa(pid))
		}
	}
	if f.children {
		f.write(fmt.Sprintf("%d/task/%d/children", f.spid, f.spid), strings.Join(kids, " ")+" ")
	}
}

// fork creates a process of parent with the next pid, or with pid if
// given, and returns its pid.
func (f *fakeProc) fork(parent int, pid ...int) int {
	f.forks++
	next := f.last + 1
	if len(pid) > 0 {
		next = pid[0]
	}
	for f.procs[next] != (fakeTask{}) {
		next++
	}
	f.last = next
	f.now++
	f.procs[next] = fakeTask{ppid: parent, start: f.now}
	f.sync()
	return next
}

// exit ends pid; its parent reaps it at once.
func (f *fakeProc) exit(pid int) {
	if f.procs[pid].ppid == f.spid {
		f.reaped += 7
	}
	delete(f.procs, pid)
	f.sync()
}

func (f *fakeProc) watcher() *watcher {
	f.t.Helper()
	w, err := newWatcher(f.root, f.spid)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(w.close)
	if w.children != f.children {
		f.t.Fatalf("watcher reads children lists: %v, want %v", w.children, f.children)
	}
	return w
}

// expect runs a check and compares its outcome.
func expect(t *testing.T, w *watcher, what string, quiet bool, born, gone []int) {
	t.Helper()
	q, err := w.check()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	slices.Sort(w.born)
	slices.Sort(w.gone)
	if q != quiet || !slices.Equal(w.born, born) || !slices.Equal(w.gone, gone) {
		t.Errorf("%s: quiet %v born %v gone %v; want quiet %v born %v gone %v", what, q, w.born, w.gone, quiet, born, gone)
	}
}

func TestWatcher(t *testing.T) {
	for _, children := range []bool{false, true} {
		t.Run(fmt.Sprintf("children=%v", children), func(t *testing.T) {
			f := newFakeProc(t, children)
			a, b := f.fork(f.spid), f.fork(f.spid)
			other := f.fork(1)
			w := f.watcher()
			expect(t, w, "first check", false, []int{a, b}, nil)
			expect(t, w, "nothing happened", true, nil, nil)

			c := f.fork(f.spid)
			expect(t, w, "a fork", false, []int{c}, nil)
			if w.reaped {
				t.Error("a fork counted as a reap")
			}
			f.fork(other) // a grandchild of init: none of supervisord's
			expect(t, w, "someone else's fork", false, nil, nil)
			// A thread of a child is allocated a pid, and names the
			// child's parent, supervisord, as its own.
			f.forks++
			f.last++
			f.procs[f.last] = fakeTask{ppid: f.spid, start: f.now, tgid: c}
			f.sync()
			expect(t, w, "a child's new thread", false, nil, nil)
			delete(f.procs, f.last) // the thread ends: /proc lists no thread
			f.sync()
			// A fork the children list does not show yet (proc(5): a
			// list read while it changes can skip one) is found among
			// the pids allocated since, where supervisord reaped nothing.
			hidden := f.fork(f.spid)
			if children {
				f.write(fmt.Sprintf("%d/task/%d/children", f.spid, f.spid), fmt.Sprintf("%d %d %d ", a, b, c))
			}
			expect(t, w, "a fork the list skips", false, []int{hidden}, nil)
			f.exit(hidden)
			expect(t, w, "its exit", false, nil, []int{hidden})

			f.exit(b)
			expect(t, w, "an exit", false, nil, []int{b})
			if !w.reaped {
				t.Error("the exit was not seen as reaped")
			}

			// a exits and its pid comes round again, for a new child.
			f.exit(a)
			f.last = a - 1
			f.fork(f.spid, a)
			expect(t, w, "a reused pid", false, []int{a}, []int{a})

			// A process started before the previous check, reparented to
			// supervisord (pid 1 in a container adopts orphans).
			orphan := f.fork(other)
			expect(t, w, "the orphan's fork", false, nil, nil)
			f.procs[orphan] = fakeTask{ppid: f.spid, start: f.procs[orphan].start}
			f.sync()
			f.forks++ // the last pid stays; a reap moves supervisord's counters
			f.reaped++
			f.sync()
			if children {
				// The list shows it; it is reported, and the table finds
				// it is none of supervisord's programs.
				expect(t, w, "an orphan adopted", false, []int{orphan}, nil)
			} else {
				expect(t, w, "an orphan adopted", false, nil, nil)
			}

			// Allocation went round the whole pid space since the last
			// check: even a pid outside the interval may be new.
			f.exit(c)
			f.procs[c] = fakeTask{ppid: f.spid, start: f.now + 100}
			f.forks += 40000
			f.sync()
			bornAgain := []int{c}
			if !children {
				// Every pid may be new: the orphan, unrecorded, is seen.
				bornAgain = []int{orphan, c}
			}
			expect(t, w, "a full cycle of pids", false, bornAgain, []int{c})
			expect(t, w, "after the full cycle", true, nil, nil)
		})
	}
}

func TestWatcherChildrenListSkips(t *testing.T) {
	f := newFakeProc(t, true)
	a, b := f.fork(f.spid), f.fork(f.spid)
	w := f.watcher()
	expect(t, w, "first check", false, []int{a, b}, nil)
	// A list read while children change can miss one (proc(5)).
	f.fork(1)
	f.write(fmt.Sprintf("%d/task/%d/children", f.spid, f.spid), strconv.Itoa(a)+" ")
	expect(t, w, "b missing from the list", false, nil, nil)
}

func TestWatcherIdentify(t *testing.T) {
	f := newFakeProc(t, false)
	w := f.watcher()
	expect(t, w, "first check", false, nil, nil)
	kid, stranger := f.fork(f.spid), f.fork(1)
	if !w.identify(kid) || w.identify(stranger) || w.identify(999) {
		t.Fatalf("identify: kid %v stranger %v none %v", w.identify(kid), w.identify(stranger), w.identify(999))
	}
	expect(t, w, "after identify", false, nil, nil)
}

func TestWatcherSupervisordGone(t *testing.T) {
	f := newFakeProc(t, false)
	w := f.watcher()
	// A gone process's stat fails to read with ESRCH, which the real /proc
	// test below covers; here the file turns to nonsense.
	f.write(fmt.Sprintf("%d/stat", f.spid), "")
	if _, err := w.check(); err == nil {
		t.Fatal("check succeeded with supervisord's stat empty")
	}
}

// TestWatcherRealProc follows this process's own children in /proc.
func TestWatcherRealProc(t *testing.T) {
	w, err := newWatcher("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if _, err := w.check(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if _, err := w.check(); err != nil || !slices.Contains(w.born, pid) {
		t.Fatalf("after starting %d: born %v (%v)", pid, w.born, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := w.check(); err != nil || !slices.Contains(w.gone, pid) || !w.reaped {
		t.Fatalf("after reaping %d: gone %v reaped %v (%v)", pid, w.gone, w.reaped, err)
	}
}

// TestWatcherManyThreads: past maxTaskLists threads the children lists
// give way to a scan.
func TestWatcherManyThreads(t *testing.T) {
	f := newFakeProc(t, true)
	a := f.fork(f.spid)
	for tid := 1; tid <= maxTaskLists; tid++ {
		f.write(fmt.Sprintf("%d/task/%d/children", f.spid, f.spid+tid), "")
	}
	// The lists say nothing of a: only a scan finds it.
	f.write(fmt.Sprintf("%d/task/%d/children", f.spid, f.spid), "")
	w := f.watcher()
	expect(t, w, "first check", false, []int{a}, nil)
}

// TestWatcherManyChildren reads a children list longer than a page, from
// a single-threaded parent as supervisord is: the kernel hands it out a
// page per read.
func TestWatcherManyChildren(t *testing.T) {
	const n = 800 // 5 digits and a space each: more than 4096 bytes
	parent := exec.Command("sh", "-c", fmt.Sprintf("i=0; while [ $i -lt %d ]; do sleep 1000 & i=$((i+1)); done; echo started; wait", n))
	parent.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-parent.Process.Pid, syscall.SIGKILL) // sh and its sleeps
		parent.Wait()
	}()
	buf := make([]byte, 8)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	w, err := newWatcher("/proc", parent.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if !w.children {
		t.Skip("the kernel has no /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN)")
	}
	if _, err := w.check(); err != nil {
		t.Fatal(err)
	}
	if len(w.born) != n || len(w.kids) != n {
		t.Fatalf("born %d, kids %d; want %d", len(w.born), len(w.kids), n)
	}
	w.pretendFork() // the lists are read again
	if _, err := w.check(); err != nil || len(w.born)+len(w.gone) != 0 {
		t.Fatalf("again: born %v gone %v (%v)", w.born, w.gone, err)
	}
}

// pretendFork makes the next check list the children, as after a fork
// elsewhere: it moves the last pid seen one back.
func (w *watcher) pretendFork() { w.last.LastPID-- }
