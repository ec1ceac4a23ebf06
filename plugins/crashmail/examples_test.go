package crashmail

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
)

// The sections in --help and docs/crashmail.md start crashmail as written
// (its paths moved into the test's directory): every flag in them exists
// and is valid.
func TestExamplesStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	password := filepath.Join(dir, "smtp-password")
	sendmail := filepath.Join(dir, "sendmail")
	must(t, os.WriteFile(password, []byte("s3cret\n"), 0o600))
	must(t, os.WriteFile(sendmail, []byte("#!/bin/sh\ncat >/dev/null\n"), 0o755))
	for _, section := range []string{exampleSendmail, exampleSMTP} {
		args, _ := rig.ExampleCommand(t, section, map[string]string{"/etc/golance/smtp-password": password})
		if args[0] != "crashmail" {
			t.Fatalf("example runs %q", args[0])
		}
		if !slices.Contains(args, "-s") && !slices.Contains(args, "-H") {
			if _, err := os.Stat("/usr/sbin/sendmail"); err != nil {
				// The default sendmail is not installed here: use ours.
				args = append(args, "-s", sendmail)
			}
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "SUPERVISOR_SERVER_URL=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stdout.String() != "READY\n" || !strings.Contains(testkit.Messages(stderr.String()), "crashmail: mailing ") {
			t.Errorf("%q: %v\nstdout %q\nstderr:\n%s", args, err, stdout.String(), stderr.String())
		}
	}
}
