package supervisord

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// InstallHint is the command that installs supervisord on Debian and
// Ubuntu, where the tests run.
const InstallHint = "apt-get install -y supervisor"

var (
	lookupOnce sync.Once
	lookupPath string
	lookupErr  error
)

// Lookup returns the path of the supervisord in PATH, after checking that
// it runs: a Debian supervisord whose Python module is missing is as good
// as none. The answer is looked up once per process.
func Lookup() (string, error) {
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
