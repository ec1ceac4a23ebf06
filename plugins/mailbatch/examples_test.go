package mailbatch

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// shlexSplit splits s into words as Python's shlex.split does for the
// quoting supervisord.conf command lines use.
func shlexSplit(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if inWord {
		words = append(words, w.String())
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
			if err := cmd.Run(); err != nil || stdout.String() != "READY\n" || !strings.HasPrefix(stderr.String(), k.Name+": mailing ") {
				t.Errorf("%q: %v\nstdout %q\nstderr:\n%s", args, err, stdout.String(), stderr.String())
			}
		}
	}
	if n != 4 {
		t.Errorf("%d examples, want 4", n)
	}
}
