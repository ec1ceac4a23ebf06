package testharness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// The test binary doubles as the child processes the tests need: with
// TESTHARNESS_HELPER set it runs one of the helpers below instead of the
// tests, so the tests need nothing but Go.
func TestMain(m *testing.M) {
	if mode := os.Getenv("TESTHARNESS_HELPER"); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

// helperCommand returns the argv and environment that run the test binary
// as helper mode with the given extra environment.
func helperCommand(t testing.TB, mode string, env ...string) ([]string, []string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe, "-test.run=^$"}, append([]string{"TESTHARNESS_HELPER=" + mode}, env...)
}

func helperMain(mode string) int {
	switch mode {
	case "script":
		script := os.Getenv("TESTHARNESS_SCRIPT")
		if path := os.Getenv("TESTHARNESS_SCRIPT_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
			script = string(b)
		}
		return runScript(os.Stdin, os.Stdout, os.Stderr, script)
	case "recorder":
		return runRecorder()
	case "rejectonce":
		return runRejectOnce()
	case "sleeper":
		return runSleeper()
	case "rpccaller":
		return runRPCCaller()
	}
	fmt.Fprintf(os.Stderr, "unknown TESTHARNESS_HELPER mode %q\n", mode)
	return 2
}

// runScript plays a listener script: each step is bytes to write, or a
// directive starting with "@":
//
//	@event            read one event (header line, then len code points)
//	@exit N           exit with status N
//	@exit-once N PATH exit with status N unless PATH exists (then create it)
//	@sleep MS         sleep
//	@stderr TEXT      write TEXT to stderr
func runScript(stdin io.Reader, stdout, stderr io.Writer, script string) int {
	var steps []string
	if err := json.Unmarshal([]byte(script), &steps); err != nil {
		fmt.Fprintf(stderr, "bad TESTHARNESS_SCRIPT: %v\n", err)
		return 2
	}
	in := bufio.NewReader(stdin)
	for _, step := range steps {
		if !strings.HasPrefix(step, "@") {
			if _, err := io.WriteString(stdout, step); err != nil {
				fmt.Fprintf(stderr, "write: %v\n", err)
				return 3
			}
			continue
		}
		verb, arg, _ := strings.Cut(step[1:], " ")
		switch verb {
		case "event":
			if _, _, err := readEnvelope(in); err != nil {
				fmt.Fprintf(stderr, "reading an event: %v\n", err)
				return 4
			}
		case "exit":
			n, _ := strconv.Atoi(arg)
			return n
		case "exit-once":
			code, path, _ := strings.Cut(arg, " ")
			if _, err := os.Stat(path); err != nil {
				_ = os.WriteFile(path, nil, 0o644)
				n, _ := strconv.Atoi(code)
				return n
			}
		case "sleep":
			ms, _ := strconv.Atoi(arg)
			time.Sleep(time.Duration(ms) * time.Millisecond)
		case "stderr":
			fmt.Fprintln(stderr, arg)
		}
	}
	// Block until stdin closes, like a listener waiting for events.
	_, _ = io.Copy(io.Discard, in)
	return 0
}

// readEnvelope reads a header line and a payload of len code points, the
// way supervisord counts them.
func readEnvelope(in *bufio.Reader) (map[string]string, string, error) {
	line, err := in.ReadString('\n')
	if err != nil {
		return nil, "", err
	}
	header := map[string]string{}
	for _, tok := range strings.Fields(line) {
		k, v, _ := strings.Cut(tok, ":")
		header[k] = v
	}
	n, err := strconv.Atoi(header["len"])
	if err != nil {
		return nil, "", fmt.Errorf("bad header %q", line)
	}
	var b strings.Builder
	for range n {
		r, _, err := in.ReadRune()
		if err != nil {
			return nil, "", err
		}
		b.WriteRune(r)
	}
	if !utf8.ValidString(b.String()) {
		return nil, "", errors.New("payload is not UTF-8")
	}
	return header, b.String(), nil
}

// recordedEvent is one line of the recorder's output file.
type recordedEvent struct {
	Name       string `json:"name"`
	Serial     uint64 `json:"serial"`
	Pool       string `json:"pool"`
	PoolSerial uint64 `json:"poolserial"`
	Payload    string `json:"payload"`
}

// runRecorder is a listener built on listener.Run that appends every
// event to TESTHARNESS_RECORD as a JSON line and acknowledges it.
func runRecorder() int {
	f, err := os.OpenFile(os.Getenv("TESTHARNESS_RECORD"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	h := listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
		return enc.Encode(recordedEvent{Name: string(ev.EventName), Serial: ev.Serial, Pool: ev.Pool, PoolSerial: ev.PoolSerial, Payload: ev.Payload})
	})
	if err := listener.Run(context.Background(), h, listener.WithoutDedup()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runSleeper is a program: it prints TESTHARNESS_SAY to stdout and
// TESTHARNESS_WARN to stderr, then waits for a signal (or exits with
// TESTHARNESS_EXIT after TESTHARNESS_AFTER milliseconds). With
// TESTHARNESS_IGNORE_TERM it ignores SIGTERM.
func runSleeper() int {
	if os.Getenv("TESTHARNESS_IGNORE_TERM") != "" {
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Print(os.Getenv("TESTHARNESS_SAY"))
	fmt.Fprint(os.Stderr, os.Getenv("TESTHARNESS_WARN"))
	if after := os.Getenv("TESTHARNESS_AFTER"); after != "" {
		ms, _ := strconv.Atoi(after)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		code, _ := strconv.Atoi(os.Getenv("TESTHARNESS_EXIT"))
		return code
	}
	for {
		time.Sleep(time.Hour)
	}
}

// runRejectOnce is a listener that rejects each serial the first time it
// sees it, and acknowledges the redelivery.
func runRejectOnce() int {
	seen := map[uint64]bool{}
	h := listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
		if !seen[ev.Serial] {
			seen[ev.Serial] = true
			return errors.New("rejected once on purpose")
		}
		return nil
	})
	if err := listener.Run(context.Background(), h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runRPCCaller asks supervisord for its identification over XML-RPC, at
// SUPERVISOR_SERVER_URL, and prints it.
func runRPCCaller() int {
	c, err := rpc.New(os.Getenv("SUPERVISOR_SERVER_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	id, err := c.GetIdentification(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(id)
	return 0
}
