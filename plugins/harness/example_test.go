package harness

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/plugins/internal/cli"
)

// TestPythonExample runs docs/harness-cli.md's worked example as the
// page runs it: its supervisord.conf and scenarios, with the probe.
func TestPythonExample(t *testing.T) {
	requireTools(t, "python3")
	dir := "../../examples/python-listener"
	scenarios, err := filepath.Glob(filepath.Join(dir, "tests", "*.txtar"))
	if err != nil || len(scenarios) != 2 {
		t.Fatalf("scenarios %v, %v", scenarios, err)
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"--probe", "-c", filepath.Join(dir, "supervisord.conf")}, scenarios...)
	if code := cli.Execute(context.Background(), NewCommand(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"PASS crash ", "PASS fatal "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout %q lacks %q", stdout.String(), want)
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}
