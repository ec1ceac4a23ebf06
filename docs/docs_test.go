// Package docs holds golance's documentation. Its tests keep the docs
// honest: generated references and embedded examples must match the code.
package docs

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/golance/golance/internal/commands"
	"github.com/golance/golance/internal/docgen"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestGeneratedDocsAreCurrent fails when a flag reference, man page or
// embedded example in the repository differs from what the code produces.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	files, err := docgen.Files("..")
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join("..", rel))
		if err != nil {
			t.Errorf("%s is missing: run `make docs`", rel)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make docs` and commit the result", rel)
		}
	}
}

// TestEveryFlagIsExplained fails when a binary's page does not mention one
// of its flags outside the generated list: a new flag needs a sentence or a
// table row, not only its usage string.
func TestEveryFlagIsExplained(t *testing.T) {
	generated := regexp.MustCompile(`(?s)<!-- flags: [\w-]+ -->.*?<!-- /flags -->`)
	for _, b := range commands.Binaries() {
		page, err := os.ReadFile(b.Name + ".md")
		if err != nil {
			t.Errorf("docs/%s.md is missing: every binary has a page", b.Name)
			continue
		}
		prose := generated.ReplaceAllString(string(page), "")
		if !strings.Contains(string(page), "<!-- flags: "+b.Name+" -->") {
			t.Errorf("docs/%s.md has no generated flag list (<!-- flags: %s --> <!-- /flags -->)", b.Name, b.Name)
		}
		b.Command().Flags().VisitAll(func(f *pflag.Flag) {
			if !strings.Contains(prose, "--"+f.Name) {
				t.Errorf("docs/%s.md does not explain --%s", b.Name, f.Name)
			}
		})
	}
}

// TestSuperlanceCommandLinesKeepWorking fails when a golance binary lacks
// an option of the superlance plugin it replaces, or spells it with
// another short letter.
func TestSuperlanceCommandLinesKeepWorking(t *testing.T) {
	cmds := map[string]*cobra.Command{}
	for _, b := range commands.Binaries() {
		cmds[b.Name] = b.Command()
	}
	for _, p := range docgen.SuperlanceFlagProblems(cmds) {
		t.Error(p)
	}
}

// TestLinksResolve fails when a relative link in README.md or docs/ points
// at a file that does not exist.
func TestLinksResolve(t *testing.T) {
	pages, _ := filepath.Glob("*.md")
	pages = append(pages, "../README.md")
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	code := regexp.MustCompile("(?s)```.*?```")
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := code.ReplaceAllString(string(b), "")
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", p, target)
			}
		}
	}
}

// TestReadmeCommandsExist fails when a command line of README.md's ```sh
// blocks names a make target the Makefile lacks or a package path that is
// not in the tree, or when a prose line starts with a lone space, the mark
// of an edit that lost the rest of its sentence: a newcomer reads only the
// README, and what it says to run is what internal/packaging, TestDemo and
// make test run.
func TestReadmeCommandsExist(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][\w-]*):`).FindAllStringSubmatch(string(makefile), -1) {
		targets[m[1]] = true
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```sh block")
	}
	makeTarget := regexp.MustCompile(`\bmake ((?:[a-z][\w-]* ?)+)`)
	pkgPath := regexp.MustCompile(`\bgo (?:build|test|run|install)\b[^#\n]*?(\./[\w/.-]+)`)
	for _, b := range blocks {
		for _, m := range makeTarget.FindAllStringSubmatch(b[1], -1) {
			for _, target := range strings.Fields(m[1]) {
				if !targets[target] {
					t.Errorf("README.md runs `make %s`: the Makefile has no target %s", target, target)
				}
			}
		}
		for _, m := range pkgPath.FindAllStringSubmatch(b[1], -1) {
			if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
				t.Errorf("README.md runs a go command on %s, which is not in the tree", m[1])
			}
		}
	}
	fence := false
	for i, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		if !fence && regexp.MustCompile(`^ \S`).MatchString(line) {
			t.Errorf("README.md:%d starts with a lone space, a sentence cut short: %q", i+1, line)
		}
	}
}
