package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// SinkName is the name mail items carry (outbox.Item.Sink).
const SinkName = "mail"

// Sink hands queued mail to a Sender for the outbox. What it stores is the
// whole Message, rendered when the event came (its Date says when the
// crash happened, not when the mail left), with a Message-ID derived from
// the item's key.
type Sink struct {
	sender Sender
	// from and to address the summary of dropped mail; target names the
	// destination in log lines.
	from   string
	to     []string
	target string
}

// NewSink returns the Sink delivering through s; from and to address the
// summary that replaces dropped mail, and target describes s for log lines
// ("SMTP server localhost:25").
func NewSink(s Sender, from string, to []string, target string) *Sink {
	return &Sink{sender: s, from: from, to: to, target: target}
}

// Item returns the outbox item for m, keyed by key: its Message-ID is
// KeyedMessageID(key, m.From) and its Date is fixed now if unset, so that
// every attempt, in this run or the next, sends the very same mail.
func (s *Sink) Item(key string, m Message) (outbox.Item, error) {
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	if m.MessageID == "" {
		m.MessageID = KeyedMessageID(key, m.From)
	}
	if _, err := m.render(); err != nil {
		return outbox.Item{}, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return outbox.Item{}, fmt.Errorf("mail: cannot encode %q: %w", m.Subject, err)
	}
	return outbox.Item{Key: key, Sink: SinkName, Subject: m.Subject, At: m.Date, Payload: b}, nil
}

// Deliver sends the mail of it. Its errors are the Sender's, marked
// retry.Permanent when retrying alone cannot help.
func (s *Sink) Deliver(ctx context.Context, it outbox.Item) error {
	var m Message
	if err := json.Unmarshal(it.Payload, &m); err != nil {
		return retry.Permanent(fmt.Errorf("queued mail %q cannot be read: %w", it.Subject, err))
	}
	return s.sender.Send(ctx, m)
}

// Refuses reports whether err refuses this very mail, so that the outbox
// sets it aside: a 5xx reply to it or its recipient, sendmail's
// EX_DATAERR or EX_NOUSER, a message that cannot be rendered. Other
// failures that retrying alone cannot fix (a rejected login, an untrusted
// certificate, a sendmail that is missing or misconfigured) belong to the
// configuration: every mail behind this one would meet them too, and the
// operator's fix, then a restart, must find the mail still queued.
func (s *Sink) Refuses(err error) bool {
	return errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidMessage)
}

// Summary is the mail that takes the place of dropped ones.
func (s *Sink) Summary(d outbox.Dropped) ([]byte, string, error) {
	m := Message{From: s.from, To: s.to, Subject: "golance: " + d.Subject(), Body: d.String() + "\n", Date: time.Now()}
	m.MessageID = KeyedMessageID(fmt.Sprintf("dropped/%d/%s", d.Count, d.Last), m.From)
	b, err := json.Marshal(m)
	return b, m.Subject, err
}

// String names the destination.
func (s *Sink) String() string { return s.target }
