package orderedstartup

import (
	"context"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// A reportMailer mails the handler's reports through the outbox, so that
// a slow or unreachable mail server never holds up startup and a report
// is not lost to it: every report is on stderr at once, and the mail
// follows, after a restart of the listener if need be.
type reportMailer struct {
	notices *mailcli.Notices
	prefix  string
	clock   clock.Clock
}

// newReportMailer opens the outbox ob describes for the mail of d, each
// mail retried, without an outbox, as policy allows. prefix starts every
// subject; failures are logged to log.
func newReportMailer(d *mailcli.Delivery, ob outbox.Config, prefix string, policy retry.Policy, log *slog.Logger) (*reportMailer, error) {
	ob.SyncRetry = policy
	n, err := mailcli.OpenNotices(d, ob, "ordered-startup", log)
	if err != nil {
		return nil, err
	}
	return &reportMailer{notices: n, prefix: prefix, clock: clock.Or(ob.Clock)}, nil
}

// notify queues a report under key, the identity of what it reports
// (outbox.StateKey), which its Message-ID derives from. It never blocks
// on the mail server.
func (m *reportMailer) notify(key, subject, body string) {
	_ = m.notices.Send(context.Background(), key, m.prefix+subject, body, m.clock.Now())
}

// close lets the mail under way go, waiting at most wait, and closes the
// outbox, where undelivered reports wait for the next start.
func (m *reportMailer) close(wait time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_ = m.notices.Close(ctx)
}
