package exporter

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A sample reads each pid's stat under the mount: resident pages in bytes,
// user plus system time in seconds, and the start time counted from the
// boot time in stat; a pid with no stat (gone) reads as nothing.
func TestSamplerReadsStat(t *testing.T) {
	t.Parallel()
	mount := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(mount, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mount, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stat", "cpu  1 2 3 4\nctxt 9\nbtime 1700000000\nprocesses 42\n")
	// utime 250, stime 125, starttime 12345, rss 300 pages; the command
	// name holds a space and a parenthesis.
	write("4242/stat", "4242 (a) b) S 1 4242 4242 0 -1 4194560 1500 10 2 3 250 125 6 7 20 0 1 0 12345 12345678 300 18446744073709551615\n")
	smp, err := newSampler(mount, newState(2), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer smp.d.Close()
	got, ok := smp.read(4242)
	want := reading{rss: 300 * uint64(os.Getpagesize()), cpu: 3.75, start: 1700000000 + 123.45}
	if !ok || got != want {
		t.Errorf("read(4242) = %+v, %v; want %+v", got, ok, want)
	}
	if got, ok := smp.read(4243); ok {
		t.Errorf("read(4243), which has no stat, = %+v", got)
	}
}

// A mount whose stat has no boot time is refused, with the file named.
func TestSamplerNeedsBootTime(t *testing.T) {
	t.Parallel()
	mount := t.TempDir()
	if err := os.WriteFile(filepath.Join(mount, "stat"), []byte("cpu  1 2 3 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newSampler(mount, newState(2), 0, nil); err == nil {
		t.Fatal("no error for a stat without btime")
	}
}

// The sampler reads this process as the kernel shows it: resident, with
// the CPU time getrusage counts (to a few clock ticks), started after the
// machine booted and before now.
func TestSamplerReadsItself(t *testing.T) {
	smp, err := newSampler("/proc", newState(2), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer smp.d.Close()
	used := func() float64 {
		var ru unix.Rusage
		if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	for used() < 0.2 { // a figure clock ticks can tell from none
	}
	before := used()
	r, ok := smp.read(os.Getpid())
	after := used()
	if !ok || r.rss == 0 || r.cpu < before-0.05 || r.cpu > after+0.05 {
		t.Errorf("read(own pid) = %+v, %v; getrusage says %.3f-%.3f s", r, ok, before, after)
	}
	if r.start <= smp.bootTime || r.start > float64(time.Now().Unix())+1 {
		t.Errorf("start %.2f is not between the boot, %.0f, and now", r.start, smp.bootTime)
	}
}
