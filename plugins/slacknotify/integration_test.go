package slacknotify

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/fakeslack"
	"github.com/golance/golance/testharness/supervisord"
)

// documented returns the [eventlistener:x] section docs/slack-notify.md
// shows (testdata/<name>.conf), with each replacement applied; a
// replacement that no longer matches fails the test, so that the docs and
// this test cannot drift apart.
func documented(t *testing.T, name string, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("testdata/%s no longer contains %q", name, replace[i])
		}
		s = strings.ReplaceAll(s, replace[i], replace[i+1])
	}
	// Indented like the sections the tests append, so that
	// supervisord.Config's dedent treats them alike.
	return "\t\t" + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n\t\t") + "\n"
}

func binary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("slack-notify")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// The real binary under the real supervisord 4.2.5, configured with the
// documented webhook section: a program that crashes produces one webhook
// POST naming it, with the exit status and its last stderr lines, posted
// to a local HTTP endpoint.
func TestRealSupervisordCrashPostsOnce(t *testing.T) {
	t.Parallel()
	slack := fakeslack.Start(t)
	listener := documented(t, "webhook.conf",
		"command=slack-notify", "command="+binary(t)+" --hostname itest",
		"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", slack.WebhookURL())
	sv := supervisord.Start(t, supervisord.Config{Sections: listener + `
		[program:crasher]
		command=sh -c 'echo "crasher: cannot bind 0.0.0.0:8080" >&2; sleep 1.5; exit 3'
		startsecs=1
		autorestart=false

		; exits after crasher: its alert proves every event about crasher
		; before it was handled
		[program:sentinel]
		command=sh -c 'sleep 2.5; exit 9'
		startsecs=1
		autorestart=false
	`})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	posts, err := slack.Wait(ctx, fakeslack.Webhook, 2)
	if err != nil {
		t.Fatalf("%v\n%s", err, sv.Log())
	}
	var crasher []fakeslack.Request
	for _, p := range posts {
		if strings.Contains(p.Text, "crasher") {
			crasher = append(crasher, p)
		}
	}
	if len(crasher) != 1 || !strings.HasPrefix(posts[1].Text, "sentinel ") {
		t.Fatalf("posts %q: want one naming crasher, then the sentinel's", textsOf(posts))
	}
	p := crasher[0]
	if want := "crasher exited unexpectedly on itest (RUNNING → EXITED, exit status 3; not expected)"; p.Text != want {
		t.Errorf("text %q, want %q", p.Text, want)
	}
	requireShows(t, p, "🔴 crasher exited unexpectedly", "*Exit*\nexit status 3; not expected", "*Last line of stderr*",
		"crasher: cannot bind 0.0.0.0:8080")
	if ranFor, err := time.ParseDuration(fieldValue(t, p, "Ran for")); err != nil || ranFor < time.Second || ranFor > 10*time.Second {
		t.Errorf("ran for %s (%v), want about 1.5s", ranFor, err)
	}
	if log := sv.Log(); strings.Contains(log, "-> UNKNOWN") || strings.Contains(log, "exited: slack-notify") {
		t.Errorf("the listener broke the protocol or exited:\n%s", log)
	}
}

// The documented bot-token section under the real supervisord: a program
// that cannot start goes BACKOFF then FATAL and recovers once fixed. The
// channel sees one alert, edited as it goes; the FATAL escalation and the
// recovery are replies in its thread.
func TestRealSupervisordTokenLifecycle(t *testing.T) {
	t.Parallel()
	slack := fakeslack.Start(t)
	tokenFile := filepath.Join(t.TempDir(), "slack-token")
	if err := os.WriteFile(tokenFile, []byte(fakeslack.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listener := documented(t, "token.conf",
		"command=slack-notify", "command="+binary(t)+" --api-url "+slack.APIURL(),
		"/etc/golance/slack-token", tokenFile)
	// flaky fails to start until ready exists: startsecs=3, not 1, as a
	// loaded machine once took over a second to run its test and exit, and
	// supervisord took it for RUNNING, a recovery the test did not expect.
	sv := supervisord.Start(t, supervisord.Config{Sections: listener + `
		[program:flaky]
		command=sh -c 'test -f %(here)s/ready || { echo "flaky: waiting for %(here)s/ready" >&2; exit 2; }; exec sleep 1000'
		startsecs=3
		startretries=1
	`})
	sv.WaitLog(t, `gave up: flaky entered FATAL state`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The alert and the FATAL reply.
	posts, err := slack.Wait(ctx, fakeslack.PostMessage, 2)
	if err != nil {
		t.Fatalf("%v\n%s", err, sv.Log())
	}
	alert := posts[0]
	if alert.Channel != "#ops" || alert.ThreadTS != "" {
		t.Errorf("alert in %q thread %q, want a new message in #ops", alert.Channel, alert.ThreadTS)
	}
	requireShows(t, alert, "🟠 flaky failed to start (BACKOFF)", "*Exit*\nexit status 2; not expected", "flaky: waiting for")
	requireShows(t, posts[1], "🔴 flaky is FATAL: supervisord gave up starting it (×3)")
	if posts[1].ThreadTS != alert.PostedTS || !strings.Contains(string(posts[1].Body), "reply_broadcast=true") {
		t.Errorf("FATAL post %+v, want a broadcast reply to the alert", posts[1])
	}

	if err := os.WriteFile(filepath.Join(sv.Dir, "ready"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sv.Client.StartProcess(ctx, "flaky", true); err != nil {
		t.Fatal(err)
	}
	if posts, err = slack.Wait(ctx, fakeslack.PostMessage, 3); err != nil {
		t.Fatal(err)
	}
	if posts[2].ThreadTS != alert.PostedTS {
		t.Errorf("recovery not in the alert's thread: %+v", posts[2])
	}
	requireShows(t, posts[2], "✅ flaky is RUNNING again", "*Failures*\n3")
	updates, err := slack.Wait(ctx, fakeslack.Update, 3)
	if err != nil {
		t.Fatal(err)
	}
	last := updates[len(updates)-1]
	if last.TS != alert.PostedTS {
		t.Errorf("update of %s, want the alert %s", last.TS, alert.PostedTS)
	}
	requireShows(t, last, "✅ flaky recovered")
	if n := len(slack.Requests(fakeslack.AuthTest)); n != 1 {
		t.Errorf("%d auth.test calls, want the one check at start-up", n)
	}
}
