package procfile

import (
	"errors"
	"os/exec"
	"slices"
	"testing"
)

func TestParseLoadavgAndForks(t *testing.T) {
	last, threads, err := parseLoadavg([]byte("3.81 2.08 1.01 2/633 31394\n"))
	if err != nil || last != 31394 || threads != 633 {
		t.Errorf("parseLoadavg: %d %d %v", last, threads, err)
	}
	if _, _, err := parseLoadavg([]byte("3.81 2.08 1.01 2/633\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("short loadavg: %v", err)
	}
	forks, err := parseForks([]byte("cpu  1 2 3\nintr 5\nctxt 9\nbtime 1\nprocesses 123456\nprocs_running 2\n"))
	if err != nil || forks != 123456 {
		t.Errorf("parseForks: %d %v", forks, err)
	}
	if _, err := parseForks([]byte("cpu 1\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("no processes line: %v", err)
	}
}

// openClock opens a ForkClock on /proc, closed at the test's end.
func openClock(t *testing.T) *ForkClock {
	t.Helper()
	d, err := OpenDir("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	c, err := OpenForkClock(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// A process started between two readings makes them not quiet; the same
// reading twice is quiet, and one a whole pid space of forks later is
// wrapped.
func TestForkClock(t *testing.T) {
	c := openClock(t)
	before, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("true").Run(); err != nil {
		t.Fatal(err)
	}
	after, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	if c.Quiet(before, after) {
		t.Errorf("quiet across a fork: %+v then %+v", before, after)
	}
	if !c.Quiet(after, after) {
		t.Errorf("%+v not quiet against itself", after)
	}
	later := after
	later.Forks += c.pidSpace
	if !c.Wrapped(after, later) || c.Quiet(after, later) {
		t.Errorf("a pid space of forks later is not wrapped")
	}
}

// Allocated yields the pids allocated between two readings, a started
// process's among them, in order across the end of the pid space, and
// refuses more than its limit or a wrapped space.
func TestForkClockAllocated(t *testing.T) {
	c := openClock(t)
	before, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	after, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	pids, ok := c.Allocated(before, after, 1<<20)
	if !ok || !slices.Contains(slices.Collect(pids), cmd.Process.Pid) {
		t.Fatalf("the pids allocated between %+v and %+v do not include true's %d", before, after, cmd.Process.Pid)
	}
	if _, ok := c.Allocated(before, after, 0); ok {
		t.Error("more pids than the limit were allowed")
	}
	if pids, ok := c.Allocated(after, after, 10); !ok || len(slices.Collect(pids)) != 0 {
		t.Error("pids were allocated between a reading and itself")
	}

	c.pidMax = 1000
	end := Mark{LastPID: 997, Forks: 10}
	past := Mark{LastPID: 302, Forks: 15}
	pids, ok = c.Allocated(end, past, 10)
	if got, want := slices.Collect(pids), []int{998, 999, 300, 301, 302}; !ok || !slices.Equal(got, want) {
		t.Errorf("across the end: %v, want %v", got, want)
	}
	wrapped := past
	wrapped.Forks += c.pidSpace
	if _, ok := c.Allocated(end, wrapped, 1<<30); ok {
		t.Error("a wrapped pid space was allowed")
	}
	// AllocatedBetween holds for what Allocated yields, and for the
	// reserved pids, but for no other.
	pids, _ = c.Allocated(end, past, 10)
	yielded := slices.Collect(pids)
	for _, pid := range []int{1, 299, 300, 302, 303, 996, 997, 998, 999} {
		if got, want := AllocatedBetween(end, past, pid), slices.Contains(yielded, pid) || pid < reserved; got != want {
			t.Errorf("AllocatedBetween(997 -> 302, %d) = %v, want %v", pid, got, want)
		}
	}
	if AllocatedBetween(end, end, 997) || !AllocatedBetween(Mark{LastPID: 10}, Mark{LastPID: 20}, 20) || AllocatedBetween(Mark{LastPID: 10}, Mark{LastPID: 20}, 10) {
		t.Error("AllocatedBetween on an interval that does not wrap")
	}
}
