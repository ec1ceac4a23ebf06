package slacknotify

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/fakeslack"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/golance/golance/testharness"
)

func TestWebhookAlert(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	r.must(testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 4242})
	posts := r.slack.Accepted(fakeslack.Webhook)
	if len(posts) != 1 {
		t.Fatalf("%d webhook posts, want 1", len(posts))
	}
	p := posts[0]
	if want := "web:web_01 exited unexpectedly on prod-app-1 (RUNNING → EXITED)"; p.Text != want {
		t.Errorf("fallback text %q, want %q", p.Text, want)
	}
	requireShows(t, p, "🔴 web:web_01 exited unexpectedly", "*Host*\nprod-app-1", "*Process*\n`web:web_01`",
		"*Transition*\nRUNNING → EXITED", "*PID*\n4242", "slack-notify · 2026-03-14 09:26:53,589")
	if shows(t, p.Blocks, "Supervisor") {
		t.Error("the default identifier \"supervisor\" is shown")
	}
}

// Only the configured transitions alert: by default an unexpected EXITED,
// BACKOFF and FATAL, never an expected exit or a stop.
func TestWhatAlerts(t *testing.T) {
	t.Parallel()
	quiet := []testharness.ProcessStateChange{
		{Process: "a", From: listener.StateRunning, To: listener.StateExited, Expected: true, PID: 1},
		{Process: "b", From: listener.StateStopping, To: listener.StateStopped, PID: 1},
		{Process: "c", From: listener.StateRunning, To: listener.StateStopping, PID: 1},
		{Process: "d", From: listener.StateStopped, To: listener.StateStarting, Tries: 0},
		running("e", 2),
	}
	r := newRig(t, false, nil)
	for _, c := range quiet {
		r.must(c)
	}
	if n := len(r.slack.Requests("")); n != 0 {
		t.Fatalf("%d posts for transitions that should not alert", n)
	}
	for _, c := range []testharness.ProcessStateChange{exited("b", 1), backoff("c", 1), fatal("d")} {
		r.must(c)
	}
	if n := len(r.slack.Accepted(fakeslack.Webhook)); n != 3 {
		t.Fatalf("%d posts, want one each for EXITED, BACKOFF and FATAL", n)
	}

	// --alert-on STOPPED --expected-exits
	r = newRig(t, false, func(c *config) {
		c.alertOn = []listener.State{listener.StateStopped, listener.StateExited}
		c.expectedExits = true
	})
	for _, c := range quiet {
		r.must(c)
	}
	r.must(backoff("c", 1))
	posts := r.slack.Accepted(fakeslack.Webhook)
	if len(posts) != 2 || !strings.HasPrefix(posts[0].Text, "a exited on") || !strings.HasPrefix(posts[1].Text, "b was stopped on") {
		t.Fatalf("want the expected exit and the stop to alert, not BACKOFF; got %v", textsOf(posts))
	}
}

func textsOf(reqs []fakeslack.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Text)
	}
	return out
}

// Selection goes through the shared matcher: -p with group:*, numprocs
// names, --exclude, and never the listener itself.
func TestSelection(t *testing.T) {
	t.Parallel()
	sel, err := selection.New(selection.Spec{Programs: []string{"web", "jobs:*"}, Exclude: []string{"web:web_02"},
		Policy: selection.SelfNever, Self: selection.Self{Group: "jobs", Name: "slack-notify"}})
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, false, func(c *config) { c.selector = sel })
	for _, c := range []testharness.ProcessStateChange{
		{Process: "web_01", Group: "web"},        // numprocs member of "web": yes
		{Process: "web_02", Group: "web"},        // excluded
		{Process: "cron", Group: "jobs"},         // jobs:*: yes
		{Process: "slack-notify", Group: "jobs"}, // itself
		{Process: "db", Group: "db"},             // not selected
	} {
		c.From, c.To, c.PID = listener.StateRunning, listener.StateExited, 7
		r.must(c)
	}
	got := textsOf(r.slack.Accepted(fakeslack.Webhook))
	if len(got) != 2 || !strings.HasPrefix(got[0], "web:web_01 ") || !strings.HasPrefix(got[1], "jobs:cron ") {
		t.Fatalf("posts %q, want web:web_01 and jobs:cron only", got)
	}
}

