package mailbatch

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
)

// The sections in --help and the docs start their binary as written (its
// paths moved into the test's directory): every flag in them exists and is
// valid.
func TestExamplesStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sendmail := filepath.Join(dir, "sendmail")
	must(t, os.WriteFile(sendmail, []byte("#!/bin/sh\ncat >/dev/null\n"), 0o755))
	paths := map[string]string{
		"/var/lib/golance/crashmailbatch": filepath.Join(dir, "outbox"),
		"/usr/sbin/sendmail":              sendmail,
	}
	n := 0
	for _, k := range kinds {
		for _, section := range examplesOf(k.name) {
			n++
			args, env := rig.ExampleCommand(t, section, paths)
			if args[0] != k.name {
				t.Fatalf("%s's example runs %q", k.name, args[0])
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil || stdout.String() != "READY\n" || !strings.HasPrefix(testkit.Messages(stderr.String()), k.name+": mailing ") {
				t.Errorf("%q: %v\nstdout %q\nstderr:\n%s", args, err, stdout.String(), stderr.String())
			}
		}
	}
	if n != 4 {
		t.Errorf("%d examples, want 4", n)
	}
}
