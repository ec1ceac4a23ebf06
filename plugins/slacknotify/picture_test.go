package slacknotify

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// The picture in docs/images/slack-notify-alert.png is a screenshot of
// testdata/alert.html, an approximation of how Slack lays out
// testdata/alert.json. The test keeps the HTML in step with the JSON;
// `go test -run TestAlertPicture -update` rewrites both and, when chromium
// is installed, takes the screenshot again.
func TestAlertPicture(t *testing.T) {
	src, err := os.ReadFile("testdata/alert.json")
	if err != nil {
		t.Fatal(err)
	}
	got := renderHTML(t, src)
	const page = "testdata/alert.html"
	const png = "../../docs/images/slack-notify-alert.png"
	if *update {
		if err := os.WriteFile(page, got, 0o644); err != nil {
			t.Fatal(err)
		}
		screenshot(t, page, png)
	}
	want, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go test -run 'TestAlertGolden|TestAlertPicture' -update", page)
	}
	if _, err := os.Stat(png); err != nil {
		t.Fatalf("%v: run go test -run TestAlertPicture -update with chromium installed", err)
	}
	doc, err := os.ReadFile("../../docs/slack-notify.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("](images/slack-notify-alert.png)")) {
		t.Error("docs/slack-notify.md does not show the picture")
	}
}

func screenshot(t *testing.T, page, png string) {
	t.Helper()
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Log("no chromium: the screenshot is not updated")
		return
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	out, err := filepath.Abs(png)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--force-device-scale-factor=1", "--window-size=760,490", "--screenshot="+out, "file://"+abs)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, b)
	}
}

// renderHTML lays out a message the way Slack's desktop client does,
// closely enough for a picture: header, two columns of fields, the log in
// a code block, the small print.
func renderHTML(t *testing.T, src []byte) []byte {
	t.Helper()
	var m struct {
		Text   string       `json:"text"`
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(src, &m); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>slack-notify alert</title>
<style>
body { margin: 0; background: #fff; font: 15px/1.47 "Lato", "Noto Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1c1d; }
.msg { display: flex; padding: 16px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 900; text-align: center; line-height: 36px; margin-right: 8px; flex: none; }
.who b { font-weight: 900; } .badge { font-size: 10px; background: #e8e8e8; color: #616061; padding: 1px 3px; border-radius: 2px; margin: 0 4px; } .time { color: #616061; font-size: 12px; }
h1 { font-size: 18px; font-weight: 900; margin: 6px 0 8px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin: 4px 0 8px; max-width: 600px; }
code { font: 12px Monaco, Menlo, "DejaVu Sans Mono", monospace; color: #e01e5a; background: #f6f6f6; border: 1px solid #e0e0e0; border-radius: 3px; padding: 1px 3px; }
pre { font: 12px/1.5 Monaco, Menlo, "DejaVu Sans Mono", monospace; background: #f8f8f8; border: 1px solid #e0e0e0; border-radius: 4px; padding: 8px; margin: 4px 0 8px; white-space: pre-wrap; max-width: 640px; }
.context { color: #616061; font-size: 12px; }
</style></head><body>
<div class="msg"><div class="avatar">sn</div><div>
<div class="who"><b>slack-notify</b><span class="badge">APP</span><span class="time">9:26 AM</span></div>
`)
	for _, block := range m.Blocks.BlockSet {
		switch blk := block.(type) {
		case *slack.HeaderBlock:
			b.WriteString("<h1>" + html.EscapeString(blk.Text.Text) + "</h1>\n")
		case *slack.SectionBlock:
			if blk.Text != nil {
				b.WriteString("<div>" + mrkdwnHTML(blk.Text.Text) + "</div>\n")
			}
			if len(blk.Fields) > 0 {
				b.WriteString(`<div class="fields">`)
				for _, f := range blk.Fields {
					b.WriteString("<div>" + mrkdwnHTML(f.Text) + "</div>")
				}
				b.WriteString("</div>\n")
			}
		case *slack.RichTextBlock:
			for _, e := range blk.Elements {
				if pre, ok := e.(*slack.RichTextPreformatted); ok {
					b.WriteString("<pre>")
					for _, el := range pre.Elements {
						if txt, ok := el.(*slack.RichTextSectionTextElement); ok {
							b.WriteString(html.EscapeString(txt.Text))
						}
					}
					b.WriteString("</pre>\n")
				}
			}
		case *slack.ContextBlock:
			for _, e := range blk.ContextElements.Elements {
				if txt, ok := e.(*slack.TextBlockObject); ok {
					b.WriteString(`<div class="context">` + mrkdwnHTML(txt.Text) + "</div>\n")
				}
			}
		default:
			t.Fatalf("no HTML for block type %s", block.BlockType())
		}
	}
	b.WriteString("</div></div>\n</body></html>\n")
	return []byte(b.String())
}

var (
	mrkdwnBold = regexp.MustCompile(`\*([^*\n]+)\*`)
	mrkdwnCode = regexp.MustCompile("`([^`\n]+)`")
)

// mrkdwnHTML renders the mrkdwn slack-notify writes: *bold*, `code` and
// newlines. Slack's entities (&lt; &gt; &amp;) are HTML's too.
func mrkdwnHTML(s string) string {
	s = mrkdwnBold.ReplaceAllString(s, "<b>$1</b>")
	s = mrkdwnCode.ReplaceAllString(s, "<code>$1</code>")
	return strings.ReplaceAll(s, "\n", "<br>")
}
