package slacknotify

import (
	"os"
	"strings"
	"testing"
)

// The cobra Example is the ready-to-paste webhook section that the docs
// embed and the integration test runs under the real supervisord.
func TestExampleIsTheDocumentedSection(t *testing.T) {
	t.Parallel()
	conf, err := os.ReadFile("testdata/webhook.conf")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, line := range strings.Split(strings.TrimRight(string(conf), "\n"), "\n") {
		want.WriteString("  " + line + "\n")
	}
	if got := NewCommand().Example + "\n"; got != want.String() {
		t.Errorf("Example:\n%s\nwant testdata/webhook.conf:\n%s", got, want.String())
	}
}

// docs/slack-notify.md lists the flags exactly as cobra prints them, the
// way the docs generator's flags marker renders them.
func TestDocumentedFlags(t *testing.T) {
	t.Parallel()
	cmd := NewCommand()
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	doc, err := os.ReadFile("../../docs/slack-notify.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "## Flags\n\n```\n" + cmd.NonInheritedFlags().FlagUsages() + "```\n"; !strings.Contains(string(doc), want) {
		t.Errorf("docs/slack-notify.md's flag list is stale; it should read:\n%s", want)
	}
}
