package supervisorconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProc adds a /proc/<pid> with the command line and working directory
// to the tree at root.
func fakeProc(t *testing.T, root, pid, cwd string, args ...string) {
	t.Helper()
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
	if _, _, err := (Locator{}).Find(filepath.Join(work, "nope.conf")); !errors.Is(err, ErrNoConfig) {
		t.Errorf("explicit missing: %v", err)
	}

	// The parent's -c, relative to the parent's working directory.
	root := t.TempDir()
	fakeProc(t, root, "42", work, "/usr/bin/python3", "/usr/bin/supervisord", "-n", "-c", "conf/supervisord.conf")
	p, how, err := Locator{ProcRoot: root, PPID: 42}.Find("")
	if err != nil || p != conf || !strings.Contains(how, "supervisord (pid 42)") {
		t.Errorf("parent -c: %q %q %v", p, how, err)
	}

	// The parent's -c naming a file we cannot see is an error, not a guess.
	fakeProc(t, root, "43", work, "supervisord", "-c", "/nonexistent/s.conf")
	if _, _, err := (Locator{ProcRoot: root, PPID: 43}).Find(""); !errors.Is(err, ErrNoConfig) || !strings.Contains(err.Error(), "runs with -c /nonexistent/s.conf") {
		t.Errorf("parent -c unreadable: %v", err)
	}

	// No -c: supervisord's search paths, from its prefix and its cwd.
	prefix := t.TempDir()
	want := touch(t, filepath.Join(prefix, "etc", "supervisord.conf"))
	fakeProc(t, root, "44", work, "python3", filepath.Join(prefix, "bin", "supervisord"), "-n")
	if p, _, err := (Locator{ProcRoot: root, PPID: 44}).Find(""); err != nil || p != want {
		t.Errorf("search <prefix>/etc: %q %v", p, err)
	}
	cwdConf := touch(t, filepath.Join(work, "etc", "supervisord.conf"))
	fakeProc(t, root, "45", work, "supervisord")
	if p, _, err := (Locator{ProcRoot: root, PPID: 45}).Find(""); err != nil || p != cwdConf {
		t.Errorf("search cwd/etc: %q %v", p, err)
	}

	// A parent that is not supervisord: the search paths from Dir.
	fakeProc(t, root, "46", "/", "/bin/bash")
	if p, _, err := (Locator{ProcRoot: root, PPID: 46, Dir: work}).Find(""); err != nil || p != cwdConf {
		t.Errorf("no supervisord parent: %q %v", p, err)
	}
	empty := t.TempDir()
	p, _, err = Locator{ProcRoot: root, PPID: 46, Dir: empty}.Find("")
	switch {
	case err == nil && (p == "/etc/supervisord.conf" || p == "/etc/supervisor/supervisord.conf"):
		// This machine has a system-wide configuration, the last resort.
	case !errors.Is(err, ErrNoConfig) || !strings.Contains(err.Error(), empty+"/supervisord.conf") || !strings.Contains(err.Error(), "-c /path/to/supervisord.conf"):
		t.Errorf("nothing found: %q %v", p, err)
	}
}

// With AnyProcess, a command run by hand finds the supervisord running on
// the host, and refuses to guess between several.
func TestLocatorAnyProcess(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	conf := touch(t, filepath.Join(work, "s.conf"))
	root := t.TempDir()
	fakeProc(t, root, "10", "/", "/bin/bash")
	fakeProc(t, root, "20", work, "/usr/bin/python3", "/usr/bin/supervisord", "-c", "s.conf")
	if p, _, err := (Locator{ProcRoot: root, PPID: 10}).Find(""); err == nil && p == conf {
		t.Errorf("without AnyProcess the parent alone counts, got %q", p)
	}
	p, how, err := Locator{ProcRoot: root, PPID: 10, AnyProcess: true}.Find("")
	if err != nil || p != conf || !strings.Contains(how, "pid 20") {
		t.Errorf("one supervisord: %q %q %v", p, how, err)
	}
	fakeProc(t, root, "30", "/", "supervisord", "-c", "/etc/other.conf")
	_, _, err = Locator{ProcRoot: root, PPID: 10, AnyProcess: true}.Find("")
	if !errors.Is(err, ErrNoConfig) || !strings.Contains(err.Error(), "2 supervisord processes run: pid 20 (s.conf), pid 30 (/etc/other.conf)") {
		t.Errorf("two supervisords: %v", err)
	}
}
