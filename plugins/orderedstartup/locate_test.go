package orderedstartup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSupervisordArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   string
		ok     bool
		script string
		conf   string
	}{
		{"supervisord -c /etc/s.conf", true, "supervisord", "/etc/s.conf"},
		{"/usr/bin/python3 /usr/bin/supervisord -n -c rel.conf", true, "/usr/bin/supervisord", "rel.conf"},
		{"/usr/bin/python3 -u /usr/local/bin/supervisord -nc/x.conf", true, "/usr/local/bin/supervisord", "/x.conf"},
		{"python3 -m supervisor.supervisord --configuration=/a.conf", true, "supervisor.supervisord", "/a.conf"},
		{"supervisord --conf /b.conf -n", true, "supervisord", "/b.conf"},
		{"supervisord -u nobody -c /c.conf", true, "supervisord", "/c.conf"},
		{"supervisord -uc /c.conf", true, "supervisord", ""}, // -u takes "c" as its value
		{"supervisord -n extra -c /late.conf", true, "supervisord", ""},
		{"supervisord --logfile -c -c /d.conf", true, "supervisord", "/d.conf"},
		{"supervisord", true, "supervisord", ""},
		{"/bin/sh -c supervisord", false, "", ""},
		{"python3 app.py supervisord", false, "", ""},
		{"supervisorctl -c /e.conf", false, "", ""},
	}
	for _, tt := range tests {
		sv, ok := parseSupervisordArgs(strings.Fields(tt.args))
		if ok != tt.ok || sv.script != tt.script || sv.conf != tt.conf {
			t.Errorf("%q: ok=%v script=%q conf=%q; want %v %q %q", tt.args, ok, sv.script, sv.conf, tt.ok, tt.script, tt.conf)
		}
	}
}

// fakeProc makes a /proc/<pid> with the given command line and working
// directory.
func fakeProc(t *testing.T, pid string, cwd string, args ...string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, pid)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(args, "\x00")+"\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(cwd, filepath.Join(dir, "cwd")); err != nil {
		t.Fatal(err)
	}
	return root
}

func touch(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("[supervisord]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLocator(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	conf := touch(t, filepath.Join(work, "conf", "supervisord.conf"))

	// Explicit wins, and must exist.
	if p, how, err := (Locator{}).Find(conf); err != nil || p != conf || how != "given on the command line" {
		t.Errorf("explicit: %q %q %v", p, how, err)
	}
	if _, _, err := (Locator{}).Find(filepath.Join(work, "nope.conf")); !errors.Is(err, ErrNoConf) {
		t.Errorf("explicit missing: %v", err)
	}

	// The parent's -c, relative to the parent's working directory.
	root := fakeProc(t, "42", work, "/usr/bin/python3", "/usr/bin/supervisord", "-n", "-c", "conf/supervisord.conf")
	p, how, err := Locator{ProcRoot: root, PPID: 42}.Find("")
	if err != nil || p != conf || !strings.Contains(how, "supervisord (pid 42)") {
		t.Errorf("parent -c: %q %q %v", p, how, err)
	}

	// The parent's -c naming a file we cannot see is an error, not a guess.
	root = fakeProc(t, "43", work, "supervisord", "-c", "/nonexistent/s.conf")
	if _, _, err := (Locator{ProcRoot: root, PPID: 43}).Find(""); !errors.Is(err, ErrNoConf) || !strings.Contains(err.Error(), "runs with -c /nonexistent/s.conf") {
		t.Errorf("parent -c unreadable: %v", err)
	}

	// No -c: supervisord's search paths, from its prefix and its cwd.
	prefix := t.TempDir()
	want := touch(t, filepath.Join(prefix, "etc", "supervisord.conf"))
	root = fakeProc(t, "44", work, "python3", filepath.Join(prefix, "bin", "supervisord"), "-n")
	if p, _, err := (Locator{ProcRoot: root, PPID: 44}).Find(""); err != nil || p != want {
		t.Errorf("search <prefix>/etc: %q %v", p, err)
	}
	cwdConf := touch(t, filepath.Join(work, "etc", "supervisord.conf"))
	root = fakeProc(t, "45", work, "supervisord")
	if p, _, err := (Locator{ProcRoot: root, PPID: 45}).Find(""); err != nil || p != cwdConf {
		t.Errorf("search cwd/etc: %q %v", p, err)
	}

	// A parent that is not supervisord: the search paths from Dir.
	root = fakeProc(t, "46", "/", "/bin/bash")
	if p, _, err := (Locator{ProcRoot: root, PPID: 46, Dir: work}).Find(""); err != nil || p != cwdConf {
		t.Errorf("no supervisord parent: %q %v", p, err)
	}
	empty := t.TempDir()
	p, _, err = Locator{ProcRoot: root, PPID: 46, Dir: empty}.Find("")
	switch {
	case err == nil && (p == "/etc/supervisord.conf" || p == "/etc/supervisor/supervisord.conf"):
		// This machine has a system-wide configuration, the last resort.
	case !errors.Is(err, ErrNoConf) || !strings.Contains(err.Error(), empty+"/supervisord.conf") || !strings.Contains(err.Error(), "-c /path/to/supervisord.conf"):
		t.Errorf("nothing found: %q %v", p, err)
	}
}
