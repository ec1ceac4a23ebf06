package outbox

import "context"

// A Sink delivers the items of one destination: an SMTP server or sendmail,
// a Slack webhook, one Alertmanager.
type Sink interface {
	// Deliver sends it and returns nil only once the far end has accepted
	// it. An error marked with retry.Permanent means retrying alone cannot
	// help: a synchronous delivery gives up at once. In the background, an
	// error that refuses this very item (see Refuser) has it set aside and
	// the next one tried; any other error means the sink is unavailable,
	// or misconfigured (a rejected password), and the item stays at the
	// head of its queue, tried again later, so that it is still there once
	// the operator has fixed the configuration. An error marked with
	// retry.RetryAfter (HTTP 429) delays the next attempt at least that
	// long.
	Deliver(ctx context.Context, it Item) error
	// Summary returns the payload and subject of the notification that
	// takes the place of dropped items.
	Summary(d Dropped) (payload []byte, subject string, err error)
	// String names the destination in log lines: "SMTP server
	// mail.example.com:25".
	String() string
}

// A Refuser is a Sink that tells a refusal of one item (a recipient the
// server does not know) from a failure of the sink itself. For a Sink that
// is not a Refuser, every retry.Permanent error refuses its item.
type Refuser interface {
	Refuses(err error) bool
}
