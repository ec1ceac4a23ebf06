package mailbatch

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/internal/testkit"
)

// exampleCommand returns the argv of a section's command= line, split the
// way supervisord splits it (shlex), with the paths the example names
// replaced by paths of this test, and the environment= variables.
func exampleCommand(t *testing.T, section string, paths map[string]string) (args, env []string) {
	t.Helper()
	for l := range strings.SplitSeq(section, "\n") {
		for from, to := range paths {
			l = strings.ReplaceAll(l, from, to)
		}
		if cmd, ok := strings.CutPrefix(l, "command="); ok {
			args = shlexSplit(t, cmd)
		}
		if e, ok := strings.CutPrefix(l, "environment="); ok {
			k, v, _ := strings.Cut(e, "=")
			env = append(env, k+"="+strings.Trim(v, `"`))
		}
	}
	if args == nil {
		t.Fatalf("no command= in\n%s", section)
	}
	return args, env
}

// shlexSplit splits a command= value as supervisord does.
func shlexSplit(t *testing.T, s string) []string {
	t.Helper()
	words, err := supervisorconf.SplitCommand(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return words
}

// The sections in --help and the docs start their binary as written (its
// paths moved into the test's directory): every flag in them exists and is
// valid.
func TestExamplesStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sendmail := filepath.Join(dir, "sendmail")
	must(t, os.WriteFile(sendmail, []byte("#!/bin/sh\ncat >/dev/null\n"), 0o755))
	paths := map[string]string{
		"/var/lib/golance/crashmailbatch.spool": filepath.Join(dir, "spool"),
		"/usr/sbin/sendmail":                    sendmail,
	}
	n := 0
	for _, k := range Kinds {
		for _, section := range examplesOf(k.Name) {
			n++
			args, env := exampleCommand(t, section, paths)
			if args[0] != k.Name {
				t.Fatalf("%s's example runs %q", k.Name, args[0])
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil || stdout.String() != "READY\n" || !strings.HasPrefix(testkit.Messages(stderr.String()), k.Name+": mailing ") {
				t.Errorf("%q: %v\nstdout %q\nstderr:\n%s", args, err, stdout.String(), stderr.String())
			}
		}
	}
	if n != 4 {
		t.Errorf("%d examples, want 4", n)
	}
}