// With a webhook, a crash loop inside the window is one alert, an
// immediate post for the escalation to FATAL, and a summary with the count
// when a tick finds the window closed.
func TestWebhookNoiseControl(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	r.must(exited("worker", 100))
	for i := 1; i <= 5; i++ {
		r.clock.Advance(10 * time.Second)
		r.must(backoff("worker", i))
		if err := r.tick(); err != nil {
			t.Fatal(err)
		}
	}
	if got := textsOf(r.slack.Accepted(fakeslack.Webhook)); len(got) != 1 {
		t.Fatalf("%d posts for one crash loop in the window, want 1: %q", len(got), got)
	}
	r.clock.Advance(10 * time.Second)
	r.must(fatal("worker"))
	posts := r.slack.Accepted(fakeslack.Webhook)
	if len(posts) != 2 {
		t.Fatalf("the escalation to FATAL was not posted at once: %q", textsOf(posts))
	}
	requireShows(t, posts[1], "🔴 worker is FATAL: supervisord gave up starting it (×7)", "*Failures*\n7 since 2026-03-14 09:26:53,589")

	// Another failure after FATAL (someone started it by hand) is counted,
	// not posted, until the window closes.
	r.clock.Advance(time.Minute)
	r.must(exited("worker", 101))
	if n := len(r.slack.Accepted(fakeslack.Webhook)); n != 2 {
		t.Fatalf("%d posts, want the repeat folded", n)
	}
	r.clock.Advance(10 * time.Minute)
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	posts = r.slack.Accepted(fakeslack.Webhook)
	if len(posts) != 3 {
		t.Fatalf("no summary when the window closed: %q", textsOf(posts))
	}
	if want := "worker failed 1 more time on prod-app-1 since 2026-03-14 09:27:53,589; latest: RUNNING → EXITED; now not running (EXITED)"; posts[2].Text != want {
		t.Errorf("summary text\n got %q\nwant %q", posts[2].Text, want)
	}
	requireShows(t, posts[2], "🔁 worker failed 1 more time", "*Failures*\n1 since 2026-03-14 09:27:53,589 (8 in all since 2026-03-14 09:26:53,589)")
	// A tick with nothing new posts nothing.
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	// The process is still failing: a failure now is a fresh alert that
	// counts the whole incident.
	r.clock.Advance(time.Minute)
	r.must(exited("worker", 102))
	posts = r.slack.Accepted(fakeslack.Webhook)
	if len(posts) != 4 || !shows(t, posts[3].Blocks, "(×9)") {
		t.Fatalf("want a fresh alert counting 9 failures, got %q", textsOf(posts))
	}
	r.clock.Advance(time.Minute)
	r.must(running("worker", 103))
	posts = r.slack.Accepted(fakeslack.Webhook)
	if len(posts) != 5 {
		t.Fatalf("no recovery: %q", textsOf(posts))
	}
	if want := "worker is RUNNING again on prod-app-1 after 9 failures in 14m 0s"; posts[4].Text != want {
		t.Errorf("recovery text\n got %q\nwant %q", posts[4].Text, want)
	}
	requireShows(t, posts[4], "✅ worker is RUNNING again", "*Down for*\n14m 0s (since 2026-03-14 09:26:53,589)", "*Failures*\n9", "*PID*\n103")
}

// A process that flaps (fails, runs, fails, runs) in the window gets one
// alert and one recovery; the rest is summarised when the window closes.
func TestWebhookFlapping(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	for i := range 4 {
		r.must(exited("flappy", 10+i))
		r.clock.Advance(20 * time.Second)
		r.must(running("flappy", 20+i))
		r.clock.Advance(20 * time.Second)
	}
	got := textsOf(r.slack.Accepted(fakeslack.Webhook))
	if len(got) != 2 || !strings.Contains(got[0], "exited unexpectedly") || !strings.Contains(got[1], "is RUNNING again") {
		t.Fatalf("posts in the window %q, want one alert and one recovery", got)
	}
	r.clock.Advance(10 * time.Minute)
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	got = textsOf(r.slack.Accepted(fakeslack.Webhook))
	if len(got) != 3 || !strings.HasPrefix(got[2], "flappy failed 3 more times") || !strings.Contains(got[2], "now RUNNING again since") {
		t.Fatalf("posts %q, want a summary of 3 more failures, now running", got)
	}
	// The recovered incident is closed: a new failure is a new incident.
	r.must(exited("flappy", 99))
	got = textsOf(r.slack.Accepted(fakeslack.Webhook))
	if len(got) != 4 || strings.Contains(got[3], "×") {
		t.Fatalf("posts %q, want a new incident's first alert", got)
	}
}

