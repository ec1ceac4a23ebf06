package proctable

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// The test binary doubles as the programs the tests supervise and as the
// listener that relays a real supervisord's events to them; roleVar says
// which it is.
const (
	roleVar   = "PROCTABLE_TEST_ROLE"
	socketVar = "PROCTABLE_TEST_RELAY"
	// readyVar names a directory where a child creates a file named by
	// its pid once it handles signals: one sent earlier would be lost.
	readyVar = "PROCTABLE_TEST_READY"
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleVar) {
	case "child":
		runChild()
	case "fail":
		os.Exit(1)
	case "relay":
		runRelay()
	default:
		os.Exit(m.Run())
	}
}

// runChild is a supervised program that waits to be told how to end:
// SIGUSR1 exits 0 (an expected exit), SIGUSR2 exits 3 (unexpected),
// SIGTERM (supervisord's stop) exits 0.
func runChild() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM)
	if dir := os.Getenv(readyVar); dir != "" {
		os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), nil, 0o644)
	}
	if <-sigs == syscall.SIGUSR2 {
		os.Exit(3)
	}
	os.Exit(0)
}

// relayed is one event as the relay passes it on.
type relayed struct {
	Header  listener.Header
	Payload string
}

// runRelay is an event listener that hands each event to the test over a
// unix socket and acknowledges it only once the test has applied it, so
// that the test sees the events in supervisord's order and pace.
func runRelay() {
	conn, err := net.Dial("unix", os.Getenv(socketVar))
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(2)
	}
	enc := json.NewEncoder(conn)
	acks := bufio.NewReader(conn)
	err = listener.Run(context.Background(), listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
		if err := enc.Encode(relayed{ev.Header, ev.Payload}); err != nil {
			return err
		}
		_, err := acks.ReadString('\n')
		return err
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(2)
	}
}

// testBinary is the path of the running test binary.
func testBinary(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// counting is a Supervisor that counts what the table asks for, by method.
type counting struct {
	Supervisor
	all, one, multi, inMulti, pid atomic.Int64
}

func (c *counting) GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error) {
	c.all.Add(1)
	return c.Supervisor.GetAllProcessInfo(ctx)
}

func (c *counting) GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error) {
	c.one.Add(1)
	return c.Supervisor.GetProcessInfo(ctx, name)
}

func (c *counting) Multicall(ctx context.Context, calls ...rpc.MethodCall) ([]rpc.MulticallResult, error) {
	c.multi.Add(1)
	c.inMulti.Add(int64(len(calls)))
	return c.Supervisor.Multicall(ctx, calls...)
}

func (c *counting) GetPID(ctx context.Context) (int, error) {
	c.pid.Add(1)
	return c.Supervisor.GetPID(ctx)
}

// calls is what was counted so far, for messages and comparisons.
type calls struct{ all, one, multi, inMulti, pid int64 }

func (c *counting) snapshot() calls {
	return calls{c.all.Load(), c.one.Load(), c.multi.Load(), c.inMulti.Load(), c.pid.Load()}
}

func (c calls) sub(d calls) calls {
	return calls{c.all - d.all, c.one - d.one, c.multi - d.multi, c.inMulti - d.inMulti, c.pid - d.pid}
}

func (c calls) total() int64 { return c.all + c.one + c.multi + c.pid }

func (c calls) String() string {
	return fmt.Sprintf("getAllProcessInfo %d, getProcessInfo %d, multicall %d (of %d), getPID %d", c.all, c.one, c.multi, c.inMulti, c.pid)
}

// mismatch compares the table with supervisord's answer, field by field
// as the package doc defines equality, and describes the differences; ""
// means equal. With details, Start, Stop, ExitStatus and SpawnErr must
// match too wherever the table says it knows them.
func mismatch(got []Process, want []rpc.ProcessInfo) string {
	var b strings.Builder
	n := max(len(got), len(want))
	for i := range n {
		switch {
		case i >= len(got):
			fmt.Fprintf(&b, "\n  missing %s %v pid %d", want[i].Namespec(), want[i].State, want[i].PID)
			continue
		case i >= len(want):
			fmt.Fprintf(&b, "\n  extra   %s %v pid %d", got[i].Namespec(), got[i].State, got[i].PID)
			continue
		}
		g, w := got[i], processFrom(want[i])
		if !g.Detailed {
			w.Detailed, w.Start, w.Stop, w.ExitStatus, w.SpawnErr = false, 0, 0, 0, ""
		}
		if g.State == listener.StateStarting && g.PID == 0 {
			w.PID = 0 // not told yet, as documented
		}
		if g != w {
			fmt.Fprintf(&b, "\n  table %+v\n  super %+v", g, w)
		}
	}
	return b.String()
}

// settle waits until no process of c is in a state supervisord leaves by
// itself (STARTING, BACKOFF, STOPPING), and returns the final answer.
func settle(t testing.TB, c *rpc.Client) []rpc.ProcessInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		infos, err := c.GetAllProcessInfo(ctx)
		cancel()
		if err != nil {
			t.Fatalf("getAllProcessInfo: %v", err)
		}
		moving := ""
		for _, info := range infos {
			switch info.State {
			case listener.StateStarting, listener.StateBackoff, listener.StateStopping:
				moving = info.Namespec() + " " + info.State.String()
			}
		}
		if moving == "" {
			return infos
		}
		if time.Now().After(deadline) {
			t.Fatalf("supervisord did not settle: %s", moving)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitReady waits until the child with pid handles signals.
func waitReady(t testing.TB, dir string, pid int) {
	t.Helper()
	path := filepath.Join(dir, strconv.Itoa(pid))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d never got ready", pid)
		}
		time.Sleep(time.Millisecond)
	}
}
