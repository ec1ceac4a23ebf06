package memmon

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// startBinary runs the memmon binary with args as a listener pool of an
// emulated supervisord, next to programs, and waits until it is READY.
func startBinary(t *testing.T, programs []testharness.Program, args ...string) *testharness.Supervisor {
	t.Helper()
	s := testharness.Start(t, testharness.Config{
		RPC:      true,
		Programs: programs,
		Pools: []testharness.Pool{{Name: "memmon", Events: []listener.EventType{listener.Tick5},
			ProcessConfig: testharness.ProcessConfig{Command: append([]string{"memmon"}, args...), Priority: 1}}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	if err := s.WaitListenerState(ctx, "memmon", testharness.ListenerReady); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, s: s}
	for _, p := range programs {
		w.waitMemory(p)
	}
	return s
}

func waitFor(t *testing.T, s *testharness.Supervisor, what string, cond func(*testharness.Transcript) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, what, cond); err != nil {
		t.Fatalf("%v\nmemmon's stderr:\n%s", err, s.Process("memmon").Stderr())
	}
}

// superlance's -a covers every process supervisord lists, memmon's own
// included: with a limit below memmon's own size it stops itself, and
// nobody starts it again. memmon, run here as the real binary with its
// real memory, leaves itself alone.
func TestBinaryAnyLeavesItselfAlone(t *testing.T) {
	t.Parallel()
	s := startBinary(t, []testharness.Program{hog("hog", 8, testharness.ProcessConfig{})}, "-a", "1MB")
	s.Tick(listener.Tick5)
	w := &world{t: t, s: s}
	waitFor(t, s, "hog restarted", func(tr *testharness.Transcript) bool { return restartsIn(tr, "hog") == 1 })
	if n := w.stops("memmon"); n != 0 {
		t.Fatalf("memmon stopped itself %d times", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.WaitStderr(ctx, "memmon", regexp.MustCompile(`Not watching memmon:memmon: it is memmon itself`)); err != nil {
		t.Fatal(err)
	}
}

// At SIGTERM memmon lets the restart under way finish before it exits,
// rather than leave a process stopped with nobody to start it.
func TestBinaryFinishesRestartsWhenStopped(t *testing.T) {
	t.Parallel()
	s := startBinary(t, []testharness.Program{hog("stubborn", 8, testharness.ProcessConfig{StopWaitSecs: time.Second}, "-ignore-sigterm")},
		"-p", "stubborn=4MB")
	s.Tick(listener.Tick5)
	waitFor(t, s, "the tick answered", func(tr *testharness.Transcript) bool { return len(tr.Results("memmon")) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Process("memmon").Stop(ctx, true); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, s: s}
	if n := w.restarts("stubborn"); n != 1 || s.Process("stubborn").State() != listener.StateRunning {
		t.Fatalf("memmon exited with the restart unfinished: %d restarts, state %v\nstderr:\n%s", n, s.Process("stubborn").State(), s.Process("memmon").Stderr())
	}
	if stderr := s.Process("memmon").Stderr(); !strings.Contains(stderr, "stubborn:stubborn restarted\n") {
		t.Fatalf("stderr:\n%s", stderr)
	}
}
