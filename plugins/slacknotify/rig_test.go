package slacknotify

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/fakeslack"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

// The slack-notify binary under the emulated supervisord, with its
// XML-RPC interface and real child processes: messages carry the exit
// status, the run time and the last stderr lines that supervisord has,
// read the way the binary reads them in production.
func TestHarnessDetails(t *testing.T) {
	t.Parallel()
	slack := fakeslack.Start(t)
	sup := testharness.Start(t, testharness.Config{
		RPC:         true,
		BackoffUnit: 10 * time.Millisecond,
		Programs: []testharness.Program{
			{Name: "crasher", ProcessConfig: testharness.ProcessConfig{
				Command:     []string{"sh", "-c", "echo 'starting up'; echo 'loading config' >&2; echo 'fatal: disk full' >&2; sleep 0.3; exit 3"},
				NoAutostart: true,
				Autorestart: testharness.RestartNever,
			}},
			{Name: "merged", ProcessConfig: testharness.ProcessConfig{
				Command:        []string{"sh", "-c", "echo 'to stderr, redirected' >&2; sleep 0.2; exit 4"},
				NoAutostart:    true,
				Autorestart:    testharness.RestartNever,
				RedirectStderr: true,
			}},
			{Name: "quick", ProcessConfig: testharness.ProcessConfig{
				Command:      []string{"sh", "-c", "echo 'no config file' >&2; exit 1"},
				NoAutostart:  true,
				StartSecs:    time.Second,
				StartRetries: 2,
			}},
		},
		Pools: []testharness.Pool{{
			Name:   "slack",
			Events: []listener.EventType{listener.ProcessState},
			ProcessConfig: testharness.ProcessConfig{
				Command:  []string{"slack-notify", "--hostname", "box1", "--stderr-lines", "2", "--outbox", t.TempDir()},
				Env:      []string{envWebhookURL + "=" + slack.WebhookURL()},
				Priority: 10,
			},
		}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sup.WaitListenerState(ctx, "slack", testharness.ListenerReady); err != nil {
		t.Fatal(err)
	}

	if err := sup.Process("crasher").Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	posts, err := slack.Wait(ctx, fakeslack.Webhook, 1)
	if err != nil {
		t.Fatalf("%v\n%s", err, sup.Process("slack").Stderr())
	}
	requireShows(t, posts[0], "🔴 crasher exited unexpectedly", "*Host*\nbox1", "*Exit*\nexit status 3; not expected",
		"*Last 2 lines of stderr*", "loading config\nfatal: disk full")
	if want := "crasher exited unexpectedly on box1 (RUNNING → EXITED, exit status 3; not expected)"; posts[0].Text != want {
		t.Errorf("text %q, want %q", posts[0].Text, want)
	}
	if ranFor, err := time.ParseDuration(fieldValue(t, posts[0], "Ran for")); err != nil || ranFor < 250*time.Millisecond || ranFor > 10*time.Second {
		t.Errorf("ran for %s (%v), want about 0.3s", ranFor, err)
	}
	if shows(t, posts[0].Blocks, "starting up") {
		t.Error("stdout shown as stderr")
	}

	// redirect_stderr=true: stderr is in the stdout log.
	if err := sup.Process("merged").Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	if posts, err = slack.Wait(ctx, fakeslack.Webhook, 2); err != nil {
		t.Fatal(err)
	}
	requireShows(t, posts[1], "merged exited unexpectedly", "*Exit*\nexit status 4; not expected", "*Last line of stdout*", "to stderr, redirected")

	// A program that dies at once: BACKOFF with supervisord's spawn error,
	// then FATAL, posted at once as an escalation; nothing in between.
	if err := sup.Process("quick").Start(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := sup.WaitProcessState(ctx, "quick", listener.StateFatal); err != nil {
		t.Fatal(err)
	}
	if posts, err = slack.Wait(ctx, fakeslack.Webhook, 4); err != nil {
		t.Fatalf("%v\n%s", err, sup.Process("slack").Stderr())
	}
	requireShows(t, posts[2], "🟠 quick failed to start (BACKOFF)", "*Exit*\nexit status 1; not expected",
		"*Spawn error*\nExited too quickly (process log may have details)", "no config file")
	requireShows(t, posts[3], "🔴 quick is FATAL: supervisord gave up starting it (×4)")
	if err := sup.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(slack.Requests("")); n != 4 {
		t.Errorf("%d posts, want 4", n)
	}
	if res := sup.Transcript().Results("slack"); !allOK(res) {
		t.Errorf("some events were rejected: %+v", res)
	}
}

func allOK(res []testharness.Result) bool {
	for _, r := range res {
		if !r.OK {
			return false
		}
	}
	return len(res) > 0
}

// fieldValue returns the value of the section field label in a message.
func fieldValue(t *testing.T, req fakeslack.Request, label string) string {
	for _, s := range texts(t, req.Blocks) {
		if v, ok := strings.CutPrefix(s, "*"+label+"*\n"); ok {
			return v
		}
	}
	return ""
}

// Without an outbox, nothing is lost either: while Slack fails, the
// event is rejected after the retry budget, supervisord delivers it
// again, and once Slack is back the alert is posted exactly once.
func TestHarnessRedeliveryWithoutOutbox(t *testing.T) {
	t.Parallel()
	slack := fakeslack.Start(t)
	w, err := newWebhook(slack.WebhookURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := newHandler(config{poster: w, host: "box1", window: time.Minute, retry: retry.Policy{MaxElapsed: 150 * time.Millisecond, Initial: 20 * time.Millisecond},
		outbox: outbox.Config{Dir: outbox.None}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Shutdown(context.Background()) })
	faults := make([]fakeslack.Fault, 12)
	for i := range faults {
		faults[i] = fakeslack.Fault{Status: http.StatusBadGateway}
	}
	slack.FailNext(fakeslack.Webhook, faults...)
	sup := testharness.Start(t, testharness.Config{Pools: []testharness.Pool{{
		Name:          "slack",
		Events:        []listener.EventType{listener.ProcessState},
		Handler:       n,
		ServeOptions:  []listener.Option{listener.WithLogger(slog.New(slog.DiscardHandler))},
		ProcessConfig: testharness.ProcessConfig{Priority: 20},
	}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serial, _ := sup.Notify(testharness.ProcessStateChange{Process: "db", Group: "db", From: listener.StateRunning, To: listener.StateExited, PID: 7}.Event())
	if _, err := slack.Wait(ctx, fakeslack.Webhook, 1); err != nil {
		t.Fatal(err)
	}
	if err := sup.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	var rejected, accepted int
	for _, r := range sup.Transcript().Results("slack") {
		if r.Serial != serial {
			continue
		}
		if r.OK {
			accepted++
		} else {
			rejected++
		}
	}
	if rejected == 0 || accepted != 1 {
		t.Errorf("serial %d rejected %d times and accepted %d times; want rejections while Slack failed, then one acceptance", serial, rejected, accepted)
	}
	if got := slack.Accepted(fakeslack.Webhook); len(got) != 1 || !strings.HasPrefix(got[0].Text, "db exited unexpectedly on box1") {
		t.Errorf("accepted posts %q, want the alert once", textsOf(got))
	}
	if n := len(slack.Requests(fakeslack.Webhook)); n != 13 {
		t.Errorf("%d requests, want the 12 refused and the one accepted", n)
	}
}

// With the outbox, supervisord never waits for Slack: while Slack fails,
// every event is answered OK at once, and once Slack is back each
// failure is posted exactly once, in order.
func TestHarnessSlackDownAnswersAtOnce(t *testing.T) {
	t.Parallel()
	slack := fakeslack.Start(t)
	w, err := newWebhook(slack.WebhookURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := newHandler(config{poster: w, host: "box1", window: 0,
		outbox: outbox.Config{Dir: t.TempDir(), Retry: retry.Policy{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Shutdown(context.Background()) })
	slack.FailAlways(fakeslack.Webhook, fakeslack.Fault{Status: http.StatusInternalServerError})
	sup := testharness.Start(t, testharness.Config{Pools: []testharness.Pool{{
		Name:          "slack",
		Events:        []listener.EventType{listener.ProcessState},
		Handler:       n,
		ServeOptions:  []listener.Option{listener.WithLogger(slog.New(slog.DiscardHandler))},
		ProcessConfig: testharness.ProcessConfig{Priority: 20},
	}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"db", "web", "cache"} {
		sup.Notify(testharness.ProcessStateChange{Process: name, Group: name, From: listener.StateRunning, To: listener.StateExited, PID: 7}.Event())
	}
	if err := sup.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if res := sup.Transcript().Results("slack"); len(res) < 3 || !allOK(res) {
		t.Fatalf("answers %+v, want every event answered OK while Slack fails", res)
	}
	if len(slack.Accepted(fakeslack.Webhook)) != 0 {
		t.Fatal("posted while Slack fails")
	}
	slack.Recover(fakeslack.Webhook)
	posts, err := slack.Wait(ctx, fakeslack.Webhook, 3)
	if err != nil {
		t.Fatal(err)
	}
	got := textsOf(posts)
	for i, name := range []string{"db", "web", "cache"} {
		if !strings.HasPrefix(got[i], name+" exited unexpectedly on box1") {
			t.Fatalf("posts %q, want db, web and cache once each, in order", got)
		}
	}
}