// Without ticks, nothing is lost: the summary comes with the next event
// about the process.
func TestWebhookSummaryWithoutTicks(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	r.must(exited("w", 1))
	r.must(running("w", 2))
	r.must(exited("w", 3))
	r.must(running("w", 4))
	r.clock.Advance(11 * time.Minute)
	r.must(exited("w", 5))
	got := textsOf(r.slack.Accepted(fakeslack.Webhook))
	if len(got) != 4 || !strings.HasPrefix(got[2], "w failed 1 more time") || !strings.Contains(got[3], "exited unexpectedly") {
		t.Fatalf("posts %q: want alert, recovery, summary of the folded failure, new alert", got)
	}
}

// Window 0 posts every failure and every recovery.
func TestNoWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, func(c *config) { c.window = 0 })
	for i := range 3 {
		r.must(exited("w", i))
		r.must(running("w", i))
	}
	if n := len(r.slack.Accepted(fakeslack.Webhook)); n != 6 {
		t.Fatalf("%d posts, want 6", n)
	}
}

func TestNoRecovery(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, func(c *config) { c.noRecovery = true })
	r.must(exited("w", 1))
	r.must(running("w", 2))
	r.clock.Advance(11 * time.Minute)
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	r.must(exited("w", 3))
	got := textsOf(r.slack.Accepted(fakeslack.Webhook))
	if len(got) != 2 || strings.Contains(got[1], "×") {
		t.Fatalf("posts %q: want two first alerts and no recovery", got)
	}
}

// With a bot token the alert is one message edited in place; the recovery
// is a thread reply, and the escalation to FATAL a reply also broadcast
// to the channel.
func TestBotThreadsAndUpdates(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, nil)
	r.must(backoff("api", 1))
	r.clock.Advance(time.Second)
	r.must(backoff("api", 2))
	r.clock.Advance(2 * time.Second)
	r.must(backoff("api", 3))
	r.clock.Advance(3 * time.Second)
	r.must(fatal("api"))

	posts := r.slack.Accepted(fakeslack.PostMessage)
	updates := r.slack.Accepted(fakeslack.Update)
	if len(posts) != 2 || len(updates) != 3 {
		t.Fatalf("%d posts and %d updates, want 2 (alert, FATAL reply) and 3", len(posts), len(updates))
	}
	alert := posts[0]
	if alert.Channel != "#ops" || alert.ThreadTS != "" || alert.Token != fakeslack.Token {
		t.Errorf("alert %+v", alert)
	}
	requireShows(t, alert, "🟠 api failed to start (BACKOFF)")
	for i, u := range updates {
		if u.TS != alert.PostedTS || u.Channel != alert.Channel {
			t.Errorf("update %d edits %s in %s, want the alert %s", i, u.TS, u.Channel, alert.PostedTS)
		}
	}
	requireShows(t, updates[1], "🟠 api failed to start (BACKOFF) (×3)", "*Failures*\n3 since 2026-03-14 09:26:53,589")
	requireShows(t, updates[2], "🔴 api is FATAL: supervisord gave up starting it (×4)")
	reply := posts[1]
	if reply.ThreadTS != alert.PostedTS || !strings.Contains(string(reply.Body), "reply_broadcast=true") {
		t.Errorf("FATAL reply %+v, want a broadcast reply to the alert", reply)
	}

	r.clock.Advance(time.Minute)
	r.must(running("api", 77))
	posts = r.slack.Accepted(fakeslack.PostMessage)
	updates = r.slack.Accepted(fakeslack.Update)
	if len(posts) != 3 || len(updates) != 4 {
		t.Fatalf("after recovery %d posts and %d updates, want 3 and 4", len(posts), len(updates))
	}
	requireShows(t, updates[3], "✅ api recovered", "*Recovered*\n2026-03-14 09:27:59,589")
	rec := posts[2]
	if rec.ThreadTS != alert.PostedTS || strings.Contains(string(rec.Body), "reply_broadcast") {
		t.Errorf("recovery %+v, want a plain reply in the alert's thread", rec)
	}
	requireShows(t, rec, "✅ api is RUNNING again", "*Failures*\n4")

	// Flapping after the recovery edits the alert and posts nothing.
	r.must(exited("api", 77))
	r.must(running("api", 78))
	if n := len(r.slack.Accepted(fakeslack.PostMessage)); n != 3 {
		t.Fatalf("%d posts, want the flap folded into the alert", n)
	}
	// A tick after the window posts nothing for a bot (the alert shows the
	// count) and closes the incident.
	r.clock.Advance(10 * time.Minute)
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	r.must(exited("api", 78))
	posts = r.slack.Accepted(fakeslack.PostMessage)
	if len(posts) != 4 || posts[3].ThreadTS != "" || shows(t, posts[3].Blocks, "×") {
		t.Fatalf("want a new incident's alert, got %q", textsOf(posts))
	}
}

