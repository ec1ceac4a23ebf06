package slacknotify

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite testdata/alert.json from the code")

// sampleIncident is the failure docs/slack-notify.md shows.
func sampleIncident() *incident {
	f := failure{
		At:   epoch,
		From: listener.StateRunning,
		To:   listener.StateExited,
		PID:  4242,
		Facts: factsOf(crashinfo.Details{
			Exit:        crashinfo.Exit{Cause: "exit status 1"},
			RanFor:      2*time.Hour + 5*time.Minute + 13*time.Second,
			RanForKnown: true,
			Logs: []crashinfo.Log{{Channel: "stderr", Lines: []string{
				`Traceback (most recent call last):`,
				`  File "/srv/app/worker.py", line 88, in <module>`,
				`    main()`,
				`  File "/srv/app/worker.py", line 61, in main`,
				`    conn = db.connect(settings.DATABASE_URL)`,
				`  File "/srv/app/db.py", line 19, in connect`,
				`    return psycopg.connect(url, connect_timeout=5)`,
				`psycopg.OperationalError: connection to server at "10.0.3.7", port 5432 failed: Connection refused`,
			}}},
		}),
	}
	return &incident{Process: "web:web_01", Group: "web", Name: "web_01", Server: "supervisor", Since: epoch, Failures: 1, Last: f}
}

// indent renders v as the docs show it: indented, without HTML escapes.
func indent(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAlertGolden pins the JSON of a real alert in testdata/alert.json,
// which docs/slack-notify.md embeds, so that the picture in the docs is
// the message the code sends. Run with -update after changing the layout.
func TestAlertGolden(t *testing.T) {
	got := indent(t, alertMessage(scene{inc: sampleIncident(), host: "prod-app-1", now: epoch}))
	const golden = "testdata/alert.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the alert differs from %s (run go test -run TestAlertGolden -update):\n%s", golden, got)
	}
	// It must be what Slack takes: blocks that slack-go reads back as the
	// same types, within Slack's limits.
	var back struct {
		Text   string       `json:"text"`
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, b := range back.Blocks.BlockSet {
		types = append(types, string(b.BlockType()))
	}
	if strings.Join(types, " ") != "header section section rich_text context" {
		t.Errorf("block types %v", types)
	}
	doc, err := os.ReadFile("../../docs/slack-notify.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("<!-- embed: plugins/slacknotify/testdata/alert.json -->\n```json\n"+string(want)+"```")) {
		t.Errorf("docs/slack-notify.md does not show testdata/alert.json under its embed marker: run make docs")
	}
}

func TestRecoveryAndParentMessages(t *testing.T) {
	t.Parallel()
	inc := sampleIncident()
	inc.Failures = 3
	inc.Recovered, inc.RecoveredAt, inc.RecoveredFrom, inc.RecoveredPID = true, epoch.Add(3*time.Minute+12*time.Second), listener.StateStarting, 5151
	inc.Server = "eu-west-7"
	s := scene{inc: inc, host: "prod-app-1", now: inc.RecoveredAt}

	rec := recoveryMessage(s)
	if want := "web:web_01 is RUNNING again on prod-app-1 after 3 failures in 3m 12s"; rec.Text != want {
		t.Errorf("recovery text %q, want %q", rec.Text, want)
	}
	b, _ := json.Marshal(rec)
	for _, want := range []string{`"✅ web:web_01 is RUNNING again"`, `"*Supervisor*\neu-west-7"`, `"*Transition*\nSTARTING → RUNNING"`, `"*PID*\n5151"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("recovery lacks %s:\n%s", want, b)
		}
	}

	parent := alertMessage(s)
	if want := "web:web_01 recovered on prod-app-1 after 3 failures"; parent.Text != want {
		t.Errorf("recovered alert text %q, want %q", parent.Text, want)
	}
	b, _ = json.Marshal(parent)
	for _, want := range []string{`"✅ web:web_01 recovered"`, `"*Recovered*\n2026-03-14 09:30:05,589"`, `"*Failures*\n3 since 2026-03-14 09:26:53,589"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("recovered alert lacks %s:\n%s", want, b)
		}
	}
}

