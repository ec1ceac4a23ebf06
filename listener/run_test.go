package listener

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/pty"
)

// TestMain lets the test binary act as a listener program: the Run tests
// start it again with GOLANCE_RUN_MODE set, as supervisord would start a
// listener, and talk to it over its real stdin and stdout.
func TestMain(m *testing.M) {
	if mode := os.Getenv("GOLANCE_RUN_MODE"); mode != "" {
		os.Exit(runMode(mode))
	}
	os.Exit(m.Run())
}

func runMode(mode string) int {
	var h Handler
	var opts []Option
	switch mode {
	case "slow-answer":
		// Hold open the moment between answering an event and waiting for
		// the next, where a stop request must still end Run at once.
		h = HandlerFunc(func(context.Context, Event) error { return nil })
		opts = append(opts, func(c *config) {
			c.afterResult = func() {
				fmt.Fprintln(os.Stderr, "answered")
				time.Sleep(500 * time.Millisecond)
			}
		})
	case "stray-output":
		h = HandlerFunc(func(ctx context.Context, ev Event) error {
			fmt.Println("stray fmt.Println")
			os.Stdout.WriteString("stray os.Stdout\n")
			syscall.Write(1, []byte("stray fd 1\n"))
			cmd := exec.Command("/bin/sh", "-c", "echo child stdout; cat; echo child stderr >&2")
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			// The child inherits descriptors 0 and 1 as the guard left them;
			// `cat` must see /dev/null, not the protocol.
			cmd.Stdin = os.Stdin
			return cmd.Run()
		})
	case "print-before-run", "guard-then-print":
		if mode == "guard-then-print" {
			if err := Guard(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		fmt.Println("starting up")
		syscall.Write(1, []byte("fd 1 before Run\n"))
		opts = append(opts, WithoutStdoutGuard()) // Guard's streams are used all the same
		h = HandlerFunc(func(context.Context, Event) error { return nil })
	case "slow":
		h = HandlerFunc(func(ctx context.Context, ev Event) error {
			fmt.Fprintln(os.Stderr, "handling", ev.Serial)
			time.Sleep(300 * time.Millisecond)
			return ctx.Err()
		})
	case "stubborn":
		h = HandlerFunc(func(ctx context.Context, ev Event) error {
			fmt.Fprintln(os.Stderr, "handling", ev.Serial)
			<-ctx.Done()
			return ctx.Err()
		})
	default:
		h = HandlerFunc(func(context.Context, Event) error { return nil })
	}
	if err := Run(context.Background(), h, opts...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *lockedBuffer
}

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startListener(t *testing.T, mode string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOLANCE_RUN_MODE="+mode)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &child{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: stderr}
}

func (c *child) expect(t *testing.T, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c.stdout, got); err != nil {
		t.Fatalf("waiting for %q: %v (stderr: %s)", want, err, c.stderr)
	}
	if string(got) != want {
		t.Fatalf("listener stdout %q, want %q (stderr: %s)", got, want, c.stderr)
	}
}

func (c *child) waitStderr(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.stderr.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr never said %q:\n%s", substr, c.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *child) exit(t *testing.T) (rest string, code int) {
	t.Helper()
	b, _ := io.ReadAll(c.stdout)
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(b), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), 0
}

func TestRunGuardsStdout(t *testing.T) {
	c := startListener(t, "stray-output")
	c.expect(t, "READY\n")
	c.stdin.Write([]byte(envelopeSerial(1, Tick5, "when:1")))
	c.expect(t, "RESULT 2\nOKREADY\n")
	c.stdin.Close()
	rest, code := c.exit(t)
	if rest != "" || code != 0 {
		t.Fatalf("after EOF: stdout %q, exit %d", rest, code)
	}
	for _, s := range []string{"stray fmt.Println", "stray os.Stdout", "stray fd 1", "child stdout", "child stderr"} {
		if !strings.Contains(c.stderr.String(), s) {
			t.Errorf("%q did not reach stderr:\n%s", s, c.stderr)
		}
	}
}

// Output before Run reaches supervisord ahead of READY, which puts the
// listener in UNKNOWN; after Guard it goes to stderr, and Run serves on the
// streams Guard kept.
func TestGuardCoversOutputBeforeRun(t *testing.T) {
	c := startListener(t, "print-before-run")
	c.expect(t, "starting up\nfd 1 before Run\nREADY\n")

	c = startListener(t, "guard-then-print")
	c.expect(t, "READY\n")
	c.stdin.Write([]byte(envelopeSerial(1, Tick5, "when:1")))
	c.expect(t, "RESULT 2\nOKREADY\n")
	c.stdin.Close()
	if rest, code := c.exit(t); rest != "" || code != 0 {
		t.Fatalf("after EOF: stdout %q, exit %d", rest, code)
	}
	for _, s := range []string{"starting up", "fd 1 before Run"} {
		if !strings.Contains(c.stderr.String(), s) {
			t.Errorf("%q did not reach stderr:\n%s", s, c.stderr)
		}
	}
}

// Guard moves standard input away, yet Run still refuses a terminal.
func TestGuardThenRunRefusesATerminal(t *testing.T) { refusesATerminal(t, "guard-then-print") }

func TestRunFinishesTheEventOnSIGTERM(t *testing.T) {
	c := startListener(t, "slow")
	c.expect(t, "READY\n")
	c.stdin.Write([]byte(envelopeSerial(7, Tick5, "when:1")))
	c.waitStderr(t, "handling 7")
	c.cmd.Process.Signal(syscall.SIGTERM)
	rest, code := c.exit(t)
	if rest != "RESULT 2\nOK" || code != 0 {
		t.Fatalf("after SIGTERM mid-event: stdout %q, exit %d; want the result, no READY, exit 0", rest, code)
	}
}

// TestRunStopsRightAfterAnswering: a stop request that arrives just after
// an event was answered, before Serve notices it has nothing in hand, must
// still end Run; Serve's next read would otherwise hold it until SIGKILL.
func TestRunStopsRightAfterAnswering(t *testing.T) {
	c := startListener(t, "slow-answer")
	c.expect(t, "READY\n")
	c.stdin.Write([]byte(envelopeSerial(1, Tick5, "when:1")))
	c.expect(t, "RESULT 2\nOKREADY\n")
	c.waitStderr(t, "answered")
	c.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan int, 1)
	go func() { _, code := c.exit(t); exited <- code }()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after a stop request that came just after an answer")
	}
}

