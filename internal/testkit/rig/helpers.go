package rig

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/supervisorconf"
)

// Context returns a context that ends with the test, and within 30
// seconds, so that a wait that never ends fails instead of hanging.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Must fails the test at once if err is not nil.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Binary returns the absolute path of a program the test's TestMain put
// on PATH (testscript.Main), for supervisord's command= lines.
func Binary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	Must(t, err)
	abs, err := filepath.Abs(path)
	Must(t, err)
	return abs
}

// Eventually waits until text() matches pattern and returns the match,
// failing the test after 20 seconds with what text() said last.
func Eventually(t testing.TB, what string, text func() string, pattern string) string {
	t.Helper()
	return EventuallyWithin(t, 20*time.Second, what, text, pattern)
}

// EventuallyWithin is Eventually waiting up to d, for what takes several
// ticks by design.
func EventuallyWithin(t testing.TB, d time.Duration, what string, text func() string, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(d)
	for {
		s := text()
		if re.MatchString(s) {
			return re.FindString(s)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never matched %s:\n%s", what, pattern, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ExampleCommand reads a supervisord.conf section that a plugin shows in
// --help and its docs: the argv of its command= line, split as
// supervisord splits it, and its environment= variables, with each path
// in paths replaced by a path of the test.
func ExampleCommand(t testing.TB, section string, paths map[string]string) (args, env []string) {
	t.Helper()
	for l := range strings.SplitSeq(section, "\n") {
		for from, to := range paths {
			l = strings.ReplaceAll(l, from, to)
		}
		if cmd, ok := strings.CutPrefix(l, "command="); ok {
			words, err := supervisorconf.SplitCommand(cmd)
			if err != nil {
				t.Fatalf("%q: %v", cmd, err)
			}
			args = words
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