// Text from processes and supervisord is escaped for mrkdwn, and kept
// within Slack's limits, so that no process name or log line can break a
// message.
func TestHostileText(t *testing.T) {
	t.Parallel()
	inc := sampleIncident()
	inc.Process = "<!channel>&" + strings.Repeat("x", 300)
	inc.Last.Facts.SpawnErr = "can't find command '<script>'"
	inc.Last.Facts.Log = &logTail{Channel: "stderr", Lines: strings.Split(strings.TrimSuffix(strings.Repeat("```<@U123> & line\n", 400), "\n"), "\n")}
	m := alertMessage(scene{inc: inc, host: "h<1>", now: epoch})
	b, _ := marshal(m)
	if strings.Contains(m.Text, "<") || !strings.HasPrefix(m.Text, "&lt;!channel&gt;&amp;xxx") {
		t.Errorf("fallback text not escaped: %q", m.Text)
	}
	for _, f := range m.Blocks[1].(*slack.SectionBlock).Fields {
		if strings.Contains(f.Text, "<") {
			t.Errorf("unescaped mrkdwn in field %q", f.Text)
		}
	}
	if !bytes.Contains(b, []byte("&lt;script&gt;")) {
		t.Errorf("spawn error not escaped:\n%s", b)
	}
	var back struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	h := back.Blocks.BlockSet[0].(*slack.HeaderBlock)
	if n := len([]rune(h.Text.Text)); n > maxHeader {
		t.Errorf("header of %d characters", n)
	}
	log := back.Blocks.BlockSet[3].(*slack.RichTextBlock).Elements[0].(*slack.RichTextPreformatted).Elements[0].(*slack.RichTextSectionTextElement).Text
	if n := len([]rune(log)); n > maxLogText || !strings.HasSuffix(log, "& line") || !strings.HasPrefix(log, "…") {
		t.Errorf("log block of %d characters, not the end of the log: %q...", n, log[:40])
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		-time.Second:                                 "0.0s",
		400 * time.Millisecond:                       "0.4s",
		9*time.Second + 960*time.Millisecond:         "10.0s",
		12 * time.Second:                             "12s",
		3*time.Minute + 12*time.Second:               "3m 12s",
		2*time.Hour + 5*time.Minute + 13*time.Second: "2h 5m",
		76 * time.Hour:                               "3d 4h",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q, want %q", d, got, want)
		}
	}
}

// The small print names each detail supervisord could not give, on one
// line, and nothing when all is there.
func TestSmallPrintSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    crashinfo.Details
		want string
	}{
		{crashinfo.Details{InfoErr: errors.New("dial unix /run/supervisor.sock:\n  connection refused")},
			"slack-notify · 2026-03-14 09:26:53,589 · details unavailable: process info: dial unix /run/supervisor.sock: connection refused"},
		{crashinfo.Details{
			Info:    &rpc.ProcessInfo{},
			ExitErr: fmt.Errorf("the process was started again before the listener asked, and %w", crashinfo.ErrRunNotLogged),
			Logs:    []crashinfo.Log{{Channel: "stderr", Err: errors.New("HTTP 500")}},
		}, "slack-notify · 2026-03-14 09:26:53,589 · details unavailable: exit status: the process was started again before the listener asked, and supervisord's main log does not show the run (is its loglevel info or debug?); log: HTTP 500"},
		{crashinfo.Details{Info: &rpc.ProcessInfo{}, Logs: []crashinfo.Log{{Channel: "stderr", NotKept: true}}},
			"slack-notify · 2026-03-14 09:26:53,589"},
	}
	for _, tt := range tests {
		inc := sampleIncident()
		inc.Last.Facts = factsOf(tt.d)
		m := alertMessage(scene{inc: inc, host: "prod-app-1", now: epoch})
		b, err := json.Marshal(m.Blocks[len(m.Blocks)-1:])
		if err != nil {
			t.Fatal(err)
		}
		got := texts(t, b)
		if len(got) != 1 || got[0] != escape(tt.want) {
			t.Errorf("small print %q, want %q", got, tt.want)
		}
	}
}
