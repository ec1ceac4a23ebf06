package exporter

import (
	testkitrig "github.com/golance/golance/internal/testkit/rig"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"supervisord_exporter": Main})
}

func TestScripts(t *testing.T) {
	testkitrig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

// binary returns the absolute path of the supervisord_exporter TestMain
// put on PATH, for supervisord's command= lines.
func binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("supervisord_exporter")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// requireTool returns the path of a real component the test needs
// (prometheus, promtool, prometheus-alertmanager, chromium), skipping the
// test when it is missing, except under CI=true, where that fails it.
func requireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " not found: apt-get install -y " + pkg
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: integration tests must not be skipped)", msg)
	}
	t.Skip(msg)
	return ""
}
