package orderedstartup

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestConfStamp(t *testing.T) {
	dir := t.TempDir()
	main, inc := filepath.Join(dir, "supervisord.conf"), filepath.Join(dir, "conf.d", "a.conf")
	if err := os.Mkdir(filepath.Dir(inc), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{main, inc} {
		if err := os.WriteFile(f, []byte("[program:a]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := newConfStamp([]string{main, inc})
	if c.changed() {
		t.Fatal("changed with nothing changed")
	}
	// Same size, a later time: an edit of one value.
	later := time.Now().Add(time.Minute)
	if err := os.WriteFile(inc, []byte("[program:b]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(inc, later, later)
	if !c.changed() || c.changed() {
		t.Fatal("an edit of an included file is one change")
	}
	// A file added beside an included one.
	if err := os.WriteFile(filepath.Join(dir, "conf.d", "b.conf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Dir(inc), later.Add(time.Minute), later.Add(time.Minute))
	if !c.changed() {
		t.Fatal("a file added to an included directory is a change")
	}
	if err := os.Remove(main); err != nil {
		t.Fatal(err)
	}
	if !c.changed() {
		t.Fatal("a file removed is a change")
	}
}