// If someone deletes the alert, the next update fails with
// message_not_found and a new alert takes its place.
func TestBotAlertDeleted(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, nil)
	r.must(exited("api", 1))
	first := r.slack.Accepted(fakeslack.PostMessage)[0]
	r.slack.Delete(first.PostedTS)
	r.must(exited("api", 2))
	posts := r.slack.Accepted(fakeslack.PostMessage)
	if len(posts) != 2 || !shows(t, posts[1].Blocks, "(×2)") {
		t.Fatalf("posts %q, want a replacement alert counting 2", textsOf(posts))
	}
	r.must(exited("api", 3))
	updates := r.slack.Accepted(fakeslack.Update)
	if len(updates) != 1 || updates[0].TS != posts[1].PostedTS {
		t.Fatalf("updates %+v, want the replacement edited", updates)
	}
}

// HTTP 429 with Retry-After makes the post wait exactly that long, for
// webhooks and the Web API alike.
func TestRateLimitRetryAfter(t *testing.T) {
	t.Parallel()
	for _, bot := range []bool{false, true} {
		r := newRig(t, bot, nil)
		e := fakeslack.Webhook
		if bot {
			e = fakeslack.PostMessage
		}
		r.slack.FailNext(e, fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"}, fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3"})
		r.must(exited("w", 1))
		if got := r.retry.Waits(); len(got) != 2 || got[0] != 7*time.Second || got[1] != 3*time.Second {
			t.Errorf("bot=%v: waits %v, want [7s 3s] from Retry-After", bot, got)
		}
		if reqs := r.slack.Requests(e); len(reqs) != 3 || !reqs[2].OK() {
			t.Errorf("bot=%v: %d requests, want 2 refused then 1 accepted", bot, len(reqs))
		}
	}
}

// A Retry-After beyond the budget is not waited for: the event is
// rejected at once, for supervisord to deliver again.
func TestRateLimitPastBudget(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	r.slack.FailNext(fakeslack.Webhook, fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120"})
	if err := r.send(exited("w", 1)); err == nil {
		t.Fatal("event acknowledged without a post")
	}
	if w := r.retry.Waits(); len(w) != 0 {
		t.Errorf("waited %v past the budget", w)
	}
	r.must(exited("w", 1)) // the redelivery
	if n := len(r.slack.Accepted(fakeslack.Webhook)); n != 1 {
		t.Fatalf("%d posts after the redelivery, want 1", n)
	}
}

// Slack in trouble: the post is retried with backoff until the budget is
// spent, then the event is rejected and nothing is recorded, so that the
// redelivered event does all its work again.
func TestRetriesThenFail(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, nil)
	r.slack.FailAlways(fakeslack.PostMessage, fakeslack.Fault{Status: http.StatusServiceUnavailable})
	err := r.send(exited("w", 1))
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts < 4 {
		t.Fatalf("err %v, want a retry.Error after several attempts", err)
	}
	waits := r.retry.Waits()
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] && waits[i] < 5*time.Second {
			t.Errorf("waits %v do not back off", waits)
		}
	}
	var total time.Duration
	for _, w := range waits {
		total += w
	}
	if total > 30*time.Second {
		t.Errorf("waited %s, past the 30s budget", total)
	}
	if !strings.Contains(r.log.String(), "Slack post failed, retrying") || !strings.Contains(r.log.String(), "rejected so that supervisord delivers it again") {
		t.Errorf("log lacks the retries and the rejection:\n%s", r.log)
	}
	r.slack.Recover(fakeslack.PostMessage)
	r.must(exited("w", 1))
	r.must(exited("w", 2))
	if p, u := len(r.slack.Accepted(fakeslack.PostMessage)), len(r.slack.Accepted(fakeslack.Update)); p != 1 || u != 1 {
		t.Fatalf("%d posts and %d updates after recovery, want the alert once, then its update", p, u)
	}
	if u := r.slack.Accepted(fakeslack.Update)[0]; !shows(t, u.Blocks, "(×2)") {
		t.Errorf("the failed delivery was counted twice: %q", texts(t, u.Blocks))
	}
}

