package procfile

import (
	"errors"
	"os/exec"
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

// A process started between two readings makes them not quiet; the same
// reading twice is quiet, and one a whole pid space of forks later is
// wrapped.
func TestForkClock(t *testing.T) {
	d, err := OpenDir("")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := OpenForkClock(d)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
