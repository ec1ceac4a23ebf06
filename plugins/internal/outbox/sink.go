package outbox

import "context"

// A Sink delivers the items of one destination: an SMTP server or sendmail,
// a Slack webhook, one Alertmanager.
type Sink interface {
	// Deliver sends it and returns nil only once the far end has accepted
	// it. An error marked with retry.Permanent means this item can never
	// be delivered (a recipient the server refuses): the outbox sets it
	// aside and goes on with the next. Any other error means the sink is
	// unavailable: the outbox keeps the item at the head of its queue and
	// tries again later. A sink whose configuration is wrong (a rejected
	// password) should return a plain error, so that nothing is set aside
	// before the operator can fix it.
	Deliver(ctx context.Context, it Item) error
	// Summary returns the payload and subject of the notification that
	// takes the place of dropped items.
	Summary(d Dropped) (payload []byte, subject string, err error)
	// String names the destination in log lines: "SMTP server
	// mail.example.com:25".
	String() string
}
