package clock

import (
	"slices"
	"sync"
	"time"
)

// Fake is a Clock that moves only when told to. When Advance or Set
// reaches a timer's deadline the timer fires, in deadline order, each in a
// goroutine of its own, so the effects of a move are asynchronous: wait
// for them as for any goroutine's.
//
// An instant Fake (NewInstant) moves by itself: a timer set on it moves
// the clock to the timer's deadline at once and fires, so that retries,
// backoffs and pauses run without taking real time while Now still reads
// as if they had.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	instant bool
	timers  []*fakeTimer
	seq     int
	waits   []time.Duration
	onWait  func(n int)
}

// NewFake returns a Fake reading start, which moves only when told.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// NewInstant returns a Fake reading start, on which every wait ends at
// once.
func NewInstant(start time.Time) *Fake { return &Fake{now: start, instant: true} }

// Now returns the clock's current reading.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and fires the timers that came due.
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	t := c.now.Add(d)
	c.mu.Unlock()
	c.Set(t)
}

// Set moves the clock to t and fires the timers that came due. t may be
// in the past: supervisord copes with clocks set back, and so must the
// code under test.
func (c *Fake) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	var due []*fakeTimer
	c.timers = slices.DeleteFunc(c.timers, func(tm *fakeTimer) bool {
		if tm.at.After(t) {
			return false
		}
		due = append(due, tm)
		return true
	})
	c.mu.Unlock()
	slices.SortFunc(due, func(a, b *fakeTimer) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, tm := range due {
		go tm.f()
	}
}

// AfterFunc arranges for f to run when the clock reaches Now()+d. A
// non-positive d runs f at once (in a new goroutine); so does any d on an
// instant clock, which moves to the deadline first.
func (c *Fake) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	c.seq++
	tm := &fakeTimer{c: c, at: c.now.Add(d), f: f, seq: c.seq}
	if d <= 0 {
		c.mu.Unlock()
		go f()
		return tm
	}
	c.waits = append(c.waits, d)
	c.timers = append(c.timers, tm)
	if c.instant && tm.at.After(c.now) {
		c.now = tm.at
	}
	n, hook, now := len(c.waits), c.onWait, c.now
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if c.instant {
		c.Set(now)
	}
	return tm
}

// Next returns the deadline of the earliest timer still pending, and
// false when none is: what a program driving the clock by hand jumps to
// when nothing else will happen before it.
func (c *Fake) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	for _, tm := range c.timers {
		if next.IsZero() || tm.at.Before(next) {
			next = tm.at
		}
	}
	return next, !next.IsZero()
}

// OnWait sets f to be called each time a timer with a positive duration
// is set, with the number of such timers so far (from 1), in the
// goroutine that set it. On an instant clock it runs once the clock has
// moved and before the timer fires: a test acts there between a failed
// attempt and the next one.
func (c *Fake) OnWait(f func(n int)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onWait = f
}

// Waits returns the durations of every timer set on the clock with a
// positive duration, in the order they were set: what the code under
// test waited for, or would have.
func (c *Fake) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

type fakeTimer struct {
	c   *Fake
	at  time.Time
	f   func()
	seq int
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	i := slices.Index(t.c.timers, t)
	if i < 0 {
		return false
	}
	t.c.timers = slices.Delete(t.c.timers, i, i+1)
	return true
}
