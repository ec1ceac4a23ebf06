package crashmail

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// Defaults of the settings.
const (
	defaultTailLines      = 10
	defaultDetailsTimeout = 10 * time.Second
	defaultFailDelay      = 10 * time.Second
)

// config is every setting of crashmail.
type config struct {
	// selector picks the processes to mail about; nil means every one.
	selector *selection.Selector
	// header, when set, prefixes the subject as "<header>: " (-o).
	header string
	// mail says how and to whom; required.
	mail *mailcli.Delivery
	// outbox says where mail waits for delivery (Dir, MaxItems,
	// MaxAge); the rest is filled in by newHandler.
	outbox outbox.Config

	// retry says how long a synchronous delivery (without an outbox) is
	// retried before the event is rejected. A policy without MaxAttempts or MaxElapsed means
	// mail.DefaultRetryPolicy() (keeping its Clock and OnRetry), because
	// the listener holds supervisord's events while it retries.
	retry retry.Policy
	// failDelay is the least time between receiving an event again and
	// rejecting it again after another failed delivery. supervisord
	// redelivers a rejected event at once, so without it a mail that
	// fails for good (a rejected login) would be retried in a tight loop.
	// The first failure of an event is answered at once. Zero means
	// defaultFailDelay; negative means none.
	failDelay time.Duration

	// tailLines is how many lines of the end of each log (stderr, then
	// stdout) the mail quotes; zero means none.
	tailLines int
	// detailsTimeout bounds the questions to supervisord for one event;
	// past it, the mail goes without the details rather than not at all.
	detailsTimeout time.Duration

	// hostname is named in the mail; "" means os.Hostname().
	hostname string
	// clock dates the mail; nil means the real clock.
	clock clock.Clock
	// log receives one line per mail sent, retried or failed.
	log *slog.Logger
}

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	c.retry = mail.BoundedRetry(c.retry)
	if c.failDelay == 0 {
		c.failDelay = defaultFailDelay
	}
	if c.detailsTimeout <= 0 {
		c.detailsTimeout = defaultDetailsTimeout
	}
	if c.hostname == "" {
		c.hostname, _ = os.Hostname()
	}
	c.clock = clock.Or(c.clock)
	c.log = log.Or(c.log)
	return c
}

// validate reports a configuration crashmail cannot work with.
func (c config) validate() error {
	if err := c.mail.Check(); err != nil {
		return fmt.Errorf("crashmail: %w", err)
	}
	switch {
	case c.tailLines < 0:
		return errors.New("crashmail: negative tail lines")
	}
	return nil
}
