package orderedstartup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/internal/supervisorconf"
)

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// loadConf reads what supervisord reads (supervisorconf's tests compare
// that with supervisord's own parser) and says so through errConf.
func TestLoadConf(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("conf.d/web.conf", "[program:web]\ncommand=/bin/web\nStartInOrder = TRUE ; the keys fold\nstartnextafter: exited\n")
	main := write("supervisord.conf", "[supervisord]\n[include]\nfiles = conf.d/*.conf\n[program:db]\ncommand=/bin/db\nstartinorder=%(ENV_ORDER)s\n")
	c, err := loadConf(main, []string{"ORDER=yes"})
	if err != nil {
		t.Fatal(err)
	}
	opts, _, err := readOptions(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) != 2 || !opts[0].StartInOrder || !opts[1].StartInOrder || opts[1].StartNextAfter.String() != "EXITED" ||
		opts[1].Section.File != filepath.Join(dir, "conf.d/web.conf") {
		t.Errorf("options %+v", opts)
	}
	for _, text := range []string{"key=value\n", "[supervisord]\n[include]\nother=1\n"} {
		_, err := loadConf(write("bad.conf", text), nil)
		var ce *supervisorconf.Error
		if !errors.Is(err, errConf) || !errors.As(err, &ce) || !strings.Contains(err.Error(), "bad.conf:") {
			t.Errorf("%q: %v, want an errConf placed in bad.conf", text, err)
		}
	}
}
