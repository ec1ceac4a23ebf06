package supervisorconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Parse reads text as the file at a path that need not exist: here and
// includes come from the path.
func TestParseText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inc.conf"), []byte("[program:b]\ncommand=%(here)s/b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Loader{Env: []string{"X=1"}, Hostname: "box"}.Parse([]byte("[supervisord]\n[include]\nfiles=inc.conf\n[program:a]\ncommand=%(here)s/a %(ENV_X)s %(host_node_name)s\n"),
		filepath.Join(dir, "virtual.conf"))
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.Groups()
	if err != nil {
		t.Fatal(err)
	}
	var commands []string
	for _, g := range groups {
		commands = append(commands, g.Processes[0].Command)
	}
	want := []string{dir + "/a 1 box", dir + "/b"}
	if !slices.Equal(commands, want) {
		t.Errorf("commands %q, want %q", commands, want)
	}
	if !slices.Equal(c.Files, []string{filepath.Join(dir, "virtual.conf"), filepath.Join(dir, "inc.conf")}) {
		t.Errorf("files %q", c.Files)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.conf"))
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.conf: the configuration file does not exist") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "latin1.conf")
	if err := os.WriteFile(bad, []byte("[supervisord]\n; caf\xe9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "latin1.conf:2: the file is not UTF-8") {
		t.Errorf("latin-1 file: %v", err)
	}
}
