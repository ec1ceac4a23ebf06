package slacknotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// sinkName is the name slack-notify's items carry (outbox.Item.Sink).
const sinkName = "slack"

// refName is the outbox state under which the sink keeps where an alert
// went in Slack.
func refName(alert string) string { return "ref/" + alert }

// errUnreadable means a queued delivery cannot be decoded: written by
// another version, or damaged. Retrying cannot help.
var errUnreadable = errors.New("queued Slack message cannot be read")

// sink delivers slack-notify's outbox items through a slackPoster, one
// operation each (see op). When Slack takes an alert, the sink keeps its
// channel and timestamp in the outbox's state under the alert's name, so
// that the edits and thread replies queued behind it, perhaps while Slack
// was down and before the alert was even posted, find it there, in this
// run or the next.
//
// Its errors are the poster's: a rate limit carries Slack's Retry-After,
// which the outbox's queue honours; a refused configuration (an invalid
// token, an unknown channel) holds the queue, so that every message is
// still there once it is fixed; a message Slack refuses even as plain
// text is refused for good (Refuses), set aside, and the queue goes on.
type sink struct {
	poster slackPoster
	target string
	host   string
	log    *slog.Logger
	ob     *outbox.Outbox // set once the outbox is open
}

// Deliver performs the delivery of it.
func (s *sink) Deliver(ctx context.Context, it outbox.Item) error {
	var d delivery
	if err := json.Unmarshal(it.Payload, &d); err != nil {
		return retry.Permanent(fmt.Errorf("%w: %v", errUnreadable, err))
	}
	m, err := d.message()
	if err != nil {
		return retry.Permanent(fmt.Errorf("%w: its blocks: %v", errUnreadable, err))
	}
	switch d.Op {
	case opPost:
		if _, ok := s.ref(d.Alert); ok {
			// Posted before the listener was killed, and not yet marked
			// delivered: posting again would be a second alert.
			return nil
		}
		return s.postAlert(ctx, d, m)
	case opUpdate:
		u, ok := s.poster.(slackUpdater)
		ref, known := s.ref(d.Alert)
		if !ok || !known {
			s.log.Warn("the alert to edit never reached Slack, posting it now", "process", d.Process)
			return s.postAlert(ctx, d, m)
		}
		err := s.withTextFallback(d.Process, m, func(m message) error { return u.Update(ctx, ref, m) })
		if errors.Is(err, errGone) {
			s.log.Warn("alert message gone, posting a new one", "process", d.Process)
			return s.postAlert(ctx, d, m)
		}
		return err
	case opReply:
		parent, _ := s.ref(d.Alert)
		return s.withTextFallback(d.Process, m, func(m message) error {
			_, err := s.poster.Post(ctx, m, parent)
			if errors.Is(err, errGone) && !parent.IsZero() {
				// The thread is gone: say it in the channel.
				_, err = s.poster.Post(ctx, m, msgRef{})
			}
			return err
		})
	}
	return retry.Permanent(fmt.Errorf("%w: unknown operation %q", errUnreadable, d.Op))
}

// postAlert posts m in the channel and, for an alert, keeps where it
// went.
func (s *sink) postAlert(ctx context.Context, d delivery, m message) error {
	var ref msgRef
	err := s.withTextFallback(d.Process, m, func(m message) error {
		var err error
		ref, err = s.poster.Post(ctx, m, msgRef{})
		return err
	})
	if err != nil || d.Alert == "" || ref.IsZero() {
		return err
	}
	// SaveState only fails to encode; a store that cannot be written
	// keeps the ref in memory and says so itself.
	return s.ob.SaveState(refName(d.Alert), ref)
}

// ref returns where the alert went, if Slack took it.
func (s *sink) ref(alert string) (msgRef, bool) {
	if alert == "" {
		return msgRef{}, false
	}
	var r msgRef
	ok, err := s.ob.LoadState(refName(alert), &r)
	return r, ok && err == nil && !r.IsZero()
}

// withTextFallback calls send with m, and with m's plain text alone if
// Slack rejects m itself, so that a rendering problem costs the
// formatting and not the alert.
func (s *sink) withTextFallback(process string, m message, send func(message) error) error {
	err := send(m)
	if !errors.Is(err, errRejected) || len(m.Blocks) == 0 {
		return err
	}
	s.log.Warn("Slack rejected the message, sending its text alone", "process", process, "err", err)
	return send(message{Text: m.Text, Broadcast: m.Broadcast})
}

// Refuses reports whether err refuses this very message, which the
// outbox then sets aside: Slack rejected it even as plain text, or it
// cannot be read. Everything else holds the queue: Slack in trouble or
// rate limiting, and a configuration Slack refuses, which the operator
// fixes and restarts the listener for.
func (s *sink) Refuses(err error) bool {
	return errors.Is(err, errRejected) || errors.Is(err, errUnreadable)
}

// Summary is the message that takes the place of dropped ones.
func (s *sink) Summary(d outbox.Dropped) ([]byte, string, error) {
	dl, err := newDelivery(opPost, "", "", droppedMessage(d, s.host))
	if err != nil {
		return nil, "", err
	}
	b, err := marshal(dl)
	return b, d.Subject(), err
}

// String names the destination in log lines.
func (s *sink) String() string { return s.target }