// The handler never holds supervisord longer than its budget, even when
// Slack never answers.
func TestBudgetBoundsAHangingSlack(t *testing.T) {
	t.Parallel()
	s := fakeslack.Start(t)
	s.FailAlways(fakeslack.Webhook, fakeslack.Fault{Delay: time.Minute})
	w, err := newWebhook(s.WebhookURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := newHandler(config{poster: w, retry: retry.Policy{MaxElapsed: 300 * time.Millisecond}, detailsTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	ev := exited("w", 1).Event()
	go func() {
		done <- n.HandleEvent(context.Background(), listener.Event{Header: listener.Header{EventName: ev.Type}, Payload: ev.Payload})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("acknowledged without a post")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the handler outlived its budget")
	}
}

// Slack refusing the configuration stops the retries at once and is
// reported, so that the command can exit with the fix.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bot   bool
		fault fakeslack.Fault
		want  string
	}{
		{false, fakeslack.Fault{Status: http.StatusNotFound, Error: "no_service"}, "Slack refused the configuration (404 no_service): the webhook URL is wrong or was revoked"},
		{false, fakeslack.Fault{Status: http.StatusForbidden, Error: "invalid_token"}, "(403 invalid_token): the webhook URL is wrong or was revoked"},
		{false, fakeslack.Fault{Status: http.StatusGone, Error: "channel_is_archived"}, "(410 channel_is_archived): the webhook's channel is archived"},
		{true, fakeslack.Fault{Error: "invalid_auth"}, "(invalid_auth): the bot token is not valid: set SLACK_TOKEN"},
		{true, fakeslack.Fault{Error: "channel_not_found"}, `(channel_not_found): channel "#ops" does not exist`},
		{true, fakeslack.Fault{Error: "not_in_channel"}, `(not_in_channel): the bot is not a member of "#ops": invite it`},
		{true, fakeslack.Fault{Error: "missing_scope"}, "(missing_scope): the token cannot post messages: give the Slack app the chat:write scope"},
	} {
		r := newRig(t, tc.bot, nil)
		e := fakeslack.Webhook
		if tc.bot {
			e = fakeslack.PostMessage
		}
		r.slack.FailAlways(e, tc.fault)
		err := r.send(exited("w", 1))
		var ce *configError
		if !errors.As(err, &ce) || !strings.Contains(ce.Error(), tc.want) {
			t.Errorf("%+v: err %v, want a configError %q", tc.fault, err, tc.want)
		}
		if n := len(r.slack.Requests(e)); n != 1 {
			t.Errorf("%+v: %d attempts, want 1", tc.fault, n)
		}
		if len(r.config) != 1 || r.config[0] != ce {
			t.Errorf("%+v: OnConfigError got %v", tc.fault, r.config)
		}
	}
}

// A message Slack rejects for its content is sent again as plain text: a
// rendering problem must not cost the alert.
func TestRejectedBlocksFallBackToText(t *testing.T) {
	t.Parallel()
	for _, bot := range []bool{false, true} {
		r := newRig(t, bot, nil)
		e, fault := fakeslack.Webhook, fakeslack.Fault{Status: http.StatusBadRequest, Error: "invalid_payload"}
		if bot {
			e, fault = fakeslack.PostMessage, fakeslack.Fault{Error: "invalid_blocks"}
		}
		r.slack.FailNext(e, fault)
		r.must(exited("w", 1))
		got := r.slack.Accepted(e)
		if len(got) != 1 || len(got[0].Blocks) != 0 || !strings.HasPrefix(got[0].Text, "w exited unexpectedly") {
			t.Fatalf("bot=%v: accepted %+v, want the text alone", bot, got)
		}
		// Rejected even as text: the destination is wrong; stop.
		r.slack.FailAlways(e, fault)
		var ce *configError
		if err := r.send(exited("x", 1)); !errors.As(err, &ce) {
			t.Fatalf("bot=%v: err %v, want a configError", bot, err)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []config{
		{},
		{poster: &dryRun{}, alertOn: []listener.State{listener.StateRunning}},
		{poster: &dryRun{}, window: -1},
		{poster: &dryRun{}, logLines: -1},
	} {
		if _, err := newHandler(c); !errors.Is(err, errBadConfig) {
			t.Errorf("New(%+v) = %v, want errBadConfig", c, err)
		}
	}
}

// A malformed payload can never be handled; rejecting it would only make
// supervisord deliver it forever.
func TestMalformedEventIsAcknowledged(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	err := r.n.HandleEvent(context.Background(), listener.Event{Header: listener.Header{EventName: listener.ProcessStateExited}, Payload: "garbage"})
	if err != nil || !strings.Contains(r.log.String(), "ignoring malformed event") {
		t.Fatalf("err %v, log %s", err, r.log)
	}
}
