package slacknotify

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/golance/golance/internal/testkit/fakeslack"
	"github.com/golance/golance/plugins/internal/outbox"
)

// A delivery carries the message as it was rendered, byte for byte.
func TestDeliveryKeepsTheRenderedMessage(t *testing.T) {
	t.Parallel()
	m := alertMessage(scene{inc: sampleIncident(), host: "prod-app-1", now: epoch})
	m.Broadcast = true
	d, err := newDelivery(opReply, "a1", "web:web_01", m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := marshal(d) // as change.queue stores it
	if err != nil {
		t.Fatal(err)
	}
	var back delivery
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got, err := back.message()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := marshal(m)
	have, _ := marshal(got)
	if string(have) != string(want) || !got.Broadcast || back.Op != opReply || back.Alert != "a1" {
		t.Fatalf("stored and read back:\n%s\nwant\n%s", have, want)
	}
	if _, err := (delivery{Text: "x", Blocks: json.RawMessage(`[{"text":"no type"}]`)}).message(); err == nil {
		t.Error("a block without a type was read")
	}
}

// An alert Slack took, then delivered again (the listener was killed
// before the outbox marked it delivered), is not posted twice.
func TestAlertDeliveredAgainIsPostedOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, true, nil)
	inc := sampleIncident()
	inc.Alert = "alert-1"
	c := newChange(r.n.state, "ev", epoch, 0)
	if err := c.queue("alert", inc, opPost, alertMessage(scene{inc: inc, host: "h", now: epoch}), epoch); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r.n.sink.Deliver(context.Background(), c.items[0]); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.slack.Accepted(fakeslack.PostMessage)); n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
}

// What cannot be read is refused for good, so that the outbox sets it
// aside instead of holding every message behind it.
func TestUnreadableDeliveriesAreRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, false, nil)
	for _, payload := range []string{`{"op":`, `{"op":"post","text":"x","blocks":{}}`, `{"op":"shout","text":"x"}`} {
		err := r.n.sink.Deliver(context.Background(), outbox.Item{Key: "k", Sink: sinkName, Payload: []byte(payload)})
		if !errors.Is(err, errUnreadable) || !r.n.sink.Refuses(err) {
			t.Errorf("%s: err %v, want a refusal", payload, err)
		}
	}
	if n := len(r.slack.Requests("")); n != 0 {
		t.Errorf("%d requests for unreadable messages", n)
	}
}
