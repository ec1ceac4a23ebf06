package main

import (
	"github.com/golance/golance/internal/cref"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the Go listeners, as the bench
// binary does.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if serve, ok := listeners[os.Args[1]]; ok {
			if err := serve(); err != nil {
				os.Stderr.WriteString(err.Error() + "\n")
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// need skips a test whose component is missing, or fails it under CI=true.
func need(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(err)
	}
	t.Skip(err)
}

// TestEveryListenerStaysInStep drives each listener, pinned as the bench
// pins it, with events small and large: a 100,000-character log event
// outgrows every pipe and buffer on the way and arrives in many reads.
func TestEveryListenerStaysInStep(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	contenders := []contender{
		{"sdk", []string{self, "listen-sdk"}, 300},
		{"go-by-hand", []string{self, "listen-go-by-hand"}, 300},
	}
	cc, err := cref.Build(t.TempDir(), "listener")
	need(t, err)
	contenders = append(contenders, contender{"c", []string{cc}, 300})
	py, err := pythonWithSupervisor()
	need(t, err)
	contenders = append(contenders, contender{"childutils", []string{py, "-c", childutilsListener}, 300})

	big := "processname:web groupname:web pid:1 channel:stdout\n" + strings.Repeat("é€🙂a", 25000)
	workloads := []workload{
		{"tick", newEnvelope("supervisor", "bench", "TICK_5", "when:1795239755")},
		{"big log", newEnvelope("supervisor", "bench", "PROCESS_LOG_STDOUT", big)},
		{"empty", newEnvelope("supervisor", "bench", "SUPERVISOR_STATE_CHANGE_RUNNING", "")},
		// supervisord does not check its identifier; childutils cannot
		// parse a header whose server name holds a space.
		{"spaced server", newEnvelope("my box", "bench", "TICK_5", "when:1795239755")},
	}
	onPinnedThread(t, func() {
		for _, c := range contenders {
			for _, w := range workloads {
				if c.name == "childutils" && w.name == "spaced server" {
					continue
				}
				s, err := measure(c, w, 10)
				if err != nil {
					t.Errorf("%s, %s: %v", c.name, w.name, err)
					continue
				}
				if s.rate <= 0 || s.driver <= 0 {
					t.Errorf("%s, %s: %+v", c.name, w.name, s)
				}
			}
		}
	})
}

// onPinnedThread runs f on a thread pinned as the bench pins its own. The
// thread ends with the goroutine, so its affinity does not leak.
func onPinnedThread(t *testing.T, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := pin(-1); err != nil {
			t.Error(err)
			return
		}
		f()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the listeners did not finish")
	}
}
