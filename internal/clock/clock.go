// Package clock is golance's one way of injecting time. Code that waits or
// measures takes a Clock: the harness's emulated supervisord (startsecs,
// backoff, stopwaitsecs, ticks), the plugins' retries and restart
// budgets, the timestamps of their mail. Production passes Real; tests
// pass a Fake, which moves only when told (NewFake) or jumps to every
// deadline at once (NewInstant), so that no test sleeps through a backoff.
//
// A Clock has two methods, Now and AfterFunc, the smallest pair from which
// the rest follows: Sleep is built on AfterFunc here, once.
//
//	clock.go  Clock, Timer, Real, Or, Sleep
//	fake.go   Fake, NewFake, NewInstant
package clock

import (
	"context"
	"time"
)

// A Clock tells the time and calls functions later.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed on this
	// clock, unless the returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// A Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not happened yet, and reports
	// whether it did so.
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Or returns c, or Real when c is nil: what a zero Config field means.
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}

// Sleep waits for d on c (Real if nil) and returns ctx.Err(): nil after a
// full wait, the context's error as soon as ctx ends.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	woke := make(chan struct{})
	t := Or(c).AfterFunc(d, func() { close(woke) })
	select {
	case <-woke:
	case <-ctx.Done():
		t.Stop()
	}
	return ctx.Err()
}
