package outbox

import (
	"log/slog"
	"os"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
)

// Defaults for the zero fields of a Config.
const (
	// DefaultMaxItems bounds each sink's queue: past it the oldest items
	// are dropped for a summary.
	DefaultMaxItems = 1000
	// DefaultMaxAge bounds how long an item waits for its sink.
	DefaultMaxAge = 72 * time.Hour
	// DefaultLockWait is how long Open waits for another process to
	// release the store before saying who holds it.
	DefaultLockWait = 200 * time.Millisecond
	// DefaultAttemptTimeout bounds one background delivery attempt, so
	// that a destination that accepts a connection and then never answers
	// cannot hold its queue for ever.
	DefaultAttemptTimeout = 2 * time.Minute
	// DefaultCloseGrace is how long Close lets a delivery under way
	// finish: well within the 10 seconds supervisord waits (stopwaitsecs)
	// before it kills a listener it asked to stop.
	DefaultCloseGrace = time.Second
	// keyRetention is how long the key of a delivered item is kept, so
	// that a late redelivery or a replay is recognised.
	keyRetention = 14 * 24 * time.Hour
)

// DefaultRetry is the backoff between failed background deliveries to one
// sink: about 1s, 2s, 4s... up to 30s, with jitter, for as long as it takes.
func DefaultRetry() retry.Policy {
	return retry.Policy{Initial: time.Second, Max: 30 * time.Second}
}

// DefaultSyncRetry bounds one synchronous delivery (--outbox none, or a
// store that cannot be written): the listener holds supervisord's event
// meanwhile, so the budget is short.
func DefaultSyncRetry() retry.Policy {
	return retry.Policy{MaxElapsed: time.Minute, Initial: time.Second, Max: 15 * time.Second}
}

// Config configures an Outbox.
type Config struct {
	// Dir is the directory of the store: None for synchronous delivery,
	// "" for DefaultDir.
	Dir string
	// Program names the listener's directory under DefaultDir when the
	// listener does not run under supervisord.
	Program string
	// Sinks are the destinations, by the name items give in Item.Sink.
	Sinks map[string]Sink
	// MaxItems and MaxAge bound each sink's queue; zero means
	// DefaultMaxItems and DefaultMaxAge.
	MaxItems int
	MaxAge   time.Duration
	// Retry is the backoff between failed background deliveries
	// (DefaultRetry if it has neither Initial nor Max); its attempt and
	// time limits are ignored, since the bounds above apply instead.
	Retry retry.Policy
	// SyncRetry bounds a synchronous delivery (DefaultSyncRetry if it has
	// neither MaxAttempts nor MaxElapsed).
	SyncRetry retry.Policy
	// LockWait, CloseGrace and AttemptTimeout: zero means
	// DefaultLockWait, DefaultCloseGrace and DefaultAttemptTimeout.
	LockWait       time.Duration
	CloseGrace     time.Duration
	AttemptTimeout time.Duration
	// Clock is the time source; nil means clock.Real.
	Clock clock.Clock
	// Log receives the outbox's lines; nil discards them.
	Log *slog.Logger
	// Getenv reads the environment for DefaultDir; nil means os.Getenv.
	Getenv func(string) string

	// maxSize caps the store file (bbolt's MaxSize), so that tests can
	// fill the "disk".
	maxSize int
}

func (c Config) withDefaults() Config {
	if c.MaxItems <= 0 {
		c.MaxItems = DefaultMaxItems
	}
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.Retry.Initial <= 0 && c.Retry.Max <= 0 {
		p := DefaultRetry()
		p.Clock = c.Retry.Clock
		c.Retry = p
	}
	c.Retry.MaxAttempts, c.Retry.MaxElapsed = 0, 0
	if c.SyncRetry.MaxAttempts <= 0 && c.SyncRetry.MaxElapsed <= 0 {
		p := DefaultSyncRetry()
		p.Clock, p.OnRetry = c.SyncRetry.Clock, c.SyncRetry.OnRetry
		c.SyncRetry = p
	}
	if c.LockWait <= 0 {
		c.LockWait = DefaultLockWait
	}
	if c.CloseGrace <= 0 {
		c.CloseGrace = DefaultCloseGrace
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	c.Clock = clock.Or(c.Clock)
	if c.Retry.Clock == nil {
		c.Retry.Clock = c.Clock
	}
	if c.SyncRetry.Clock == nil {
		c.SyncRetry.Clock = c.Clock
	}
	if c.Log == nil {
		c.Log = log.Discard()
	}
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	return c
}
