package retry

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/golance/golance/internal/clock"
)

// Defaults for the zero fields of a Policy.
const (
	DefaultInitial    = 500 * time.Millisecond
	DefaultMax        = 30 * time.Second
	DefaultMultiplier = 2.0
	DefaultJitter     = 0.5
)

// NoJitter, as Policy.Jitter, makes every wait exactly the computed backoff.
const NoJitter = -1.0

// Policy says how often and for how long Do tries. The zero Policy uses the
// default backoff and retries until ctx ends; set MaxElapsed or MaxAttempts
// unless ctx has a deadline.
type Policy struct {
	// MaxAttempts is the most times the operation runs, the first included.
	// Zero or less means no limit.
	MaxAttempts int
	// MaxElapsed is the time budget, counted from the start of the first
	// attempt. Do starts no attempt and sleeps no wait that would end past
	// it, and each attempt's context expires with it, so one slow attempt
	// cannot overrun it. Zero or less means no budget.
	MaxElapsed time.Duration

	// Initial is the wait after the first failure (DefaultInitial if zero).
	Initial time.Duration
	// Max caps any single backoff wait (DefaultMax if zero).
	Max time.Duration
	// Multiplier grows the wait after each failure (DefaultMultiplier if
	// zero or less than 1).
	Multiplier float64
	// Jitter is the fraction by which each wait is randomly shortened: the
	// wait is drawn uniformly from [(1-Jitter)·w, w], so that listeners
	// failing together do not retry in lockstep. Zero means DefaultJitter,
	// NoJitter (or any negative value) disables it, values above 1 act as 1.
	Jitter float64

	// OnRetry, if set, is called after a failed attempt that will be
	// retried, with the attempt's number (from 1), its error and the wait
	// before the next attempt. Plugins log the failure here.
	OnRetry func(attempt int, err error, wait time.Duration)
	// Clock measures the budget and sleeps; nil means the real clock.
	Clock clock.Clock
}

// Do calls op until it returns nil, and returns nil then. Otherwise it
// returns an *Error that says how many attempts were made over how long and
// wraps the last error op returned, plus ctx.Err() if ctx ended first.
//
// An error marked with Permanent stops the retries at once; one marked with
// RetryAfter sets the next wait. op receives a context that ends with ctx or
// with the time budget, whichever is first.
func Do(ctx context.Context, p Policy, op func(ctx context.Context) error) error {
	p = p.withDefaults()
	c := p.Clock
	start := c.Now()
	var deadline time.Time
	if p.MaxElapsed > 0 {
		deadline = start.Add(p.MaxElapsed)
	}
	fail := func(attempts int, last error, stopped error, reason string) error {
		return &Error{Attempts: attempts, Elapsed: c.Now().Sub(start), Err: last, Stopped: stopped, reason: reason}
	}

	var last error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fail(attempt-1, last, err, "")
		}
		last = runAttempt(ctx, c, deadline, op)
		if last == nil {
			return nil
		}
		if IsPermanent(last) {
			return fail(attempt, last, nil, "not retryable")
		}
		if err := ctx.Err(); err != nil {
			return fail(attempt, last, err, "")
		}
		if p.MaxAttempts > 0 && attempt >= p.MaxAttempts {
			return fail(attempt, last, nil, "attempt limit reached")
		}
		wait, asked := RetryAfterOf(last)
		if !asked {
			wait = p.backoff(attempt)
		}
		if !deadline.IsZero() && !c.Now().Add(wait).Before(deadline) {
			reason := "time budget " + p.MaxElapsed.String() + " spent"
			if asked {
				reason = "asked to retry after " + wait.String() + ", past the time budget " + p.MaxElapsed.String()
			}
			return fail(attempt, last, nil, reason)
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, last, wait)
		}
		if err := clock.Sleep(ctx, c, wait); err != nil {
			return fail(attempt, last, err, "")
		}
	}
}

// runAttempt runs op under a context that also ends at the budget deadline.
func runAttempt(ctx context.Context, c clock.Clock, deadline time.Time, op func(context.Context) error) error {
	if deadline.IsZero() {
		return op(ctx)
	}
	// The deadline is measured on clock, which may not be the real one, so
	// hand the context the remaining duration rather than the instant.
	actx, cancel := context.WithTimeout(ctx, deadline.Sub(c.Now()))
	defer cancel()
	return op(actx)
}

func (p Policy) withDefaults() Policy {
	if p.Initial <= 0 {
		p.Initial = DefaultInitial
	}
	if p.Max <= 0 {
		p.Max = DefaultMax
	}
	if p.Max < p.Initial {
		p.Max = p.Initial
	}
	if p.Multiplier < 1 {
		p.Multiplier = DefaultMultiplier
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = DefaultJitter
	case p.Jitter < 0:
		p.Jitter = 0
	case p.Jitter > 1:
		p.Jitter = 1
	}
	p.Clock = clock.Or(p.Clock)
	return p
}

// Wait returns the wait after the given failed attempt (counted from 1)
// under p's backoff and jitter, for callers that pace attempts
// themselves (the outbox's background delivery).
func (p Policy) Wait(attempt int) time.Duration { return p.withDefaults().backoff(attempt) }

// backoff returns the wait after the given failed attempt (counted from 1).
func (p Policy) backoff(attempt int) time.Duration {
	// Float arithmetic saturates instead of overflowing for large attempts.
	w := float64(p.Initial) * math.Pow(p.Multiplier, float64(attempt-1))
	w = min(w, float64(p.Max))
	w -= w * p.Jitter * rand.Float64()
	return time.Duration(w)
}
