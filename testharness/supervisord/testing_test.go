package supervisord

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRequireHelper runs Require inside the subprocesses of
// TestRequireMissing; on its own it does nothing.
func TestRequireHelper(t *testing.T) {
	if os.Getenv("GOLANCE_REQUIRE_HELPER") != "1" {
		t.Skip("helper for TestRequireMissing")
	}
	path := Require(t)
	t.Logf("found %s", path)
}

// A missing or broken supervisord fails the test under CI=true and skips
// it otherwise, naming the install command either way.
func TestRequireMissing(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	broken := t.TempDir()
	script := "#!/bin/sh\necho 'ImportError: No module named supervisor' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(broken, "supervisord"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, ci string
		fail           bool
		reason         string
	}{
		{"missing CI", empty, "true", true, "supervisord not found in PATH"},
		{"missing local", empty, "", false, "supervisord not found in PATH"},
		{"missing CI=false", empty, "false", false, "supervisord not found in PATH"},
		{"broken CI", broken, "true", true, "No module named supervisor"},
		{"broken local", broken, "", false, "No module named supervisor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestRequireHelper$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "GOLANCE_REQUIRE_HELPER=1", "PATH="+tt.path, "CI="+tt.ci)
			out, err := cmd.CombinedOutput()
			text := string(out)
			if tt.fail {
				if err == nil || !strings.Contains(text, "--- FAIL: TestRequireHelper") {
					t.Errorf("want the test to fail; err %v, output:\n%s", err, text)
				}
				if !strings.Contains(text, "CI=true") {
					t.Errorf("failure does not say why skipping is not allowed:\n%s", text)
				}
			} else if err != nil || !strings.Contains(text, "--- SKIP: TestRequireHelper") {
				t.Errorf("want the test skipped; err %v, output:\n%s", err, text)
			}
			for _, want := range []string{InstallHint, tt.reason} {
				if !strings.Contains(text, want) {
					t.Errorf("output does not mention %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestRequireFound(t *testing.T) {
	t.Parallel()
	path := Require(t)
	if !filepath.IsAbs(path) {
		t.Errorf("Require() = %q, want an absolute path", path)
	}
}

// StopProcess times a stop and tells a SIGTERM that was obeyed from one
// that supervisord had to follow with SIGKILL.
func TestStopProcess(t *testing.T) {
	t.Parallel()
	Require(t)
	sv := Start(t, Config{Sections: `
		[program:obeys]
		command=sleep 1000
		startsecs=0

		[program:deaf]
		command=sh -c 'trap "" TERM; while :; do sleep 0.1; done'
		startsecs=0
		stopwaitsecs=1
		stopasgroup=true
		killasgroup=true
	`})
	sv.WaitLog(t, `success: obeys entered RUNNING state`)
	sv.WaitLog(t, `success: deaf entered RUNNING state`)
	if took, killed := sv.StopProcess(t, "obeys"); killed || took > time.Second {
		t.Errorf("obeys: took %s, killed %v; want quick and not killed", took, killed)
	}
	if took, killed := sv.StopProcess(t, "deaf:deaf"); !killed || took < time.Second {
		t.Errorf("deaf: took %s, killed %v; want stopwaitsecs and SIGKILL", took, killed)
	}
}
