package slacknotify

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/fakeslack"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

// epoch is when every test's clock starts: a fixed wall-clock time in the
// local zone, the zone messages show times in, so that rendered times do
// not depend on the machine's zone.
var epoch = time.Date(2026, 3, 14, 9, 26, 53, 589e6, time.Local)

// rig is a handler wired to a fake Slack, with clocks the test drives.
type rig struct {
	t      *testing.T
	n      *handler
	slack  *fakeslack.Server
	clock  *clock.Fake
	retry  *clock.Fake
	log    *bytes.Buffer
	serial uint64
	config []*configError
}

// newRig returns a handler posting to a fake Slack by webhook, or by bot
// token when bot is set, with a 10-minute window and cfg applied last.
func newRig(t *testing.T, bot bool, cfg func(*config)) *rig {
	t.Helper()
	r := &rig{
		t:     t,
		slack: fakeslack.Start(t),
		clock: clock.NewFake(epoch),
		retry: clock.NewInstant(epoch),
		log:   &bytes.Buffer{},
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
		log:           log.New(r.log),
		clock:         r.clock,
		onConfigError: func(ce *configError) { r.config = append(r.config, ce) },
	}
	if cfg != nil {
		cfg(&c)
	}
	n, err := newHandler(c)
	if err != nil {
		t.Fatal(err)
	}
	r.n = n
	return r
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
	return r.n.HandleEvent(context.Background(), listener.Event{
		Header:  listener.Header{Ver: "3.0", Server: "supervisor", Serial: r.serial, Pool: "slack", EventName: ev.Type},
		Payload: ev.Payload,
	})
}

// must is send that fails the test on a rejected event.
func (r *rig) must(c testharness.ProcessStateChange) {
	r.t.Helper()
	if err := r.send(c); err != nil {
		r.t.Fatalf("%s %s: %v\nlog:\n%s", c.Process, c.To, err, r.log)
	}
}

// tick delivers a TICK_60 at the rig's current time.
func (r *rig) tick() error {
	r.serial++
	ev := testharness.NewTickEvent(listener.Tick60, r.clock.Now())
	return r.n.HandleEvent(context.Background(), listener.Event{
		Header:  listener.Header{Ver: "3.0", Server: "supervisor", Serial: r.serial, Pool: "slack", EventName: ev.Type},
		Payload: ev.Payload,
	})
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
