package slacknotify

import (
	"os"
	"strings"
	"testing"
)

// The cobra Example is the ready-to-paste webhook section that the docs
// embed and the integration test runs under the real supervisord. (The
// flag list in docs/slack-notify.md is generated and checked by docs/.)
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
