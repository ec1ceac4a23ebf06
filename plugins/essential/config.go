package essential

import (
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// Defaults of the settings.
const (
	defaultDetailsTimeout = 10 * time.Second
	// defaultShutdownBudget bounds the retries of supervisor.shutdown()
	// for one event; past it the event is rejected, supervisord delivers
	// it again and the retries start over. The record is on disk by then,
	// so nothing is lost while supervisord does not answer.
	defaultShutdownBudget = 30 * time.Second
	// defaultGrace is how long what outlives supervisord has between
	// SIGTERM and SIGKILL: well within the 10 seconds docker stop waits
	// for the whole container, most of which supervisord's own stop takes.
	defaultGrace = 2 * time.Second
)

// config is every setting of the listener.
type config struct {
	// selector picks the essential programs; required (-p or -a).
	selector *selection.Selector
	// on says which of their ends shut supervisord down.
	on trigger
	// record is where the reason goes before the shutdown (RecordEnv);
	// "" when supervisord was not started by essential run, which then
	// cannot pass an exit code on.
	record string

	// detailsTimeout bounds the questions about how the program ended.
	detailsTimeout time.Duration
	// retry says how supervisor.shutdown() is retried for one event.
	retry retry.Policy

	clock clock.Clock
	log   *slog.Logger
}

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	if c.detailsTimeout <= 0 {
		c.detailsTimeout = defaultDetailsTimeout
	}
	if c.retry.MaxAttempts <= 0 && c.retry.MaxElapsed <= 0 {
		c.retry.MaxElapsed = defaultShutdownBudget
	}
	c.clock = clock.Or(c.clock)
	c.retry.Clock = c.clock
	c.log = log.Or(c.log)
	return c
}

// runConfig is every setting of essential run.
type runConfig struct {
	// command runs as the child: supervisord -n -c FILE.
	command []string
	// record is the hand-over file; "" means one in a new temporary
	// directory, removed at exit.
	record string
	// grace is how long the processes left behind once supervisord has
	// exited have between SIGTERM and SIGKILL.
	grace time.Duration
	log   *slog.Logger
}
