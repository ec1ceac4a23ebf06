package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's top directory, where the Makefile is.
const root = "../.."

// version is what the tests stamp. Both tests build into one directory
// with the same flags, as make deb does, so that the second build finds
// the binaries current and links nothing.
const version = "1.2.3-test"

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "golance-packaging-bin-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// makeVars are the variables every make run of these tests is given.
func makeVars() []string {
	return []string{"BIN=" + binDir, "VERSION=" + version, "EXTRA_LDFLAGS=-s -w"}
}

// make runs a Makefile target with the given variables and fails the test
// with make's output if it fails.
func runMake(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("make", append([]string{"-C", root}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// binaries lists the programs under cmd/, which make builds from ./cmd/...
func binaries(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "cmd", "*", "main.go"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cmd/*/main.go: %v", err)
	}
	var names []string
	for _, d := range dirs {
		names = append(names, filepath.Base(filepath.Dir(d)))
	}
	return names
}

func manPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(root, "docs", "man", "*.1"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/man/*.1: %v", err)
	}
	return pages
}

func TestMakeInstall(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is needed to test make install:", err)
	}
	tmp := t.TempDir()
	dest := filepath.Join(tmp, "root")
	runMake(t, append(makeVars(), "install", "DESTDIR="+dest, "PREFIX=/opt/golance")...)

	for _, name := range binaries(t) {
		path := filepath.Join(dest, "opt/golance/bin", name)
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("make install left out %s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != 0o755 {
			t.Errorf("%s installed with mode %v, want 0755", path, fi.Mode().Perm())
		}
		out, err := exec.Command(path, "--version").Output()
		if err != nil {
			t.Errorf("%s --version: %v", name, err)
		} else if got, want := string(out), name+" "+version+"\n"; got != want {
			t.Errorf("%s --version printed %q, want %q: VERSION is not stamped", name, got, want)
		}
	}
	for _, page := range manPages(t) {
		want, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dest, "opt/golance/share/man/man1", filepath.Base(page)))
		if err != nil {
			t.Errorf("make install left out the man page %s: %v", filepath.Base(page), err)
		} else if string(got) != string(want) {
			t.Errorf("installed %s differs from docs/man", filepath.Base(page))
		}
	}
}
