package log

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/golance/golance/internal/clock"
)

// Recurring logs a failure that may repeat, such as supervisord
// unreachable at every tick or a mail server refusing every attempt, as
// few lines as tell the story: the first failure, each failure whose text
// differs from the last one logged, and one line when it is over. The
// brief's rule for every golance binary, in one place.
//
// It is safe for concurrent use. Each independent failure (the process
// list, one URL, one sink) gets its own Recurring.
type Recurring struct {
	log   *slog.Logger
	level slog.Level
	clock clock.Clock

	mu     sync.Mutex
	last   string // the failure text last logged; "" while things work
	since  time.Time
	failed int
}

// NewRecurring returns a Recurring logging failures to l at level. c
// measures how long a failure lasted; nil means the real clock.
func NewRecurring(l *slog.Logger, level slog.Level, c clock.Clock) *Recurring {
	return &Recurring{log: l, level: level, clock: clock.Or(c)}
}

// Fail records a failure described by msg and the key-value pairs args
// (as slog takes them). It logs only when msg differs from the failure
// logged last, and reports whether it did.
func (r *Recurring) Fail(msg string, args ...any) bool {
	return r.FailAs(msg, msg, args...)
}

// FailAs is Fail for a message that carries figures that change at
// every failure (how long a retry took): it logs msg when key, which
// names the failure without them, differs from the last one's.
func (r *Recurring) FailAs(key, msg string, args ...any) bool {
	r.mu.Lock()
	if r.failed == 0 {
		r.since = r.clock.Now()
	}
	r.failed++
	changed := key != r.last
	r.last = key
	r.mu.Unlock()
	if changed {
		r.log.Log(context.Background(), r.level, msg, args...)
	}
	return changed
}

// Recover records that things work again. After one or more failures it
// logs msg at Info, followed by how many failures there were over how
// long, and reports true; otherwise it logs nothing.
func (r *Recurring) Recover(msg string, args ...any) bool {
	r.mu.Lock()
	n, since := r.failed, r.since
	r.failed, r.last = 0, ""
	r.mu.Unlock()
	if n == 0 {
		return false
	}
	took := r.clock.Now().Sub(since).Round(time.Second)
	r.log.Info(fmt.Sprintf("%s after %s over %s", msg, times(n), took), args...)
	return true
}

// Failing reports whether the last thing recorded was a failure.
func (r *Recurring) Failing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed > 0
}

func times(n int) string {
	if n == 1 {
		return "1 failure"
	}
	return fmt.Sprintf("%d failures", n)
}
