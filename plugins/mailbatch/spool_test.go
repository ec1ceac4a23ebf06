package mailbatch

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSpoolKeepsLinesAcrossRuns(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crashmailbatch.spool")
	s, lines, err := openSpool(path)
	if err != nil || len(lines) != 0 {
		t.Fatalf("new spool: %q, %v", lines, err)
	}
	for _, l := range []string{"one", "two", "three"} {
		must(t, s.append(l))
	}
	// A second listener on the same spool is refused while the first
	// holds it.
	if _, _, err := openSpool(path); !errors.Is(err, errSpoolInUse) {
		t.Errorf("second open: %v, want errSpoolInUse", err)
	}
	must(t, s.close())

	s, lines, err = openSpool(path)
	must(t, err)
	if !slices.Equal(lines, []string{"one", "two", "three"}) {
		t.Fatalf("read back %q", lines)
	}
	must(t, s.rewrite([]string{"three"}))
	must(t, s.append("four"))
	must(t, s.close())
	data, err := os.ReadFile(path)
	must(t, err)
	if string(data) != "three\nfour\n" {
		t.Errorf("spool holds %q", data)
	}
	if tmp, _ := filepath.Glob(path + ".*.tmp"); len(tmp) != 0 {
		t.Errorf("temporary files left: %q", tmp)
	}

	s, _, err = openSpool(path)
	must(t, err)
	must(t, s.rewrite(nil))
	must(t, s.close())
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("emptied spool holds %q", data)
	}
}

// A line cut short by a crash mid-write is still read back: better sent
// truncated than lost.
func TestSpoolReadsAPartialLastLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spool")
	must(t, os.WriteFile(path, []byte("whole\r\n\npart"), 0o600))
	s, lines, err := openSpool(path)
	must(t, err)
	defer s.close()
	if !slices.Equal(lines, []string{"whole", "part"}) {
		t.Errorf("read %q", lines)
	}
}

func TestSpoolErrors(t *testing.T) {
	t.Parallel()
	if _, _, err := openSpool(filepath.Join(t.TempDir(), "no", "such", "dir", "spool")); err == nil {
		t.Error("opened a spool in a missing directory")
	}
}
