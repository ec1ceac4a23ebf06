package slacknotify

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/fakeslack"
	testkitrig "github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/outbox"
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

// withoutOutbox is --outbox none: each event's messages are posted
// before it is answered.
func withoutOutbox(c *config) { c.outbox.Dir = outbox.None }

// Without an outbox, a Retry-After beyond the budget is not waited for:
// the event is rejected at once, for supervisord to deliver again.
func TestWithoutOutboxRateLimitPastBudget(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, withoutOutbox)
	r.slack.FailNext(fakeslack.Webhook, fakeslack.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120"})
	if err := r.send(exited("w", 1)); err == nil {
		t.Fatal("event acknowledged without a post")
	}
	if w := r.retry.Waits(); len(w) != 0 {
		t.Errorf("waited %v past the budget", w)
	}
	if err := r.redeliver(); err != nil {
		t.Fatal(err)
	}
	if n := len(r.slack.Accepted(fakeslack.Webhook)); n != 1 {
		t.Fatalf("%d posts after the redelivery, want 1", n)
	}
}

// Without an outbox, Slack in trouble: the post is retried with backoff
// until the budget is spent, then the event is rejected and nothing is
// recorded, so that the redelivered event does all its work again.
func TestWithoutOutboxRetriesThenFail(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, withoutOutbox)
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
	if n := strings.Count(r.log.String(), "trying again for up to 30s"); n != 1 {
		t.Errorf("the retries are said %d times, want once:\n%s", n, r.log)
	}
	if !strings.Contains(r.log.String(), "rejected so that supervisord delivers it again") {
		t.Errorf("log lacks the rejection:\n%s", r.log)
	}
	if err := r.redeliver(); err == nil {
		t.Fatal("the redelivery was acknowledged while Slack still fails")
	}
	r.slack.Recover(fakeslack.PostMessage)
	if err := r.redeliver(); err != nil {
		t.Fatal(err)
	}
	// The same failure twice: said once, and once when it is over.
	if n, m := strings.Count(r.log.String(), "rejected so that supervisord delivers it again"), strings.Count(r.log.String(), "messages go to Slack again after 2 failures"); n != 1 || m != 1 {
		t.Errorf("%d rejection lines and %d recovery lines, want 1 and 1:\n%s", n, m, r.log)
	}
	r.must(exited("w", 2))
	if p, u := len(r.slack.Accepted(fakeslack.PostMessage)), len(r.slack.Accepted(fakeslack.Update)); p != 1 || u != 1 {
		t.Fatalf("%d posts and %d updates after recovery, want the alert once, then its update", p, u)
	}
	if u := r.slack.Accepted(fakeslack.Update)[0]; !shows(t, u.Blocks, "(×2)") {
		t.Errorf("the failed delivery was counted twice: %q", texts(t, u.Blocks))
	}
}

// While Slack fails, every event is answered at once and its messages
// wait in the outbox; once Slack is back they are posted once each, in
// order, and the edits and the reply queued before the alert was posted
// find it.
func TestSlackDownThenUpPostsEverythingOnceInOrder(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, nil)
	r.slack.FailAlways(fakeslack.PostMessage, fakeslack.Fault{Status: http.StatusServiceUnavailable})
	for i := 1; i <= 3; i++ {
		if err := r.send(backoff("api", i)); err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(time.Second)
	}
	if err := r.send(fatal("api")); err != nil {
		t.Fatal(err)
	}
	if p := r.n.ob.Pending()[sinkName]; p.Items != 5 {
		t.Fatalf("%d messages queued, want the alert, 3 edits and the FATAL reply", p.Items)
	}
	testkitrig.Eventually(t, "attempts", func() string { return strconv.Itoa(len(r.slack.Requests(fakeslack.PostMessage))) }, "^[3-9]|[1-9][0-9]+$")
	r.slack.Recover(fakeslack.PostMessage)
	posts, updates := r.accepted(fakeslack.PostMessage), r.slack.Accepted(fakeslack.Update)
	if len(posts) != 2 || len(updates) != 3 {
		t.Fatalf("%d posts and %d updates, want the alert and the FATAL reply, and 3 edits", len(posts), len(updates))
	}
	alert := posts[0]
	requireShows(t, alert, "🟠 api failed to start (BACKOFF)", "slack-notify · 2026-03-14 09:26:53,589")
	for i, u := range updates {
		if u.TS != alert.PostedTS {
			t.Errorf("edit %d of %s, want the alert %s", i, u.TS, alert.PostedTS)
		}
	}
	requireShows(t, updates[0], "(×2)")
	requireShows(t, updates[2], "🔴 api is FATAL: supervisord gave up starting it (×4)", "slack-notify · 2026-03-14 09:26:56,589")
	if posts[1].ThreadTS != alert.PostedTS {
		t.Errorf("FATAL reply %+v, want it in the alert's thread", posts[1])
	}
	// The outage is said once, and its end once.
	if n := strings.Count(r.log.String(), "undelivered"); n != 1 {
		t.Errorf("%d lines about the outage, want 1:\n%s", n, r.log)
	}
	testkitrig.Eventually(t, "the log", r.log.String, `is back: delivered 5 notification`)
}

