package procmem

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/procfile"

	"github.com/golance/golance/internal/testkit/memhog"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"memhog": memhog.Main, "subreaper-sh": subreaperShell})
}

// subreaperShell, subreaper-sh, runs sh -c with its argument as a child subreaper
// (PR_SET_CHILD_SUBREAPER, kept across exec): orphans of its tree become
// its children.
func subreaperShell() {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		os.Exit(1)
	}
	err := syscall.Exec("/bin/sh", []string{"sh", "-c", os.Args[1]}, os.Environ())
	panic(err)
}

const mib = 1 << 20

func newReader(t testing.TB) *Reader {
	t.Helper()
	r, err := NewReader("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startHog runs memhog holding mb MiB, with children children holding
// childMB MiB each, and returns its pid once every page is resident.
func startHog(t testing.TB, mb, children, childMB int) int {
	t.Helper()
	cmd := exec.Command("memhog", "-mb", strconv.Itoa(mb), "-children", strconv.Itoa(children), "-child-mb", strconv.Itoa(childMB))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = errors.New("memhog said " + strconv.Quote(line))
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("memhog did not get ready in 30s")
	}
	return cmd.Process.Pid
}

func usage(t *testing.T, s *Snapshot, pid int, m Metric, cumulative bool) uint64 {
	t.Helper()
	n, err := s.Usage(pid, m, cumulative)
	if err != nil {
		t.Fatalf("Usage(%d, %v, %v): %v", pid, m, cumulative, err)
	}
	return n
}

func TestUsageOfOneProcess(t *testing.T) {
	t.Parallel()
	pid := startHog(t, 64, 0, 0)
	r := newReader(t)
	for _, tree := range []bool{false, true} {
		s, err := r.Snapshot(tree)
		if err != nil {
			t.Fatal(err)
		}
		rss, pss, uss := usage(t, s, pid, RSS, false), usage(t, s, pid, PSS, false), usage(t, s, pid, USS, false)
		// The 64 MiB are private anonymous pages: every metric counts
		// them, and sharing can only make RSS larger than PSS, and PSS
		// than USS.
		if uss < 64*mib || pss < uss || rss < pss {
			t.Errorf("tree=%v: rss %d, pss %d, uss %d; want 64MiB <= uss <= pss <= rss", tree, rss, pss, uss)
		}
	}
}

// treeReaders returns a Reader that finds descendants from the kernel's
// children lists, and one that scans every process as on a kernel without
// them.
func treeReaders(t *testing.T) map[string]*Reader {
	t.Helper()
	lists, scan := newReader(t), newReader(t)
	t.Cleanup(func() { lists.Close(); scan.Close() })
	if !lists.lists {
		t.Fatal("no children lists in /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN)")
	}
	scan.lists = false
	return map[string]*Reader{"lists": lists, "scan": scan}
}

func TestCumulativeUsageAddsDescendants(t *testing.T) {
	t.Parallel()
	// memhog children are themselves memhog processes, so a child of a
	// child would show up too; two children of 32 MiB make a tree of at
	// least 64 MiB around a parent holding nothing. memhog is a Go
	// program: its children belong to whichever of its threads forked them.
	pid := startHog(t, 0, 2, 32)
	for mode, r := range treeReaders(t) {
		s, err := r.Snapshot(true)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(mode, func(t *testing.T) { checkHogTree(t, s, pid) })
	}
}

func checkHogTree(t *testing.T, s *Snapshot, pid int) {
	for _, m := range Metrics {
		own := usage(t, s, pid, m, false)
		all := usage(t, s, pid, m, true)
		if own >= 32*mib {
			t.Errorf("%v of the parent alone is %d, want < 32MiB", m, own)
		}
		if all < own+64*mib {
			t.Errorf("cumulative %v is %d, want at least %d + 64MiB", m, all, own)
		}
	}
}

func TestCumulativeUsageNeedsATree(t *testing.T) {
	t.Parallel()
	s, err := newReader(t).Snapshot(false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Usage(os.Getpid(), RSS, true); err == nil {
		t.Fatal("cumulative usage from a snapshot without a tree")
	}
}

func TestUsageOfAVanishedProcess(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for mode, r := range treeReaders(t) {
		for _, tree := range []bool{false, true} {
			s, err := r.Snapshot(tree)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range Metrics {
				if _, err := s.Usage(cmd.Process.Pid, m, tree); !errors.Is(err, ErrNoProcess) {
					t.Errorf("%s tree=%v %v: err %v, want ErrNoProcess", mode, tree, m, err)
				}
			}
		}
	}
}

// A single-threaded parent's tree, grandchildren included, is the sum of
// its processes' own figures, read alike whether from children lists or a
// scan; a child that exits leaves the sum at the next snapshot.
func TestCumulativeUsageOfAShellTree(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sh", "-c", "sleep 3600 & sh -c 'sleep 3600 & wait' & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	readers := treeReaders(t)
	var tree []int
	deadline := time.Now().Add(10 * time.Second)
	for len(tree) != 4 { // sh, sleep, sh, sleep
		if time.Now().After(deadline) {
			t.Fatalf("the shell tree is %v, want 4 processes", tree)
		}
		time.Sleep(10 * time.Millisecond)
		tree = descendants(t, cmd.Process.Pid)
	}
	for mode, r := range readers {
		s, err := r.Snapshot(true)
		if err != nil {
			t.Fatal(err)
		}
		var sum uint64
		for _, pid := range tree {
			sum += usage(t, s, pid, RSS, false)
		}
		if all := usage(t, s, cmd.Process.Pid, RSS, true); all != sum || sum == 0 {
			t.Errorf("%s: cumulative RSS %d, want the sum of %v: %d", mode, all, tree, sum)
		}
	}
	// The first sleep exits: the tree loses it.
	first := tree[1]
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for slices.Contains(descendants(t, cmd.Process.Pid), first) {
		time.Sleep(10 * time.Millisecond)
	}
	for mode, r := range readers {
		s, err := r.Snapshot(true)
		if err != nil {
			t.Fatal(err)
		}
		var sum uint64
		for _, pid := range tree {
			if pid != first {
				sum += usage(t, s, pid, RSS, false)
			}
		}
		if all := usage(t, s, cmd.Process.Pid, RSS, true); all != sum {
			t.Errorf("%s after an exit: cumulative RSS %d, want %d", mode, all, sum)
		}
	}
}

// descendants returns pid and its descendants, parents before children,
// from the parent field of every /proc/<pid>/stat.
func descendants(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	parent := map[int]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if st, err := procfile.ParseStat(b); err == nil && st.State != 'Z' {
			parent[p] = st.PPID
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		var kids []int
		for c, p := range parent {
			if p == out[i] {
				kids = append(kids, c)
			}
		}
		slices.Sort(kids)
		out = append(out, kids...)
	}
	return out
}

// startShell runs script under sh, in a process group of its own killed
// at the end, and returns its pid and its standard input.
func startShell(t *testing.T, args ...string) (int, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	return cmd.Process.Pid, stdin
}

// waitTree waits until pid and its descendants are n processes, and
// returns them.
func waitTree(t *testing.T, pid, n int) []int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tree := descendants(t, pid)
		if len(tree) == n {
			return tree
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tree of %d is %v, want %d processes", pid, tree, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sumOwn is the sum of the processes' own RSS in s.
func sumOwn(t *testing.T, s *Snapshot, pids []int) uint64 {
	t.Helper()
	var sum uint64
	for _, pid := range pids {
		sum += usage(t, s, pid, RSS, false)
	}
	return sum
}

// When no process was created since the previous snapshot, a tree
// snapshot uses the children lists it read then: told the truth by the
// fork clock, it reads them again after a fork and counts the new child;
// forced to think nothing forked, it misses the next one.
func TestKeptListsWhileNothingForks(t *testing.T) {
	t.Parallel()
	r := newReader(t)
	defer r.Close()
	pid, stdin := startShell(t, "sh", "-c", "sleep 3600 & read x; sleep 3600 & read x; sleep 3600 & wait")
	waitTree(t, pid, 2)
	s, err := r.Snapshot(true)
	if err != nil {
		t.Fatal(err)
	}
	usage(t, s, pid, RSS, true) // reads the lists
	for _, forced := range []bool{false, true} {
		before := descendants(t, pid)
		if _, err := stdin.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
		after := waitTree(t, pid, len(before)+1)
		if forced {
			r.quiet = func(prev, now procfile.Mark) bool { return true }
		}
		if s, err = r.Snapshot(true); err != nil {
			t.Fatal(err)
		}
		want := sumOwn(t, s, after)
		if forced {
			want = sumOwn(t, s, before)
		}
		if all := usage(t, s, pid, RSS, true); all != want {
			t.Errorf("forced quiet %v: cumulative RSS %d, want %d (tree %v, then %v)", forced, all, want, before, after)
		}
	}
}

// A process of kept lists that exits hands its children to another
// parent, here a subreaper at the root of the tree: the lists are read
// again, and the adopted grandchild still counts. So it does when the
// exited process stays a zombie, its parent not reaping it: its statm
// reads as unmapped.
func TestKeptListsAfterAnExit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, script  string
		before, after int  // the tree's processes, zombies left out
		zombie        bool // the killed shell stays one
	}{
		{"reaped", "sh -c 'sleep 3600 & wait' & sleep 3600 & wait", 4, 3, false},
		// The subreaper becomes a sleep, which never reaps its children.
		{"unreaped", "sh -c 'sleep 3600 & wait' & exec sleep 3600", 3, 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newReader(t)
			defer r.Close()
			r.quiet = func(prev, now procfile.Mark) bool { return true }
			pid, _ := startShell(t, "subreaper-sh", c.script)
			tree := waitTree(t, pid, c.before)
			s, err := r.Snapshot(true)
			if err != nil {
				t.Fatal(err)
			}
			usage(t, s, pid, RSS, true) // reads the lists
			var middle int
			for _, p := range tree[1:] {
				if len(descendants(t, p)) == 2 {
					middle = p
				}
			}
			if err := syscall.Kill(middle, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			left := waitTree(t, pid, c.after)
			if c.zombie {
				if b, err := os.ReadFile("/proc/" + strconv.Itoa(middle) + "/stat"); err != nil {
					t.Fatal(err)
				} else if st, err := procfile.ParseStat(b); err != nil || st.State != 'Z' {
					t.Fatalf("the killed shell is %q (%v), want a zombie", st.State, err)
				}
			}
			if s, err = r.Snapshot(true); err != nil {
				t.Fatal(err)
			}
			if all, want := usage(t, s, pid, RSS, true), sumOwn(t, s, left); all != want {
				t.Errorf("cumulative RSS %d, want %d, the sum over %v", all, want, left)
			}
		})
	}
}

// Processes created elsewhere do not make a tree snapshot read its kept
// lists again: only the lists of the new processes' parents are, so a
// fork in the tree still counts at once.
func TestKeptListsWhenOthersFork(t *testing.T) {
	t.Parallel()
	r := newReader(t)
	defer r.Close()
	pid, stdin := startShell(t, "sh", "-c", "sleep 3600 & read x; sleep 3600 & wait")
	tree := waitTree(t, pid, 2)
	s, err := r.Snapshot(true)
	if err != nil {
		t.Fatal(err)
	}
	usage(t, s, pid, RSS, true) // reads the lists
	if err := exec.Command("true").Run(); err != nil {
		t.Fatal(err)
	}
	if s, err = r.Snapshot(true); err != nil {
		t.Fatal(err)
	}
	if all, want := usage(t, s, pid, RSS, true), sumOwn(t, s, tree); all != want || !r.cachedLists {
		t.Errorf("after a fork elsewhere: cumulative RSS %d, want %d; kept lists used: %v", all, want, r.cachedLists)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	grown := waitTree(t, pid, 3)
	if s, err = r.Snapshot(true); err != nil {
		t.Fatal(err)
	}
	if all, want := usage(t, s, pid, RSS, true), sumOwn(t, s, grown); all != want {
		t.Errorf("after a fork in the tree: cumulative RSS %d, want %d, the sum over %v", all, want, grown)
	}
}

// The files of a process that is no longer asked about, or has exited,
// are closed at the snapshot after the next, whether or not every other
// file was read; the count of files read stays exact through the reads
// that fail and the files closed meanwhile.
func TestFilesNoLongerReadAreClosed(t *testing.T) {
	t.Parallel()
	start := func() *exec.Cmd {
		cmd := exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	a, b, c := start(), start(), start()
	r := newReader(t)
	defer r.Close()
	kept := func(pid int) (n int) {
		for k := range r.files {
			if k.pid() == pid {
				n++
			}
		}
		return n
	}
	checkUsed := func(when string) {
		t.Helper()
		n := 0
		for _, f := range r.files {
			if f.gen == r.gen {
				n++
			}
		}
		if n != r.used {
			t.Fatalf("%s: %d files read by this snapshot, counted %d", when, n, r.used)
		}
	}
	snap := func(pids ...int) {
		t.Helper()
		s, err := r.Snapshot(true)
		if err != nil {
			t.Fatal(err)
		}
		for _, pid := range pids {
			if _, err := s.Usage(pid, RSS, true); err != nil && !errors.Is(err, ErrNoProcess) {
				t.Fatal(err)
			}
		}
		checkUsed("after reading " + strconv.Itoa(len(pids)) + " processes")
	}
	snap(a.Process.Pid, b.Process.Pid, c.Process.Pid)
	if kept(b.Process.Pid) == 0 || kept(c.Process.Pid) == 0 {
		t.Fatalf("no file kept open for the processes read: %v", r.files)
	}
	b.Process.Kill()
	b.Wait()
	snap(a.Process.Pid, b.Process.Pid) // b fails, c is not asked about
	snap(a.Process.Pid)
	snap(a.Process.Pid)
	if n := kept(b.Process.Pid); n != 0 {
		t.Errorf("%d files of an exited process still open", n)
	}
	if n := kept(c.Process.Pid); n != 0 {
		t.Errorf("%d files of a process no longer asked about still open", n)
	}
	if kept(a.Process.Pid) == 0 {
		t.Errorf("the files of the process read at every snapshot were closed")
	}
}
