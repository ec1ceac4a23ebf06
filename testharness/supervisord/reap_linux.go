//go:build linux

package supervisord

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

var subreaperOnce sync.Once

// enableSubreaper makes the test process the reaper of its orphaned
// descendants. Without it, a program's own child that outlives the
// program (sh -c 'sleep 1000 & ...') is reparented to init and escapes
// teardown. Failure is ignored: teardown then relies on /proc tracking
// alone.
func enableSubreaper() {
	subreaperOnce.Do(func() {
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	})
}

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// proc is what teardown needs to know of a process.
type proc struct {
	pid, ppid int
	start     uint64 // clock ticks after boot; tells a reused PID apart
	zombie    bool
}

func processes() []proc {
	all, err := procfs.AllProcs()
	if err != nil {
		return nil
	}
	out := make([]proc, 0, len(all))
	for _, p := range all {
		st, err := p.Stat()
		if err != nil {
			continue // exited meanwhile
		}
		out = append(out, proc{pid: p.PID, ppid: st.PPID, start: st.Starttime, zombie: st.State == "Z"})
	}
	return out
}

// descendants returns the live descendants of root with their start times.
func descendants(root int) map[int]uint64 {
	procs := processes()
	children := map[int][]proc{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p)
	}
	found := map[int]uint64{}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if _, seen := found[c.pid]; !seen {
				found[c.pid] = c.start
				queue = append(queue, c.pid)
			}
		}
	}
	return found
}

func hasMarker(pid int, marker string) bool {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return false
	}
	env, err := p.Environ()
	return err == nil && slices.Contains(env, marker)
}

// sweep kills every process that belonged to the supervisord whose PID
// was root, once it has exited, and reaps those reparented to this
// process. A process belongs to it if it was seen as a descendant (same
// PID and start time) or carries the marker in its environment, which
// catches processes forked after the last look and daemons that left the
// tree. It returns when none is left, alive or waiting to be reaped by
// this process, with how many it killed.
func sweep(root int, tracked map[int]uint64, marker string) (int, error) {
	self := os.Getpid()
	deadline := time.Now().Add(10 * time.Second)
	killed := map[int]bool{}
	for {
		procs := processes()
		ours := func(p proc) bool {
			start, seen := tracked[p.pid]
			return seen && start == p.start
		}
		for _, p := range procs {
			// A zombie's environment cannot be read, so processes are
			// claimed while alive and remembered.
			if p.pid != root && p.pid != self && !p.zombie && !ours(p) && hasMarker(p.pid, marker) {
				tracked[p.pid] = p.start
			}
		}
		byPID := make(map[int]proc, len(procs))
		for _, p := range procs {
			byPID[p.pid] = p
		}
		var alive []int
		pending := false
		for _, p := range procs {
			if p.pid == root || p.pid == self || !ours(p) {
				continue
			}
			switch {
			case !p.zombie:
				unix.Kill(p.pid, unix.SIGKILL)
				killed[p.pid] = true
				alive = append(alive, p.pid)
			case p.ppid == self:
				var ws unix.WaitStatus
				unix.Wait4(p.pid, &ws, unix.WNOHANG, nil)
				pending = true // look again to be sure it is gone
			case ours(byPID[p.ppid]):
				// Its parent is dying too, and then it is ours to reap.
				pending = true
			}
		}
		if len(alive) == 0 && !pending {
			return len(killed), nil
		}
		if time.Now().After(deadline) {
			return len(killed), fmt.Errorf("processes %v of supervisord %d survived SIGKILL", alive, root)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
