package supervisorconf

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/golance/golance/internal/pythontest"
)

// TestGlobMatchesPython compares glob with Python's glob.glob on a tree
// of awkward names, and fnmatch with fnmatch.fnmatchcase on random
// patterns, sets and ranges included.
func TestGlobMatchesPython(t *testing.T) {
	t.Parallel()
	pythontest.Require(t)
	dir := t.TempDir()
	for _, name := range []string{"conf.d/a.conf", "conf.d/b.conf", "conf.d/.hidden.conf", "conf.d/c.ini", "conf.d/[x].conf",
		"conf.d/back\\slash.conf", "conf.d/sub/d.conf", "conf.d/-dash.conf", "conf.d/é.conf", ".dot/e.conf", "other/f.conf",
		"other/g.conf/h.conf"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var globs []string
	for _, p := range []string{"conf.d/*.conf", "conf.d/*", "conf.d/.*", "conf.d/?.conf", "conf.d/[ab].conf", "conf.d/[!a].conf",
		"conf.d/[x].conf", "conf.d/[[]x].conf", "conf.d/back\\slash.conf", "conf.d/back\\*", "conf.d/[a-c].*", "conf.d/[c-a].*",
		"conf.d/[-a]*", "conf.d/[a-]*", "conf.d/*/", "*/*.conf", "*/*/*.conf", ".*/*.conf", "conf.d", "conf.d/", "nothing/*",
		"conf.d/a.conf", "conf.d/nosuch.conf", "conf.d//a.conf", "conf.d/./*.conf", "conf.d/[", "conf.d/[!]", "conf.d/*.[ci]*",
		"conf.d/é*", "conf.d/[é]*", "other/*/h.conf", "other/*.conf"} {
		globs = append(globs, filepath.Join(dir, p))
	}
	var pairs [][2]string
	rng := rand.New(rand.NewPCG(9, 10))
	names := []string{"a", "b", "-", "]", "!", "^", "\\", "é", "z", "[", "ab", "a-b"}
	pieces := []string{"a", "b", "z", "*", "?", "[", "]", "!", "-", "^", "\\", "é", "[a-z]", "[!a]", "[z-a]", "[]]", "[a-]"}
	for range 3000 {
		var name, pat string
		for range rng.IntN(4) {
			name += names[rng.IntN(len(names))]
		}
		for range 1 + rng.IntN(4) {
			pat += pieces[rng.IntN(len(pieces))]
		}
		pairs = append(pairs, [2]string{name, pat})
	}
	var want struct {
		Globs   [][]string
		Fnmatch []bool
	}
	pythontest.JSON(t, "testdata/pyglob.py", nil, nil, map[string]any{"globs": globs, "fnmatch": pairs}, &want)
	for i, p := range globs {
		if got := glob(p); !slices.Equal(got, want.Globs[i]) && !(len(got) == 0 && len(want.Globs[i]) == 0) {
			t.Errorf("glob(%q) = %q, Python %q", p, got, want.Globs[i])
		}
	}
	for i, pr := range pairs {
		if got := fnmatch(pr[0], pr[1]); got != want.Fnmatch[i] {
			t.Errorf("fnmatch(%q, %q) = %t, Python %t", pr[0], pr[1], got, want.Fnmatch[i])
		}
	}
}
