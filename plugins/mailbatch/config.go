package mailbatch

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// defaultFlushTimeout bounds the sending of the pending batch when the
// listener stops. supervisord kills a listener stopwaitsecs (10 s by
// default) after asking it to stop, so it stays below that.
const defaultFlushTimeout = 8 * time.Second

// config is every setting of a batch mailer.
type config struct {
	// kind says which events are collected and how they are worded.
	kind kind
	// selector picks the processes reported on; nil means every process.
	selector *selection.Selector
	// tickEvent is the tick that paces the batches; "" means TICK_60.
	tickEvent listener.EventType
	// interval is the time between batches, counted in tickEvent ticks
	// and rounded to whole seconds (see cadence).
	interval time.Duration

	// mail says how and to whom; required.
	mail *mailcli.Delivery
	// subject "" means no Subject header: the command passes
	// kind.defaultSubject unless told otherwise.
	subject string
	// retry bounds the attempts to send one batch without an outbox. A
	// policy without
	// MaxAttempts or MaxElapsed means mail.DefaultRetryPolicy() (keeping
	// its Clock, OnRetry and Jitter).
	retry retry.Policy

	// outbox says where the pending batch and the mail wait (Dir,
	// MaxItems, MaxAge); the rest is filled in by newHandler.
	outbox outbox.Config
	// spool, if set, is an old spool file whose lines join the pending
	// batch (see prepareSpool).
	spool string
	// flushTimeout bounds the sending of the pending batch when the
	// listener stops; defaultFlushTimeout if zero.
	flushTimeout time.Duration

	// clock stamps the lines; nil means the real clock.
	clock clock.Clock
	// log receives each collected line and one line per batch sent or
	// failed.
	log *slog.Logger
}

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	if c.tickEvent == "" {
		c.tickEvent = listener.Tick60
	}
	c.retry = mail.BoundedRetry(c.retry)
	if c.flushTimeout <= 0 {
		c.flushTimeout = defaultFlushTimeout
	}
	c.clock = clock.Or(c.clock)
	c.log = log.Or(c.log)
	return c
}

// validate reports a configuration a batch mailer cannot work with.
func (c config) validate() error {
	if err := c.mail.Check(); err != nil {
		return fmt.Errorf("mailbatch: %w", err)
	}
	switch {
	case c.kind.word == nil:
		return errors.New("mailbatch: no kind of batch mailer")
	}
	return nil
}
