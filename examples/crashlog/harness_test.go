package main

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// TestCrashlogUnderTheHarness runs the crashlog binary as supervisord would:
// a subprocess in an [eventlistener:x] pool, talking over real pipes. The
// same test works for a listener written in any language: only Command
// changes.
func TestCrashlogUnderTheHarness(t *testing.T) {
	bin, err := exec.LookPath("crashlog") // TestMain put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	s := testharness.Start(t, testharness.Config{
		Pools: []testharness.Pool{{
			Name:          "crashlog",
			Events:        []listener.EventType{listener.ProcessStateExited},
			ProcessConfig: testharness.ProcessConfig{Command: []string{bin}},
		}},
		Programs: []testharness.Program{
			{Name: "web", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}},
			{Name: "batch", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}},
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Virtual programs: the test decides how they end.
	if err := s.Process("web").Exit(1); err != nil { // not in exitcodes: a crash
		t.Fatal(err)
	}
	if err := s.Process("batch").Exit(0); err != nil { // expected
		t.Fatal(err)
	}
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}

	for _, r := range s.Transcript().Results("crashlog") {
		if !r.OK {
			t.Errorf("serial %d was answered %q, want OK", r.Serial, r.Body)
		}
	}
	if n := len(s.Transcript().Results("crashlog")); n != 2 {
		t.Errorf("%d events answered, want 2", n)
	}
	// The log line and the answer travel on different pipes: wait for the
	// line, then check there is no other.
	if _, err := s.WaitStderr(ctx, "crashlog", regexp.MustCompile(`web crashed`)); err != nil {
		t.Fatal(err)
	}
	if stderr := s.Process("crashlog").Stderr(); strings.Contains(stderr, "batch crashed") {
		t.Errorf("crashlog logged an expected exit:\n%s", stderr)
	}
	if s.Transcript().WentUnknown("crashlog") {
		t.Error("crashlog broke the protocol")
	}
}
