package cref

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// need fails t when a reference cannot be built: under CI=true the machine
// must have a compiler (.ci/run installs one); elsewhere it skips.
func need(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "true" && strings.Contains(err.Error(), ErrNoCompiler.Error()) {
		t.Skip(err)
	}
	t.Fatal(err)
}

func TestNoCompilerIsSaid(t *testing.T) {
	t.Setenv("CC", "no-such-compiler")
	_, err := Build(t.TempDir(), "listener")
	if err == nil || !strings.Contains(err.Error(), "no C compiler: no-such-compiler is not on PATH") {
		t.Fatalf("got %v", err)
	}
}

func TestUnknownReference(t *testing.T) {
	if _, err := Build(t.TempDir(), "nosuch"); err == nil || !strings.Contains(err.Error(), `no reference named "nosuch"`) {
		t.Fatalf("got %v", err)
	}
}

// tick is a TICK_5 envelope as supervisord writes it.
func tick(serial int) string {
	payload := "when:1700000000"
	return fmt.Sprintf("ver:3.0 server:supervisor serial:%d pool:ref poolserial:%d eventname:TICK_5 len:%d\n%s", serial, serial, len(payload), payload)
}

// TestMemmonReference runs c/memmon.c under a shell that also runs a
// sleep, as supervisord runs its processes: at each tick it answers OK and
// then reports the sleep's resident size, and its own.
func TestMemmonReference(t *testing.T) {
	dir := t.TempDir()
	bin, err := Build(dir, "memmon")
	need(t, err)
	cmd := exec.Command("sh", "-c", `sleep 60 & echo $! >&2; "$0"; kill $!`, bin)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(outPipe)
	expect := func(want string) {
		t.Helper()
		got := make([]byte, len(want))
		if _, err := io.ReadFull(out, got); err != nil || string(got) != want {
			t.Fatalf("read %q (%v), want %q", got, err, want)
		}
	}
	expect("READY\n")
	for serial := 1; serial <= 2; serial++ {
		io.WriteString(in, tick(serial))
		expect("RESULT 2\nOKREADY\n")
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	sleeper, lines, _ := strings.Cut(stderr.String(), "\n")
	rss := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO RSS of process ` + sleeper + ` is [1-9]\d*$`)
	if n := len(rss.FindAllString(lines, -1)); n != 2 {
		t.Fatalf("%d lines on the sleep (pid %s) in two ticks, want 2:\n%s", n, sleeper, lines)
	}
	if n := strings.Count(lines, "\n"); n != 4 {
		t.Fatalf("%d lines in two ticks, want 4 (the sleep and the reference):\n%s", n, lines)
	}
}
