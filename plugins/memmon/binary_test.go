package memmon

import (
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// startBinary runs the memmon binary with args as a listener pool of an
// emulated supervisord, next to programs, and waits until it is READY.
func startBinary(t *testing.T, programs []testharness.Program, args ...string) *rig.Rig {
	t.Helper()
	r := rig.Start(t, rig.Config{
		Pool: "memmon", Events: []listener.EventType{listener.Tick5}, RPC: true, Programs: programs,
		Command: append([]string{"memmon"}, args...),
	})
	for _, p := range programs {
		waitMemory(t, r.Sup, p)
	}
	return r
}

// superlance's -a covers every process supervisord lists, memmon's own
// included: with a limit below memmon's own size it stops itself, and
// nobody starts it again. memmon, run here as the real binary with its
// real memory, leaves itself alone.
func TestBinaryAnyLeavesItselfAlone(t *testing.T) {
	t.Parallel()
	r := startBinary(t, []testharness.Program{hog("hog", 8, testharness.ProcessConfig{})}, "-a", "1MB")
	r.Sup.Tick(listener.Tick5)
	r.WaitFor("hog restarted", func(tr *testharness.Transcript) bool { return rig.Restarts(tr, "hog") == 1 })
	if n := r.Stops("memmon"); n != 0 {
		t.Fatalf("memmon stopped itself %d times", n)
	}
	rig.Eventually(t, "memmon's stderr", r.Stderr, `Not watching memmon:memmon: it is memmon itself`)
}

// At SIGTERM memmon lets the restart under way finish before it exits,
// rather than leave a process stopped with nobody to start it.
func TestBinaryFinishesRestartsWhenStopped(t *testing.T) {
	t.Parallel()
	r := startBinary(t, []testharness.Program{hog("stubborn", 8, testharness.ProcessConfig{StopWaitSecs: time.Second}, "-ignore-sigterm")},
		"-p", "stubborn=4MB")
	s := r.Sup
	s.Tick(listener.Tick5)
	r.WaitFor("the tick answered", func(tr *testharness.Transcript) bool { return len(tr.Results("memmon")) == 1 })
	rig.Must(t, s.Process("memmon").Stop(rig.Context(t), true))
	if n := r.Restarts("stubborn"); n != 1 || s.Process("stubborn").State() != listener.StateRunning {
		t.Fatalf("memmon exited with the restart unfinished: %d restarts, state %v\nstderr:\n%s", n, s.Process("stubborn").State(), s.Process("memmon").Stderr())
	}
	if stderr := testkit.Messages(s.Process("memmon").Stderr()); !strings.Contains(stderr, "stubborn:stubborn restarted\n") {
		t.Fatalf("stderr:\n%s", stderr)
	}
}
