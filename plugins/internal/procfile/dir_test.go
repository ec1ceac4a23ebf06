package procfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func itoa(n int) string { return strconv.Itoa(n) }

func openDir(t testing.TB) *Dir {
	t.Helper()
	d, err := OpenDir("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// A file kept open names its process: once the process is gone, reads fail
// with ESRCH rather than show another process that got the pid.
func TestPreadKeptOpen(t *testing.T) {
	t.Parallel()
	d := openDir(t)
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fd, err := d.OpenAt(itoa(cmd.Process.Pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for range 2 {
		b, err := d.Pread(fd)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := ParseStat(b); err != nil || st.PPID != os.Getpid() {
			t.Fatalf("%+v, %v", st, err)
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := d.Pread(fd); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("after exit: %v, want ESRCH", err)
	}
	if _, err := d.ReadSmall(itoa(cmd.Process.Pid) + "/stat"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("reopened after exit: %v, want ENOENT", err)
	}
}

// Both reads return a whole file larger than the buffer they start with.
// (proctable's TestWatcherManyChildren reads a children list longer than
// the page the kernel hands out per read.)
func TestReadWholeFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	big := strings.Repeat("1234567 ", 2000) // 16000 bytes
	if err := os.WriteFile(filepath.Join(root, "children"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Root() != root || d.Path("x/y") != filepath.Join(root, "x/y") {
		t.Fatalf("root %q, path %q", d.Root(), d.Path("x/y"))
	}
	for name, read := range map[string]func(string) ([]byte, error){"ReadSmall": d.ReadSmall, "ReadAll": d.ReadAll} {
		if b, err := read("children"); err != nil || string(b) != big {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	if err := d.Close(); err != nil || d.Close() != nil {
		t.Fatalf("close: %v", err)
	}
}