func TestRunStopsAtOnceWhenIdle(t *testing.T) {
	c := startListener(t, "ok")
	c.expect(t, "READY\n")
	start := time.Now()
	c.cmd.Process.Signal(syscall.SIGINT)
	rest, code := c.exit(t)
	if rest != "" || code != 0 {
		t.Fatalf("stdout %q exit %d", rest, code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("an idle listener took %s to stop", d)
	}
}

func TestRunSecondSignalCancelsTheHandler(t *testing.T) {
	c := startListener(t, "stubborn")
	c.expect(t, "READY\n")
	c.stdin.Write([]byte(envelopeSerial(3, Tick5, "when:1")))
	c.waitStderr(t, "handling 3")
	c.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(50 * time.Millisecond)
	c.cmd.Process.Signal(syscall.SIGTERM)
	rest, code := c.exit(t)
	if rest != "RESULT 4\nFAIL" || code != 0 {
		t.Fatalf("stdout %q exit %d; want FAIL so that supervisord redelivers", rest, code)
	}
}

func TestRunExitsNonZeroOnACorruptStream(t *testing.T) {
	c := startListener(t, "ok")
	c.expect(t, "READY\n")
	c.stdin.Write([]byte("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:x\n"))
	_, code := c.exit(t)
	if code == 0 || !strings.Contains(c.stderr.String(), `len "x" is not a non-negative integer`) {
		t.Fatalf("exit %d, stderr %s", code, c.stderr)
	}
}

func TestRunRefusesATerminal(t *testing.T) { refusesATerminal(t, "ok") }

// refusesATerminal runs the listener of mode with a terminal on its
// standard input, which it must refuse, printing nothing on stdout.
func refusesATerminal(t *testing.T, mode string) {
	t.Helper()
	pts := pty.Open(t)
	cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOLANCE_RUN_MODE="+mode)
	cmd.Stdin = pts
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil || stdout.Len() != 0 || !strings.Contains(stderr.String(), "[eventlistener:x]") {
		t.Fatalf("err=%v stdout=%q stderr=%q", err, stdout.String(), stderr.String())
	}
}
