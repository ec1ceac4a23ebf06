package supervisord

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// InstallHint is the command that installs supervisord on Debian and
// Ubuntu, where the tests run.
const InstallHint = "apt-get install -y supervisor"

// Require returns the path of a working supervisord found in PATH. When
// there is none it skips the test, or fails it if the environment has
// CI=true, where a missing supervisord must not pass unnoticed.
func Require(t testing.TB) string {
	t.Helper()
	path, err := lookup()
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

var (
	lookupOnce sync.Once
	lookupPath string
	lookupErr  error
)

// lookup finds supervisord in PATH and checks that it runs: a Debian
// supervisord whose Python module is missing is as good as none.
func lookup() (string, error) {
	lookupOnce.Do(func() {
		lookupPath, lookupErr = exec.LookPath("supervisord")
		if lookupErr != nil {
			lookupErr = fmt.Errorf("supervisord not found in PATH")
			return
		}
		out, err := exec.Command(lookupPath, "--version").CombinedOutput()
		if err != nil {
			lookupErr = fmt.Errorf("%s --version failed: %v: %s", lookupPath, err, strings.TrimSpace(string(out)))
		}
	})
	return lookupPath, lookupErr
}
