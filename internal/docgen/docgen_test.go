package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/internal/commands"
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

// TestManPage holds every man page to what a reader of man(1) expects:
// value names rather than Go defaults, the help text as written (no
// "<process>" lost as markup), and the sections beyond the flags.
func TestManPage(t *testing.T) {
	cmd := &cobra.Command{Use: "demo", Short: "a demo", Long: "The subject reads \"<process> crashed\".\n\n.starts with a period\n\nback\\slash",
		Example: "  [eventlistener:demo]\n  command=demo\n  events=TICK_60"}
	cmd.Flags().StringArrayP("program", "p", nil, "watch this `process`")
	cmd.Flags().BoolP("any", "a", false, "watch every process")
	cmd.Flags().String("sendmail", "/usr/sbin/sendmail -t -i", "pipe mail into this `command`")
	man := string(manPage(cmd))
	for _, want := range []string{
		`"<process> crashed"`, "\n\\&.starts with a period", `back\eslash`,
		`\fB\-p\fR, \fB\-\-program\fR \fIprocess\fR` + "\nwatch this process\n",
		`\fB\-a\fR, \fB\-\-any\fR` + "\nwatch every process\n",
		`(default "/usr/sbin/sendmail \-t \-i")`,
		".SH ENVIRONMENT\n", ".B SUPERVISOR_PROCESS_NAME\n", ".SH EXIT STATUS\n.TP\n.B 0\n", ".B 2\n",
		".SH SEE ALSO\n.BR supervisord (1),\n",
	} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %q:\n%s", want, man)
		}
	}
	for _, bad := range []string{"[=false]", "=[]", "`"} {
		if strings.Contains(man, bad) {
			t.Errorf("man page has %q:\n%s", bad, man)
		}
	}
	// A command that is no listener reads nothing supervisord sets for its
	// children, and its page says what it reads: here, nothing.
	tool := &cobra.Command{Use: "tool", Short: "a tool", Long: "Run by hand."}
	man = string(manPage(tool))
	if strings.Contains(man, "SUPERVISOR_") || !strings.Contains(man, ".SH ENVIRONMENT\n.PP\ntool reads no environment variable of its own.\n") {
		t.Errorf("a tool's ENVIRONMENT:\n%s", man)
	}
}

// TestManPagesOfEveryBinary: each binary's page names the environment it
// reads and every other binary.
func TestManPagesOfEveryBinary(t *testing.T) {
	files, err := Files(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range commands.Binaries() {
		man := string(files[filepath.Join("docs", "man", b.Name+".1")])
		for _, want := range []string{".SH ENVIRONMENT\n", ".SH EXIT STATUS\n", ".SH SEE ALSO\n", ".BR supervisord (1)"} {
			if !strings.Contains(man, want) {
				t.Errorf("%s.1 lacks %q", b.Name, want)
			}
		}
		if strings.Contains(man, "[=false]") || strings.Contains(man, "=[]") {
			t.Errorf("%s.1 shows a Go default instead of a value name", b.Name)
		}
		for _, other := range commands.Binaries() {
			if other.Name != b.Name && !strings.Contains(man, ".BR "+roff(other.Name)+" (1)") {
				t.Errorf("%s.1: SEE ALSO lacks %s", b.Name, other.Name)
			}
		}
	}
	// Only the binaries supervisord runs as listeners read what it sets
	// for its children; golance, essential run and supervisor-harness
	// are started by hand or start supervisord.
	for _, page := range []string{"golance", "essential-run", "supervisor-harness"} {
		if man := string(files[filepath.Join("docs", "man", page+".1")]); man == "" || strings.Contains(man, "SUPERVISOR_PROCESS_NAME") || strings.Contains(man, "SUPERVISOR_GROUP_NAME") {
			t.Errorf("%s.1: ENVIRONMENT lists what only listeners read (or the page is missing)", page)
		}
	}
	for _, p := range commands.Plugins() {
		if man := string(files[filepath.Join("docs", "man", p.Name+".1")]); !strings.Contains(man, ".B SUPERVISOR_PROCESS_NAME\n") {
			t.Errorf("%s.1: ENVIRONMENT lacks SUPERVISOR_PROCESS_NAME, which the listener reads", p.Name)
		}
	}
	want := map[string]string{"golance": "SUPERVISOR_PASSWORD", "crashmail": "SUPERVISOR_SERVER_URL", "crashsms": "GOLANCE_SMTP_PASSWORD", "slack-notify": "SLACK_TOKEN", "memmon": "SUPERVISOR_PASSWORD"}
	for name, env := range want {
		if man := string(files[filepath.Join("docs", "man", name+".1")]); !strings.Contains(man, ".B "+roff(env)+"\n") {
			t.Errorf("%s.1: ENVIRONMENT lacks %s", name, env)
		}
	}
}
