package harness

import (
	"os"
	"os/exec"
	"testing"

	"github.com/golance/golance/plugins/crashmail"
	"github.com/golance/golance/plugins/mailbatch"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary supervisor-harness, its sendmail
// stand-in, and golance's crashmail (a listener that hands its mail off
// durably), for the scripts in testdata.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"supervisor-harness": Main,
		sendmailName:         SendmailMain,
		"crashmail":          crashmail.Main,
		"crashsms":           func() { mailbatch.Main("crashsms") },
	})
}

// requireTools fails under CI=true, and skips otherwise, when a listener
// language a script needs is missing.
func requireTools(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: apt-get install -y supervisor nodejs", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
}

// TestScripts runs the command against listeners in Python (on Debian's
// supervisor.childutils), shell and Node, and their planted bugs.
func TestScripts(t *testing.T) {
	requireTools(t, "python3", "node", "bash")
	testscript.Run(t, testscript.Params{Dir: "testdata"})
}
