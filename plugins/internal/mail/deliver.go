package mail

import (
	"context"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
)

// Sender delivers one Message. Send returns nil only once the message has
// been handed off (accepted by the SMTP server, or by sendmail with exit
// status 0); errors it returns for failures that retrying cannot fix are
// marked with retry.Permanent.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// DefaultRetryPolicy is the retry policy plugins use unless told otherwise:
// up to one minute in all, waiting about 1s, 2s, 4s... (at most 15s, less
// random jitter) between attempts. A listener handling an event is blocked
// meanwhile and supervisord buffers further events, so the budget stays
// short.
func DefaultRetryPolicy() retry.Policy {
	return retry.Policy{MaxElapsed: time.Minute, Initial: time.Second, Max: 15 * time.Second}
}

// BoundedRetry returns p, or DefaultRetryPolicy() with p's Clock, OnRetry
// and Jitter when p bounds neither attempts nor time: a listener that
// retried without bound would hold supervisord's events for ever.
func BoundedRetry(p retry.Policy) retry.Policy {
	if p.MaxAttempts > 0 || p.MaxElapsed > 0 {
		return p
	}
	d := DefaultRetryPolicy()
	d.Clock, d.OnRetry, d.Jitter = p.Clock, p.OnRetry, p.Jitter
	return d
}

// Deliver sends m through s, retrying transient failures (a refused
// connection, a 4xx reply, a sendmail that failed with EX_TEMPFAIL) as p
// allows, and stopping at once on permanent ones (a 5xx reply, an untrusted
// certificate, a rejected login, a missing sendmail). It fixes m's Date and
// Message-ID before the first attempt, so that every attempt sends the same
// message. An invalid message is reported without any attempt.
//
// The error, if any, is a *retry.Error wrapping the last attempt's error.
func Deliver(ctx context.Context, s Sender, m Message, p retry.Policy) error {
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	if _, err := m.render(); err != nil {
		return err
	}
	if m.MessageID == "" {
		from := ""
		if a, err := parseAddress("From", m.From); err == nil {
			from = a.Address
		}
		m.MessageID = newMessageID(from)
	}
	return retry.Do(ctx, p, func(ctx context.Context) error {
		return s.Send(ctx, m)
	})
}
