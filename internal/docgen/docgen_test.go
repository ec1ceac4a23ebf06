package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestFillEmbeds(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "conf.ini"), []byte("[eventlistener:x]\ncommand=x\n"), 0o644)
	os.WriteFile(filepath.Join(root, "ex.go"), []byte("package ex\n\n// Hello greets.\nfunc Hello() string {\n\treturn \"hi\"\n}\n\nfunc Other() {}\n"), 0o644)
	page := "intro\n<!-- embed: conf.ini -->\n```ini\nstale\n```\nmiddle\n<!-- embed: ex.go#Hello -->\n```go\n```\nend\n"
	got, err := fillEmbeds(page, root, "page.md")
	if err != nil {
		t.Fatal(err)
	}
	want := "intro\n<!-- embed: conf.ini -->\n```ini\n[eventlistener:x]\ncommand=x\n```\nmiddle\n" +
		"<!-- embed: ex.go#Hello -->\n```go\n// Hello greets.\nfunc Hello() string {\n\treturn \"hi\"\n}\n```\nend\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if _, err := fillEmbeds("<!-- embed: missing.txt -->\n```\n```\n", root, "page.md"); err == nil {
		t.Fatal("a missing embed source must be an error")
	}
	if _, err := fillEmbeds("<!-- embed: ex.go#Nope -->\n```go\n```\n", root, "page.md"); err == nil || !strings.Contains(err.Error(), "no function Nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestFillFlags(t *testing.T) {
	cmd := &cobra.Command{Use: "demo"}
	cmd.Flags().StringP("email", "m", "", "mail `address`")
	got, err := fillFlags("a\n<!-- flags: demo -->\nold\n<!-- /flags -->\nb\n", map[string]*cobra.Command{"demo": cmd}, "p.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "```\n  -m, --email address   mail address\n```\n<!-- /flags -->") || strings.Contains(got, "old") {
		t.Fatalf("got %q", got)
	}
	if _, err := fillFlags("<!-- flags: nosuch -->\n<!-- /flags -->", nil, "p.md"); err == nil {
		t.Fatal("unknown command accepted")
	}
}
