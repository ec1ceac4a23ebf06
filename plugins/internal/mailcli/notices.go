package mailcli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// Notices are the report mails of a plugin whose work is not mail (memmon
// restarting a process, httpok a failed check, ordered-startup a stalled
// chain): each goes through the outbox, so that it is sent whatever the
// mail server does, and never holds up supervisord's events. A nil
// *Notices sends nothing, for a plugin without -m.
type Notices struct {
	d    *Delivery
	sink *mail.Sink
	ob   *outbox.Outbox
	log  *slog.Logger
	// failing logs a notice that could not go once until the cause
	// changes or mail goes again: without an outbox, each notice of an
	// outage would otherwise add its own line.
	failing *log.Recurring

	// Without an outbox a notice is delivered, with its retries, in a
	// goroutine of its own; Close waits for them.
	wg sync.WaitGroup
}

// OpenNotices opens the outbox cfg describes for the mail of d, and starts
// delivering what an earlier run left; cfg's Sinks, Log and Program are
// filled in. With d nil it returns nil.
func OpenNotices(d *Delivery, cfg outbox.Config, program string, logger *slog.Logger) (*Notices, error) {
	if d == nil {
		return nil, nil
	}
	n := &Notices{d: d, sink: d.Sink(), log: logger, failing: log.NewRecurring(logger, slog.LevelError, cfg.Clock)}
	cfg.Sinks = map[string]outbox.Sink{mail.SinkName: n.sink}
	cfg.Program, cfg.Log = program, logger
	ob, err := outbox.Open(cfg)
	if err != nil {
		return nil, err
	}
	n.ob = ob
	ob.Start()
	return n, nil
}

// Send queues the mail subject and body, dated at, under key: the
// identity of what the notice reports, from the event or state that
// caused it (outbox.EventKey, outbox.StateKey), never from the time of
// sending, so that the same notice made again (by a listener restarted
// after a kill) is sent once, and its Message-ID, derived from key by the
// mail sink, is the same. A failure is logged, and
// returned when it happened before Send returns; a plugin's work goes on
// either way.
func (n *Notices) Send(ctx context.Context, key, subject, body string, at time.Time) error {
	if n == nil {
		return nil
	}
	it, err := n.sink.Item(key, mail.Message{From: n.d.From, To: n.d.To, Subject: subject, Body: body, Date: at})
	if err != nil {
		n.log.Error(fmt.Sprintf("cannot mail %q: %v", subject, err))
		return err
	}
	send := func(ctx context.Context) error {
		err := n.ob.Update(ctx, func(tx *outbox.Tx) error { tx.Enqueue(it); return nil })
		if err != nil {
			n.failing.FailAs(retry.Cause(err).Error(), fmt.Sprintf("Failed to mail %q to %s: %v", subject, strings.Join(n.d.To, ", "), err))
			return err
		}
		n.failing.Recover(fmt.Sprintf("mail to %s goes again", strings.Join(n.d.To, ", ")))
		return nil
	}
	if n.ob.Mode() == outbox.Durable {
		return send(ctx)
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_ = send(context.WithoutCancel(ctx))
	}()
	return nil
}

// String describes where the notices go, for a start-up line.
func (n *Notices) String() string {
	if n == nil {
		return "no mail"
	}
	return "mailing " + n.d.String() + " through the " + n.ob.String()
}

// Stop ends the retries of deliveries under way (SIGTERM).
func (n *Notices) Stop() {
	if n != nil {
		n.ob.Stop()
	}
}

// Close lets the deliveries under way finish briefly, and closes the
// outbox; what is undelivered waits there for the next start.
func (n *Notices) Close(ctx context.Context) error {
	if n == nil {
		return nil
	}
	n.ob.Stop()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return n.ob.Close(ctx)
}
