package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/testharness/supervisord"
)

// TestDemo runs `make demo` as a newcomer would, with the real supervisord
// and the real binaries, until every listener binary has acted, and checks
// that every binary is shown (golance doctor and supervisor-harness too),
// that its own configuration draws no error or warning and passes the
// doctor, that it tells what happened in order, and that it stops cleanly
// with nothing left behind.
func TestDemo(t *testing.T) {
	supervisord.Require(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "../../cmd/...")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the binaries: %v\n%s", err, out)
	}
	demo := filepath.Join(bin, "demo")
	if out, err := exec.Command("go", "build", "-o", demo, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, demo, "-bin", bin, "-dir", dir, "-until-all-acted", "-timeout", "150s")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"ordered-startup  starting cache: db-migrate reaches EXITED",
		"crashmail        delivered to ops@example.com through sendmail command",
		"memmon           report-builder:report-builder restarted",
		"httpok           web restarted",
		"slack-notify     would post (webhook): payment-worker exited unexpectedly",
		"eventdump        ",
		"crashmailbatch   delivered to ops@example.com through sendmail command",
		"crashsms         delivered to 5550100@sms.example.com through sendmail command",
		"fatalmailbatch   delivered to ops@example.com through sendmail command",
		"supervisord      gave up starting nightly-report: too many start retries too quickly",
		"No process was left behind.",
		"supervisord      gave up: shop entered FATAL state, too many start retries too quickly",
		"essential        shop went FATAL (Exited too quickly (process log may have details)): shutting supervisord down; essential run will exit with 69",
		"supervisord      cache stopped (exit status 0)",
		"essential run    exited with 69",
		"Logs are in " + dir,
		// golance doctor on the configuration the demo's supervisord runs.
		"golance doctor   no problems found",
		// supervisor-harness, crashmail under the emulated supervisord.
		"supervisor-harness  PASS crash",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, text)
		}
	}
	mailbox, err := os.ReadFile(filepath.Join(dir, "mailbox"))
	if err != nil || !strings.Contains(string(mailbox), "Subject: [demo]: payment-worker crashed at") {
		t.Errorf("the mailbox lacks crashmail's mail (%v):\n%s", err, mailbox)
	}
	// The demo's own configuration is sound: supervisord drops no event
	// and logs no error, and no listener warns about the configuration.
	if main, err := os.ReadFile(filepath.Join(dir, "supervisord.log")); err != nil || bytes.Contains(main, []byte(" ERRO ")) {
		t.Errorf("supervisord logged an error (%v):\n%s", err, grepLines(string(main), " ERRO "))
	}
	for _, name := range []string{"ordered-startup", "crashmail", "crashmailbatch", "crashsms", "fatalmailbatch", "memmon", "slack-notify", "eventdump", "supervisord_exporter"} {
		b, err := os.ReadFile(filepath.Join(dir, "logs", name+".log"))
		if err != nil {
			t.Errorf("%s's log: %v", name, err)
		} else if bad := grepLines(string(b), " WARN ", " ERRO ", " CRIT "); bad != "" {
			t.Errorf("%s warned:\n%s", name, bad)
		}
	}
	// Lines of one instant read in the order they happened: the crash
	// before what the listeners did about it.
	if crash, mail := strings.Index(text, "payment-worker exited with status 3"), strings.Index(text, "crashmail        unexpected exit of payment-worker"); crash < 0 || mail < crash {
		t.Errorf("crashmail's line comes before the crash it is about:\n%s", text)
	}
	// The demo's own shutdown stops web: that is no failed health check.
	if _, after, _ := strings.Cut(text, "\nStopping ("); strings.Contains(after, "health check failed") {
		t.Errorf("the shutdown was reported as a failed health check:\n%s", text)
	}
	// Nothing the demo started may outlive it.
	for _, pid := range processesMentioning(dir, bin) {
		t.Errorf("process %d outlived the demo", pid)
	}
}

// grepLines returns the lines of text that hold one of subs.
func grepLines(text string, subs ...string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, sub := range subs {
			if strings.Contains(l, sub) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// processesMentioning lists processes whose command line names one of the
// demo's directories.
func processesMentioning(dirs ...string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, d := range dirs {
			if bytes.Contains(b, []byte(d)) {
				var pid int
				if _, err := fmtSscan(e.Name(), &pid); err == nil && pid != os.Getpid() {
					pids = append(pids, pid)
				}
			}
		}
	}
	return pids
}

func fmtSscan(s string, pid *int) (int, error) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, os.ErrInvalid
		}
		n = n*10 + int(c-'0')
	}
	*pid = n
	return 1, nil
}
