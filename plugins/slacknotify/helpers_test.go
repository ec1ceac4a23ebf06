package slacknotify

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/fakeslack"
	testkitrig "github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

// epoch is when every test's clock starts: a fixed wall-clock time in the
// local zone, the zone messages show times in, so that rendered times do
// not depend on the machine's zone.
var epoch = time.Date(2026, 3, 14, 9, 26, 53, 589e6, time.Local)

// rig is a handler wired to a fake Slack, with clocks the test drives:
// clock is the time of failures and windows, retry the instant clock the
// outbox's backoff waits on.
type rig struct {
	t      *testing.T
	n      *handler
	slack  *fakeslack.Server
	clock  *clock.Fake
	retry  *clock.Fake
	log    *testkitrig.Buffer
	serial uint64
	last   listener.Event
	config []*configError
	dir    string // the outbox's, or outbox.None
}

// fastRetry is the outbox's backoff in tests: 5ms, 10ms, then 20ms.
var fastRetry = retry.Policy{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, Jitter: retry.NoJitter}

// newRig returns a handler posting to a fake Slack by webhook, or by bot
// token when bot is set, with a 10-minute window, through an outbox in a
// directory of the test's own, and cfg applied last (set outbox.Dir to
// outbox.None to post before answering).
func newRig(t *testing.T, bot bool, cfg func(*config)) *rig {
	t.Helper()
	r := &rig{
		t:     t,
		slack: fakeslack.Start(t),
		clock: clock.NewFake(epoch),
		retry: clock.NewInstant(epoch),
		log:   &testkitrig.Buffer{},
	}
	var poster slackPoster
	if bot {
		poster = newBot(fakeslack.Token, "#ops", r.slack.APIURL(), nil)
	} else {
		var err error
		if poster, err = newWebhook(r.slack.WebhookURL(), nil); err != nil {
			t.Fatal(err)
		}
	}
	c := config{
		poster:        poster,
		window:        10 * time.Minute,
		host:          "prod-app-1",
		retry:         retry.Policy{MaxElapsed: 30 * time.Second, Clock: r.retry},
		outbox:        outbox.Config{Dir: t.TempDir(), Retry: fastRetry, Clock: r.retry},
		log:           log.New(r.log),
		clock:         r.clock,
		onConfigError: func(ce *configError) { r.config = append(r.config, ce) },
	}
	if cfg != nil {
		cfg(&c)
	}
	r.dir = c.outbox.Dir
	r.start(c)
	return r
}

// start runs a handler for c, shut down when the test ends.
func (r *rig) start(c config) {
	r.t.Helper()
	n, err := newHandler(c)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { n.Shutdown(context.Background()) })
	r.n = n
}

// restart shuts the handler down and starts another on the same outbox,
// as supervisord does with a listener that exited.
func (r *rig) restart(c config) {
	r.t.Helper()
	if err := r.n.Shutdown(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.start(c)
}

// drain waits until the outbox has delivered or set aside every message.
func (r *rig) drain() {
	r.t.Helper()
	testkitrig.Eventually(r.t, "the outbox to be empty", func() string {
		return strconv.Itoa(r.n.ob.Pending()[sinkName].Items)
	}, "^0$")
}

// accepted drains the outbox and returns the requests Slack accepted for
// endpoint.
func (r *rig) accepted(e fakeslack.Endpoint) []fakeslack.Request {
	r.t.Helper()
	r.drain()
	return r.slack.Accepted(e)
}

// send delivers a PROCESS_STATE event for c and returns the handler's
// verdict.
func (r *rig) send(c testharness.ProcessStateChange) error {
	r.t.Helper()
	if c.Group == "" {
		c.Group = c.Process
	}
	r.serial++
	ev := c.Event()
	r.last = listener.Event{
		Header:  listener.Header{Ver: "3.0", Server: "supervisor", Serial: r.serial, Pool: "slack", EventName: ev.Type},
		Payload: ev.Payload,
	}
	return r.n.HandleEvent(context.Background(), r.last)
}

// redeliver delivers the last event sent again, as supervisord does with
// an event that was rejected or whose listener died before answering.
func (r *rig) redeliver() error {
	r.t.Helper()
	return r.n.HandleEvent(context.Background(), r.last)
}

// must is send that fails the test on a rejected event, and then waits
// until what the event queued is delivered.
func (r *rig) must(c testharness.ProcessStateChange) {
	r.t.Helper()
	if err := r.send(c); err != nil {
		r.t.Fatalf("%s %s: %v\nlog:\n%s", c.Process, c.To, err, r.log)
	}
	r.drain()
}

// tick delivers a TICK_60 at the rig's current time and waits until
// what it queued is delivered.
func (r *rig) tick() error {
	r.serial++
	ev := testharness.NewTickEvent(listener.Tick60, r.clock.Now())
	err := r.n.HandleEvent(context.Background(), listener.Event{
		Header:  listener.Header{Ver: "3.0", Server: "supervisor", Serial: r.serial, Pool: "slack", EventName: ev.Type},
		Payload: ev.Payload,
	})
	r.drain()
	return err
}

// The transitions the tests use.
func exited(name string, pid int) testharness.ProcessStateChange {
	return testharness.ProcessStateChange{Process: name, From: listener.StateRunning, To: listener.StateExited, PID: pid}
}

func running(name string, pid int) testharness.ProcessStateChange {
	return testharness.ProcessStateChange{Process: name, From: listener.StateStarting, To: listener.StateRunning, PID: pid}
}

func backoff(name string, tries int) testharness.ProcessStateChange {
	return testharness.ProcessStateChange{Process: name, From: listener.StateStarting, To: listener.StateBackoff, Tries: tries}
}

func fatal(name string) testharness.ProcessStateChange {
	return testharness.ProcessStateChange{Process: name, From: listener.StateBackoff, To: listener.StateFatal}
}

// texts returns every "text" string in a Block Kit JSON document, in
// order, so that tests can look for content wherever it sits.
func texts(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(blocks, &v); err != nil {
		t.Fatalf("blocks are not JSON: %v\n%s", err, blocks)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				out = append(out, s)
			}
			for _, k := range []string{"text", "fields", "elements"} {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// shows reports whether the blocks contain want in some text.
func shows(t *testing.T, blocks json.RawMessage, want string) bool {
	for _, s := range texts(t, blocks) {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// requireShows fails the test unless the request's blocks show every want.
func requireShows(t *testing.T, req fakeslack.Request, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !shows(t, req.Blocks, want) {
			t.Errorf("%s message lacks %q:\n%s", req.Endpoint, want, strings.Join(texts(t, req.Blocks), "\n"))
		}
	}
}
