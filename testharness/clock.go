package testharness

import (
	"sort"
	"sync"
	"time"
)

// Clock is the harness's source of time: process start and stop times,
// startsecs, backoff and stopwaitsecs deadlines, the "now" of getProcessInfo
// and the slices of TICK events all come from it. The zero Config uses the
// real clock; a FakeClock lets a test move time by hand.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed on this
	// clock, unless the returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not happened yet, and reports
	// whether it did so.
	Stop() bool
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// FakeClock is a Clock that only moves when told to. When Advance or Set
// reaches a timer's deadline the timer fires, in deadline order, each in a
// goroutine of its own; their effects on the supervisor are therefore
// asynchronous, so wait for them with the Supervisor's Wait methods.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	seq    int
}

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start}
}

// Now returns the clock's current reading.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and fires the timers that came due.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	t := c.now.Add(d)
	c.mu.Unlock()
	c.Set(t)
}

// Set moves the clock to t (which may be in the past: supervisord copes with
// clocks set back, and so must the code under test) and fires the timers
// that came due.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	var due []*fakeTimer
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(t) {
			due = append(due, tm)
		} else {
			kept = append(kept, tm)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].seq < due[j].seq
	})
	for _, tm := range due {
		tm.f()
	}
}

// AfterFunc arranges for f to run when the clock reaches Now()+d. A
// non-positive d runs f at once (in a new goroutine).
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	tm := &fakeTimer{c: c, at: c.now.Add(d), f: func() { go f() }, seq: c.seq}
	if d <= 0 {
		go f()
		return tm
	}
	c.timers = append(c.timers, tm)
	return tm
}

type fakeTimer struct {
	c   *FakeClock
	at  time.Time
	f   func()
	seq int
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, tm := range t.c.timers {
		if tm == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			return true
		}
	}
	return false
}
