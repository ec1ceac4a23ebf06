package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/commands"
	"github.com/golance/golance/testharness/supervisord"
)

// needTool fails the test when a program the package test runs is missing:
// dpkg is part of every Debian system, so this is never a skip.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is needed to test make deb: %v", name, err)
	}
}

func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// make deb's package, installed with dpkg into a scratch root: its
// metadata, every binary (stamped with the version), every man page and
// every plugin's example sections; then the real supervisord runs the
// shipped eventdump section with the installed eventdump, and the installed
// golance doctor finds nothing wrong with that configuration.
func TestMakeDeb(t *testing.T) {
	for _, tool := range []string{"make", "dpkg", "dpkg-deb", "gzip"} {
		needTool(t, tool)
	}
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	runMake(t, append(makeVars(), "deb", "DIST="+dist)...)
	debs, _ := filepath.Glob(filepath.Join(dist, "*.deb"))
	if len(debs) != 1 {
		entries, _ := os.ReadDir(dist)
		t.Fatalf("make deb left %d .deb files in DIST, want 1: %v", len(debs), entries)
	}
	deb := debs[0]
	fields := output(t, "dpkg-deb", "--showformat=${Package} ${Version} ${Architecture}\n", "--show", deb)
	arch := strings.TrimSpace(output(t, "go", "env", "GOARCH"))
	if want := "golance 1.2.3~test " + arch + "\n"; fields != want {
		t.Errorf("package fields %q, want %q", fields, want)
	}

	// A scratch root with an empty dpkg database: dpkg installs there as
	// it would on a host, without touching this machine's.
	root := filepath.Join(tmp, "root")
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	output(t, "dpkg", "--root="+root, "--force-not-root", "--force-script-chrootless", "--log=/dev/null", "-i", deb)
	if st := output(t, "dpkg-query", "--root="+root, "-W", "-f=${Status} ${Version}", "golance"); st != "install ok installed 1.2.3~test" {
		t.Errorf("dpkg-query says %q", st)
	}

	for _, name := range binaries(t) {
		path := filepath.Join(root, "usr/bin", name)
		out, err := exec.Command(path, "--version").Output()
		if err != nil {
			t.Errorf("the package's /usr/bin/%s: %v", name, err)
		} else if got := string(out); got != name+" "+version+"\n" {
			t.Errorf("/usr/bin/%s --version printed %q, want the stamped 1.2.3-test", name, got)
		}
	}
	for _, page := range manPages(t) {
		gz := filepath.Join(root, "usr/share/man/man1", filepath.Base(page)+".gz")
		want, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if got := output(t, "gzip", "-dc", gz); got != string(want) {
			t.Errorf("%s is not docs/man/%s", gz, filepath.Base(page))
		}
	}
	examples := filepath.Join(root, "usr/share/doc/golance/examples")
	for _, p := range commands.Plugins() {
		b, err := os.ReadFile(filepath.Join(examples, p.Name+".conf"))
		if err != nil || !strings.Contains(string(b), "[eventlistener:") {
			t.Errorf("the package has no example sections for %s: %v", p.Name, err)
		}
	}

	runShippedEventdump(t, root, examples)
}

// runShippedEventdump runs the package's eventdump.conf under the real
// supervisord, its command found in the package's /usr/bin through PATH,
// with only the host path it writes to (/var/log/supervisor) moved into
// the test's directory.
func runShippedEventdump(t *testing.T, root, examples string) {
	snippet, err := os.ReadFile(filepath.Join(examples, "eventdump.conf"))
	if err != nil {
		t.Fatal(err)
	}
	logDir := filepath.Join(t.TempDir(), "log")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(snippet), "/var/log/supervisor/", logDir+"/")
	if !strings.Contains(text, logDir) {
		t.Fatalf("the shipped eventdump.conf no longer writes under /var/log/supervisor; update this test:\n%s", snippet)
	}
	usrBin := filepath.Join(root, "usr/bin")
	env := []string{"PATH=" + usrBin + ":" + os.Getenv("PATH")}
	sv := supervisord.Start(t, supervisord.Config{Env: env, Sections: text + `
[program:crasher]
command=sh -c "sleep 0.2; exit 3"
startsecs=0
autorestart=false
`})
	sv.WaitLog(t, `success: eventdump entered RUNNING state`)
	sv.WaitLog(t, `exited: crasher \(exit status 3; not expected\)`)

	// The listener is the package's binary, and it dumped the crash.
	info, err := sv.Client.GetProcessInfo(t.Context(), "eventdump")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(info.PID), "exe"))
	if err != nil || exe != filepath.Join(usrBin, "eventdump") {
		t.Errorf("the running eventdump is %q (%v), not the package's", exe, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(logDir, "events.jsonl"))
		if strings.Contains(string(b), `"PROCESS_STATE_EXITED"`) && strings.Contains(string(b), `crasher`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shipped eventdump wrote no PROCESS_STATE_EXITED of crasher:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The package's doctor, on that configuration.
	out, err := exec.Command(filepath.Join(usrBin, "golance"), "doctor", "-c", sv.ConfigPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no problems found") {
		t.Errorf("the package's golance doctor: %v\n%s", err, out)
	}
}
