// Package docgen produces the generated parts of golance's documentation
// and checks the rest against the code:
//
//   - docs/reference/<binary>.md, from each binary's cobra command with
//     cobra's doc generator, and docs/man/<binary>.1 from the same command
//     by manPage (man.go says why not cobra's);
//   - the flag list between <!-- flags: <binary> --> and <!-- /flags --> in
//     the hand-written docs/<binary>.md;
//   - the table of superlance's and golance's options between
//     <!-- superlance-flags: <plugin> --> and <!-- /superlance-flags -->;
//   - the body of another page's "## Title" section between
//     <!-- section: docs/page.md "Title" --> and <!-- /section -->;
//   - every fenced code block that follows an <!-- embed: path --> or
//     <!-- embed: path#Func --> marker in README.md and docs/*.md, copied
//     from that file (or that top-level function of a Go file), so a
//     documented example is always the one the tests compile and run.
//
// `make docs` writes the files; docs/docs_test.go fails when a checked-in
// file differs from what Files produces.
package docgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/golance/golance/internal/commands"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDate is the date printed in the man pages. It is fixed, so that the
// generated pages change only when the commands do.
var manDate = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Files returns every generated or embedded documentation file, keyed by
// its path relative to root (the repository's top directory), with the
// content it should have.
func Files(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	cmds := commands.All()
	binaries := len(cmds)
	for _, b := range commands.Tools() {
		cmds = append(cmds, b.Command())
	}
	// A binary's subcommands (essential run) get pages of their own,
	// named as cobra's SEE ALSO sections link them: essential_run.md,
	// essential-run(1). A tool's subcommands are covered by its own page.
	documented := append([]*cobra.Command{}, cmds...)
	for _, cmd := range cmds[:binaries] {
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				documented = append(documented, sub)
			}
		}
	}
	for _, cmd := range documented {
		name := strings.ReplaceAll(cmd.CommandPath(), " ", "-")
		file := strings.ReplaceAll(cmd.CommandPath(), " ", "_")
		cmd.DisableAutoGenTag = true
		// cobra adds these two flags only when a command runs; the
		// reference must list them.
		cmd.InitDefaultHelpFlag()
		cmd.InitDefaultVersionFlag()
		var md bytes.Buffer
		if err := doc.GenMarkdownCustom(cmd, &md, func(s string) string { return s }); err != nil {
			return nil, err
		}
		out[filepath.Join("docs", "reference", file+".md")] = md.Bytes()
		out[filepath.Join("docs", "man", name+".1")] = manPage(cmd)
	}

	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	pages = append(pages, filepath.Join(root, "README.md"))
	sort.Strings(pages)
	byName := map[string]*cobra.Command{}
	for _, cmd := range documented {
		byName[strings.ReplaceAll(cmd.CommandPath(), " ", "-")] = cmd
	}
	for _, page := range pages {
		src, err := os.ReadFile(page)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, page)
		text, err := fillFlags(string(src), byName, rel)
		if err != nil {
			return nil, err
		}
		if text, err = fillSuperlanceFlags(text, byName, rel); err != nil {
			return nil, err
		}
		read := func(path string) ([]byte, error) { return os.ReadFile(filepath.Join(root, path)) }
		if text, err = fillSections(text, root, rel, read); err != nil {
			return nil, err
		}
		text, err = fillEmbeds(text, root, rel)
		if err != nil {
			return nil, err
		}
		out[rel] = []byte(text)
	}
	return out, nil
}

// Write writes Files(root) to disk.
func Write(root string) error {
	files, err := Files(root)
	if err != nil {
		return err
	}
	for rel, content := range files {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

var flagsBlock = regexp.MustCompile(`(?s)(<!-- flags: ([\w-]+) -->\n).*?(<!-- /flags -->)`)

func fillFlags(text string, cmds map[string]*cobra.Command, page string) (string, error) {
	var err error
	text = flagsBlock.ReplaceAllStringFunc(text, func(block string) string {
		m := flagsBlock.FindStringSubmatch(block)
		cmd, ok := cmds[m[2]]
		if !ok {
			err = fmt.Errorf("%s: flags marker names unknown command %q", page, m[2])
			return block
		}
		usage := cmd.NonInheritedFlags().FlagUsages()
		return m[1] + "```\n" + usage + "```\n" + m[3]
	})
	return text, err
}

var embedBlock = regexp.MustCompile("(?s)(<!-- embed: ([^ >#]+)(?:#(\\w+))? -->\n```(\\w*)\n).*?(```)")

func fillEmbeds(text, root, page string) (string, error) {
	var err error
	text = embedBlock.ReplaceAllStringFunc(text, func(block string) string {
		m := embedBlock.FindStringSubmatch(block)
		src, e := os.ReadFile(filepath.Join(root, m[2]))
		if e != nil {
			err = fmt.Errorf("%s: embed: %w", page, e)
			return block
		}
		body := string(src)
		if m[3] != "" {
			if body, e = funcSource(src, m[3]); e != nil {
				err = fmt.Errorf("%s: embed %s#%s: %w", page, m[2], m[3], e)
				return block
			}
		}
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		return m[1] + body + m[5]
	})
	return text, err
}

// funcSource returns the source text of the top-level function name in a
// Go file, its doc comment included.
func funcSource(src []byte, name string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != name || fn.Recv != nil {
			continue
		}
		start := fn.Pos()
		if fn.Doc != nil {
			start = fn.Doc.Pos()
		}
		return string(src[fset.Position(start).Offset:fset.Position(fn.End()).Offset]) + "\n", nil
	}
	return "", fmt.Errorf("no function %s", name)
}
