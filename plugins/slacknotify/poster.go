package slacknotify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// A message is one Slack message: Block Kit blocks for the Slack clients,
// and plain text that Slack shows in notifications, in clients that cannot
// render blocks, and to screen readers.
type message struct {
	Text   string
	Blocks []slack.Block
	// Broadcast makes a thread reply also appear in the channel
	// (reply_broadcast); slack-notify sets it for escalations to FATAL.
	Broadcast bool
}

// MarshalJSON renders the message as Slack takes it, {"text": ...,
// "blocks": [...]}: the body of an incoming-webhook post, and what
// --dry-run prints.
func (m message) MarshalJSON() ([]byte, error) {
	return marshal(struct {
		Text   string        `json:"text"`
		Blocks []slack.Block `json:"blocks,omitempty"`
	}{m.Text, m.Blocks})
}

// marshal is json.Marshal without the escaping of <, > and & meant for
// HTML, which only makes log lines and process names harder to read.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func webhookBody(m message) *slack.WebhookMessage {
	w := &slack.WebhookMessage{Text: m.Text}
	if len(m.Blocks) > 0 {
		w.Blocks = &slack.Blocks{BlockSet: m.Blocks}
	}
	return w
}

// A msgRef identifies a posted message, so that it can be updated and
// replied to. Incoming webhooks do not say where their message went, so a
// msgRef from a webhook post is zero.
type msgRef struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// IsZero reports whether r identifies no message.
func (r msgRef) IsZero() bool { return r.TS == "" }

// A slackPoster delivers messages to Slack.
//
// Errors must be marked for plugins/internal/retry: retry.RetryAfter for a
// rate limit, retry.Permanent (usually wrapping a *configError,
// errRejected or errGone) for what retrying cannot fix. Anything else is
// retried.
type slackPoster interface {
	// Post sends m as a new message, or as a reply in the thread of
	// parent when parent is not zero, and returns where it went.
	Post(ctx context.Context, m message, parent msgRef) (msgRef, error)
}

// A slackUpdater is a slackPoster that can also replace a message it posted, as
// the Web API's chat.update does. Incoming webhooks cannot.
type slackUpdater interface {
	slackPoster
	Update(ctx context.Context, ref msgRef, m message) error
}

// threads reports whether p's alerts can be edited in place and replied
// to: a bot token's, and a dry run's that plays one.
func threads(p slackPoster) bool {
	if d, ok := p.(*dryRun); ok {
		return d.Threaded
	}
	_, ok := p.(slackUpdater)
	return ok
}

// errRejected means Slack refused a message itself (its blocks, its
// length), not the configuration: slack-notify then sends the message's
// plain text alone.
//
//lint:ignore ST1005 Slack is a name, and the text ends up in log lines read as sentences
var errRejected = errors.New("Slack rejected the message")

// errGone means the message to update no longer exists or can no longer be
// edited (someone deleted it): slack-notify then posts a new one.
var errGone = errors.New("the Slack message to update is gone")

// A configError is Slack refusing the configuration rather than one
// message: an invalid or revoked token or webhook, a channel the bot cannot
// post to, a missing scope. Retrying alone cannot help: with the outbox the
// messages wait, and one line says how to fix it; without, slack-notify
// stops with that line, and supervisord keeps the event for the
// listener's next start.
type configError struct {
	// Code is Slack's error code ("invalid_auth", "channel_not_found"),
	// or for a webhook the HTTP status and body ("404 no_service").
	Code string
	// Fix says what to change.
	Fix string
	// Err is the error from the Slack client.
	Err error
}

func (e *configError) Error() string {
	return fmt.Sprintf("Slack refused the configuration (%s): %s", e.Code, e.Fix)
}

// Unwrap returns the underlying error.
func (e *configError) Unwrap() error { return e.Err }
