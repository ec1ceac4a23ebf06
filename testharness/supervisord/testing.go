package supervisord

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// This file holds what ties the package to a test: New, Lookup and the
// waits without a testing.TB are in the rest of it.

// Require returns the path of a working supervisord found in PATH (see
// Lookup). When there is none it skips the test, or fails it if the
// environment has CI=true, where a missing supervisord must not pass
// unnoticed.
func Require(t testing.TB) string {
	t.Helper()
	path, err := Lookup()
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%v; install it with: %s", err, InstallHint)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: integration tests must not be skipped)", msg)
	}
	t.Skip(msg)
	return ""
}

// Start is New for a test: it runs supervisord with cfg in t.TempDir(),
// skipping the test as Require does if supervisord is not installed and
// failing it if supervisord cannot start. t.Cleanup stops supervisord and
// every process it started, and if the test failed, logs the end of the
// main log.
func Start(t testing.TB, cfg Config) *Supervisord {
	t.Helper()
	if cfg.Binary == "" {
		cfg.Binary = Require(t)
	}
	s, err := New(context.Background(), t.TempDir(), cfg)
	if err != nil {
		t.Fatalf("starting supervisord: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("supervisord main log %s (end):\n%s", s.LogPath, lastBytes(s.Log(), 6000))
		}
		if err := s.Stop(); err != nil {
			t.Errorf("stopping supervisord: %v", err)
		}
	})
	return s
}

// WaitLog waits until the main log matches the regular expression pattern
// and returns the first match. It fails the test after
// Config.WaitTimeout, showing the log. Call it from the test's goroutine.
func (s *Supervisord) WaitLog(t testing.TB, pattern string) string {
	t.Helper()
	return s.WaitLogSince(t, 0, pattern)
}

// WaitLogSince is WaitLog for the part of the main log after offset (see
// LogSize).
func (s *Supervisord) WaitLogSince(t testing.TB, offset int64, pattern string) string {
	t.Helper()
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("WaitLog: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WaitTimeout)
	defer cancel()
	m, err := WaitFile(ctx, s.LogPath, offset, re)
	if err != nil {
		t.Fatalf("waiting for %q in the main log: %v\nmain log since offset %d:\n%s", pattern, err, offset,
			lastBytes(since(s.Log(), offset), 6000))
	}
	return m
}

// ChildLogs returns the paths of a process's stdout and stderr logs, ""
// for a stream that is not logged. name is "name" or "group:name".
func (s *Supervisord) ChildLogs(t testing.TB, name string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := s.Client.GetProcessInfo(ctx, name)
	if err != nil {
		t.Fatalf("log paths of %s: %v", name, err)
	}
	return info.StdoutLogfile, info.StderrLogfile
}

// StopProcess stops the process name as `supervisorctl stop` does, waiting until
// it is down, and returns how long that took and whether supervisord had to
// SIGKILL it once stopwaitsecs ran out: what a test of a listener's SIGTERM
// handling asserts on. name is "name" or "group:name".
func (s *Supervisord) StopProcess(t testing.TB, name string) (took time.Duration, killed bool) {
	t.Helper()
	offset := s.LogSize()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WaitTimeout)
	defer cancel()
	start := time.Now()
	if err := s.Client.StopProcess(ctx, name, true); err != nil {
		t.Fatalf("stopping %s: %v", name, err)
	}
	took = time.Since(start)
	_, proc, _ := strings.Cut(name, ":")
	if proc == "" {
		proc = name
	}
	killed = strings.Contains(since(s.Log(), offset), "killing '"+proc+"'")
	return took, killed
}