// The handler never holds supervisord long, even when Slack never
// answers: with an outbox it answers at once, and a stop ends the
// background delivery within a second or so; without one, it answers
// within its budget.
func TestHangingSlack(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	r.slack.FailAlways(fakeslack.Webhook, fakeslack.Fault{Delay: time.Minute})
	if err := r.send(exited("w", 1)); err != nil {
		t.Fatal(err)
	}
	testkitrig.Eventually(t, "the post", func() string { return strconv.Itoa(r.n.ob.Pending()[sinkName].Items) }, "^1$")
	r.n.Stop()
	done := make(chan error, 1)
	go func() { done <- r.n.Shutdown(context.Background()) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Shutdown waited for Slack")
	}

	s := fakeslack.Start(t)
	s.FailAlways(fakeslack.Webhook, fakeslack.Fault{Delay: time.Minute})
	w, err := newWebhook(s.WebhookURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := newHandler(config{poster: w, retry: retry.Policy{MaxElapsed: 300 * time.Millisecond}, detailsTimeout: time.Millisecond, outbox: outbox.Config{Dir: outbox.None}})
	if err != nil {
		t.Fatal(err)
	}
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

// Slack refusing the configuration (a revoked webhook or token, an
// unknown channel). With an outbox the event is answered, the message
// stays queued, retried in the background, one line says what to fix, and
// once it is fixed the message is posted. Without one, the retries stop at
// once and the command is told, so that it can exit with the fix.
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
		e := fakeslack.Webhook
		if tc.bot {
			e = fakeslack.PostMessage
		}

		r := newRig(t, tc.bot, nil)
		r.slack.FailAlways(e, tc.fault)
		if err := r.send(exited("w", 1)); err != nil {
			t.Errorf("%+v: the event was rejected: %v", tc.fault, err)
		}
		testkitrig.Eventually(t, "attempts", func() string { return strconv.Itoa(len(r.slack.Requests(e))) }, "^[3-9]|[1-9][0-9]+$")
		if n := strings.Count(r.log.String(), tc.want); n != 1 {
			t.Errorf("%+v: the fix is said %d times, want once:\n%s", tc.fault, n, r.log)
		}
		if len(r.config) != 0 {
			t.Errorf("%+v: the command was told to stop: %v", tc.fault, r.config)
		}
		r.slack.Recover(e)
		if n := len(r.accepted(e)); n != 1 {
			t.Errorf("%+v: %d posts once fixed, want the alert", tc.fault, n)
		}

		r = newRig(t, tc.bot, withoutOutbox)
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
// rendering problem must not cost the alert. One rejected even as text is
// set aside with an outbox, said in one line, and the next message goes;
// without an outbox the command is told to stop.
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

		r.slack.FailNext(e, fault, fault)
		r.must(exited("x", 1))
		r.must(exited("y", 1))
		got = r.slack.Accepted(e)
		if len(got) != 2 || !strings.HasPrefix(got[1].Text, "y exited unexpectedly") || len(got[1].Blocks) == 0 {
			t.Fatalf("bot=%v: accepted %q, want y's alert after x's was set aside", bot, textsOf(got))
		}
		if !strings.Contains(r.log.String(), "alert for x at 2026-03-14 09:26:53,589: refused by Slack for good") {
			t.Errorf("bot=%v: the refusal is not said:\n%s", bot, r.log)
		}

		r = newRig(t, bot, withoutOutbox)
		r.slack.FailAlways(e, fault)
		var ce *configError
		if err := r.send(exited("x", 1)); !errors.As(err, &ce) || len(r.config) != 1 {
			t.Fatalf("bot=%v: err %v, want a configError for the command", bot, err)
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
	if err != nil || strings.Count(r.log.String(), "ignoring a malformed PROCESS_STATE_EXITED event (serial 0): token without a colon") != 1 {
		t.Fatalf("err %v, log %s", err, r.log)
	}
}

// An event supervisord delivers again (its listener died before
// answering, or another pool rejected it) changes nothing and posts
// nothing twice, in this run or the next.
func TestRedeliveredEventPostsNothingTwice(t *testing.T) {
	t.Parallel()
	var c config
	r := newRig(t, true, func(cfg *config) { c = *cfg })
	r.must(exited("api", 1))
	if err := r.redeliver(); err != nil {
		t.Fatal(err)
	}
	r.must(exited("api", 2))
	if err := r.redeliver(); err != nil {
		t.Fatal(err)
	}
	r.restart(c)
	if err := r.redeliver(); err != nil {
		t.Fatal(err)
	}
	r.drain()
	posts, updates := r.slack.Accepted(fakeslack.PostMessage), r.slack.Accepted(fakeslack.Update)
	if len(posts) != 1 || len(updates) != 1 {
		t.Fatalf("%d posts and %d updates, want the alert and one edit", len(posts), len(updates))
	}
	requireShows(t, updates[0], "(×2)")
	if inc := r.n.state.incidents["api"]; inc == nil || inc.Failures != 2 {
		t.Fatalf("incident %+v, want 2 failures", inc)
	}
}

// The incidents live in the outbox: a listener that restarts (kill -9
// included: nothing is written at shutdown) goes on with the same
// incident, window and count, and edits and threads into the same alert.
func TestIncidentsSurviveARestart(t *testing.T) {
	t.Parallel()
	for _, bot := range []bool{true, false} {
		var c config
		r := newRig(t, bot, func(cfg *config) { c = *cfg })
		r.must(backoff("api", 1))
		r.clock.Advance(time.Second)
		r.must(backoff("api", 2))
		r.restart(c)
		r.clock.Advance(time.Second)
		r.must(fatal("api"))
		r.clock.Advance(time.Minute)
		r.must(running("api", 9))
		if !bot {
			got := textsOf(r.slack.Accepted(fakeslack.Webhook))
			if len(got) != 3 || !strings.Contains(got[1], "is FATAL") || !strings.HasPrefix(got[2], "api is RUNNING again on prod-app-1 after 3 failures in 1m 2s") {
				t.Fatalf("webhook posts %q, want the alert, FATAL counting 3, and the recovery", got)
			}
			continue
		}
		posts, updates := r.slack.Accepted(fakeslack.PostMessage), r.slack.Accepted(fakeslack.Update)
		if len(posts) != 3 || len(updates) != 3 {
			t.Fatalf("%d posts and %d updates, want the alert, the FATAL and recovery replies, and 3 edits", len(posts), len(updates))
		}
		alert := posts[0]
		for _, p := range posts[1:] {
			if p.ThreadTS != alert.PostedTS {
				t.Errorf("reply %q not in the alert's thread", p.Text)
			}
		}
		for _, u := range updates {
			if u.TS != alert.PostedTS {
				t.Errorf("edit of %s, want the alert %s", u.TS, alert.PostedTS)
			}
		}
		requireShows(t, updates[1], "(×3)")
		requireShows(t, posts[2], "*Failures*\n3", "*Down for*\n1m 2s (since 2026-03-14 09:26:53,589)")
	}
}

// Messages queued while Slack is down wait across a restart: the next
// run posts the alert, and the edit it queues itself, before Slack took
// the alert, finds it.
func TestQueuedMessagesAndTheirAlertSurviveARestart(t *testing.T) {
	t.Parallel()
	var c config
	r := newRig(t, true, func(cfg *config) { c = *cfg })
	r.slack.FailAlways(fakeslack.PostMessage, fakeslack.Fault{Status: http.StatusInternalServerError})
	if err := r.send(exited("api", 1)); err != nil {
		t.Fatal(err)
	}
	testkitrig.Eventually(t, "attempts", func() string { return strconv.Itoa(len(r.slack.Requests(fakeslack.PostMessage))) }, "^[1-9]")
	r.restart(c)
	if err := r.send(exited("api", 2)); err != nil {
		t.Fatal(err)
	}
	r.slack.Recover(fakeslack.PostMessage)
	posts, updates := r.accepted(fakeslack.PostMessage), r.slack.Accepted(fakeslack.Update)
	if len(posts) != 1 || len(updates) != 1 || updates[0].TS != posts[0].PostedTS {
		t.Fatalf("posts %q, updates %+v: want the alert, then an edit of it", textsOf(posts), updates)
	}
	requireShows(t, posts[0], "slack-notify · 2026-03-14 09:26:53,589")
	requireShows(t, updates[0], "(×2)")
}

// An alert that never reached Slack (a bound dropped it) cannot be
// edited: the edit is posted as the alert instead, and later edits and
// replies go to that one. The summary says what was dropped.
func TestEditOfADroppedAlertPostsIt(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, func(c *config) { c.outbox.MaxItems = 3 })
	r.slack.FailAlways(fakeslack.PostMessage, fakeslack.Fault{Status: http.StatusInternalServerError})
	r.slack.FailAlways(fakeslack.Update, fakeslack.Fault{Status: http.StatusInternalServerError})
	// The alert is the one being tried: a bound never drops it. Another
	// process's alert is, for the edits behind it.
	if err := r.send(exited("db", 1)); err != nil {
		t.Fatal(err)
	}
	testkitrig.Eventually(t, "attempts", func() string { return strconv.Itoa(len(r.slack.Requests(fakeslack.PostMessage))) }, "^[1-9]")
	for i := 1; i <= 3; i++ {
		r.clock.Advance(time.Second)
		if err := r.send(exited("api", i)); err != nil {
			t.Fatal(err)
		}
	}
	r.slack.Recover(fakeslack.PostMessage)
	r.slack.Recover(fakeslack.Update)
	posts := r.accepted(fakeslack.PostMessage)
	got := textsOf(posts)
	if len(got) != 3 || !strings.HasPrefix(got[0], "db exited") || !strings.HasPrefix(got[1], "⚠️ 2 Slack messages dropped on prod-app-1: 2 notification(s) about alert for api at 2026-03-14 09:26:54,589; alert update for api at 2026-03-14 09:26:55,589 were dropped") || !strings.HasPrefix(got[2], "api exited unexpectedly") {
		t.Fatalf("posts %q, want db's alert, the summary, and api's last edit posted as its alert", got)
	}
	requireShows(t, posts[2], "(×3)")
	r.clock.Advance(time.Second)
	r.must(exited("api", 4))
	if u := r.slack.Accepted(fakeslack.Update); len(u) != 1 || u[0].TS != posts[2].PostedTS {
		t.Fatalf("edits %+v, want one, of the alert posted in place of the dropped one", u)
	}
	if !strings.Contains(r.log.String(), "the alert to edit never reached Slack, posting it now process=api") {
		t.Errorf("the fallback is not said:\n%s", r.log)
	}
}

// Once an incident is over and every message that names its alert had
// time to go, the place of the alert is forgotten.
func TestAlertPlacesAreForgotten(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, func(c *config) { c.window = time.Minute; c.outbox.MaxAge = time.Hour })
	r.must(exited("api", 1))
	alert := r.n.state.incidents["api"].Alert
	if _, ok := r.n.sink.ref(alert); !ok {
		t.Fatal("the alert's place is not kept")
	}
	r.clock.Advance(2 * time.Minute)
	r.must(running("api", 2)) // after the window: the incident closes
	if r.n.state.incidents["api"] != nil {
		t.Fatal("the incident is still open")
	}
	r.clock.Advance(time.Hour)
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.n.sink.ref(alert); !ok {
		t.Fatal("the alert's place is forgotten while messages queued for it could still wait")
	}
	r.clock.Advance(time.Hour)
	if err := r.tick(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.n.sink.ref(alert); ok {
		t.Fatal("the alert's place is never forgotten")
	}
	if len(r.n.state.forget) != 0 {
		t.Fatalf("forget list %+v, want it empty", r.n.state.forget)
	}
}
