package procfile

import (
	"bytes"
	"fmt"
	"iter"

	"golang.org/x/sys/unix"
)

// A ForkClock tells, in O(1), whether any process or thread was created in
// the reader's pid namespace between two readings: proctable's watcher
// knows from it that supervisord forked nothing, procmem that no process
// tree gained a member. It rests on two facts of Linux: a pid namespace
// allocates pids cyclically, and /proc/loadavg ends with the last pid
// allocated in the reader's namespace, so an unchanged last pid means
// nothing was created, unless allocation went round the whole pid space,
// which the machine's count of created tasks (the processes line of
// /proc/stat) rules out or reveals. It holds as long as no one sets pids
// by hand (clone3 with set_tid, or writing ns_last_pid, as
// checkpoint/restore tools do).
type ForkClock struct {
	d        *Dir
	loadavg  int // kept open
	stat     int // kept open
	pidMax   int
	pidSpace uint64
}

// A Mark is one reading of a ForkClock.
type Mark struct {
	// LastPID is the last pid allocated in the namespace.
	LastPID int
	// Threads is how many tasks (processes and threads) the machine runs.
	Threads int
	// Forks is how many tasks the machine has created since it booted.
	Forks uint64
}

// OpenForkClock opens the files of a ForkClock under d; Close releases
// them.
func OpenForkClock(d *Dir) (*ForkClock, error) {
	c := &ForkClock{d: d, loadavg: -1, stat: -1}
	var err error
	if c.loadavg, err = d.OpenAt("loadavg"); err != nil {
		return nil, fmt.Errorf("opening %s: %w", d.Path("loadavg"), err)
	}
	if c.stat, err = d.OpenAt("stat"); err != nil {
		c.Close()
		return nil, fmt.Errorf("opening %s: %w", d.Path("stat"), err)
	}
	pidMax := uint64(1 << 22)
	if b, err := d.ReadSmall("sys/kernel/pid_max"); err == nil {
		if v, ok := ParseUint(b); ok {
			pidMax = v
		}
	}
	c.pidMax = int(pidMax)
	c.pidSpace = pidMax
	if pidMax > 2*reserved {
		c.pidSpace = pidMax - reserved
	}
	return c, nil
}

// Close closes the clock's files; closing it again does nothing.
func (c *ForkClock) Close() {
	for _, fd := range []*int{&c.loadavg, &c.stat} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

// Read reads the clock.
func (c *ForkClock) Read() (Mark, error) {
	b, err := c.d.Pread(c.loadavg)
	if err != nil {
		return Mark{}, fmt.Errorf("reading %s: %w", c.d.Path("loadavg"), err)
	}
	var m Mark
	if m.LastPID, m.Threads, err = parseLoadavg(b); err != nil {
		return Mark{}, err
	}
	if b, err = c.d.Pread(c.stat); err != nil {
		return Mark{}, fmt.Errorf("reading %s: %w", c.d.Path("stat"), err)
	}
	if m.Forks, err = parseForks(b); err != nil {
		return Mark{}, err
	}
	return m, nil
}

// reserved is RESERVED_PIDS, where allocation starts again after it
// reaches the pid space's end.
const reserved = 300

// Allocated returns the pids allocated between the readings prev and now,
// in the order the namespace allocated them, for a caller that looks at
// each process created meanwhile rather than at every process it knows
// of. It returns false when more than limit pids were, or allocation may
// have gone round the whole pid space (Wrapped): looking at everything is
// then cheaper, or the only way. The sequence may include pids taken
// before prev that allocation went past (a long-lived process's), and
// pids of processes and threads that have exited since.
func (c *ForkClock) Allocated(prev, now Mark, limit int) (iter.Seq[int], bool) {
	from, to := prev.LastPID, now.LastPID
	n := to - from
	if n < 0 { // went past the end, once
		n = c.pidMax - 1 - from + to - reserved + 1
	}
	if n > limit || c.Wrapped(prev, now) {
		return nil, false
	}
	return func(yield func(int) bool) {
		for pid, i := from, 0; i < n; i++ {
			if pid++; pid >= c.pidMax {
				pid = reserved
			}
			if !yield(pid) {
				return
			}
		}
	}, true
}

// AllocatedBetween reports whether pid lies among those allocated between
// the readings prev and now, when allocation did not go round the whole
// pid space (Wrapped): in the cyclic interval after prev's last pid, up
// to now's. It holds for every pid Allocated yields, and for the reserved
// pids below 300 as well once allocation went past the end, which the
// kernel does not hand out again but a caller that only looks at a pid
// more closely loses nothing by counting.
func AllocatedBetween(prev, now Mark, pid int) bool {
	from, to := prev.LastPID, now.LastPID
	switch {
	case from == to:
		return false
	case from < to:
		return from < pid && pid <= to
	}
	return pid > from || pid <= to
}

// Wrapped reports that between the readings prev and now, allocation may
// have gone round the whole pid space, so that any pid may be new.
func (c *ForkClock) Wrapped(prev, now Mark) bool {
	return now.Forks-prev.Forks+uint64(now.Threads) >= c.pidSpace
}

// Quiet reports that no process or thread was created in the namespace
// between the readings prev and now.
func (c *ForkClock) Quiet(prev, now Mark) bool {
	return now.LastPID == prev.LastPID && !c.Wrapped(prev, now)
}

// parseLoadavg returns the last field of /proc/loadavg, the last pid
// allocated in the reader's pid namespace, and the number of threads on
// the machine, from the "running/total" field before it:
//
//	0.20 0.18 0.12 1/80 11206
func parseLoadavg(b []byte) (lastPID, threads int, err error) {
	f := bytes.Fields(b)
	if len(f) != 5 {
		return 0, 0, fmt.Errorf("%w: /proc/loadavg is %q", ErrMalformed, Excerpt(b))
	}
	_, total, _ := bytes.Cut(f[3], []byte("/"))
	t, ok1 := ParseUint(total)
	p, ok2 := ParseUint(f[4])
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("%w: /proc/loadavg is %q", ErrMalformed, Excerpt(b))
	}
	return int(p), int(t), nil
}

// parseForks returns the "processes" line of /proc/stat: how many tasks
// (processes and threads) the machine has created since it booted.
func parseForks(b []byte) (uint64, error) { return machineCounter(b, "processes") }
