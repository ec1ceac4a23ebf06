package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"
)

// drainer is a listener with work to finish after it stops serving.
type drainer struct{ handled int }

func (d *drainer) HandleEvent(ctx context.Context, ev listener.Event) error {
	d.handled++
	return nil
}

func (d *drainer) Shutdown(ctx context.Context) error {
	deadline, ok := ctx.Deadline()
	fmt.Fprintf(os.Stderr, "draining after %d events, deadline set: %v, within %v\n", d.handled, ok, time.Until(deadline) <= DrainTimeout)
	return nil
}

func drainerMain() {
	cmd := Setup(&cobra.Command{Use: "drainer", RunE: func(cmd *cobra.Command, args []string) error {
		return RunListener(cmd, &drainer{}, Logger(cmd), DrainTimeout)
	}})
	Main(cmd)
}

// stopper is a listener whose handler retries until it is stopped, as a
// delivery without an outbox does while its sink is down.
type stopper struct{ stop chan struct{} }

func (s *stopper) HandleEvent(ctx context.Context, ev listener.Event) error {
	fmt.Fprintln(os.Stderr, "retrying")
	select {
	case <-s.stop:
		fmt.Fprintln(os.Stderr, "stopped retrying")
		return errors.New("given up: stopping")
	case <-time.After(time.Minute):
		return nil
	}
}

func (s *stopper) Stop() { close(s.stop) }

func stopperMain() {
	cmd := Setup(&cobra.Command{Use: "stopper", RunE: func(cmd *cobra.Command, args []string) error {
		return RunListener(cmd, &stopper{stop: make(chan struct{})}, Logger(cmd), DrainTimeout)
	}})
	Main(cmd)
}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"drainer": drainerMain, "stopper": stopperMain})
}

// The first SIGTERM stops a handler's retries (Stopper), so that the
// listener exits at once rather than when supervisord kills it.
func TestRunListenerStopsRetriesOnSIGTERM(t *testing.T) {
	bin, err := exec.LookPath("stopper")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewReader(stdout)
	if line, _ := out.ReadString('\n'); line != "READY\n" {
		t.Fatalf("first line %q", line)
	}
	io.WriteString(stdin, "ver:3.0 server:supervisor serial:1 pool:p poolserial:0 eventname:TICK_5 len:15\nwhen:1700000000")
	errs := bufio.NewReader(stderr)
	if line, _ := errs.ReadString('\n'); line != "retrying\n" {
		t.Fatalf("stderr %q", line)
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(errs)
	cmd.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the listener took %s to stop", took)
	}
	if !strings.Contains(string(rest), "stopped retrying") {
		t.Errorf("stderr after SIGTERM:\n%s", rest)
	}
}

func TestRunListenerScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata"})
}
