package testharness

import (
	"time"

	"github.com/golance/golance/internal/clock"
)

// Clock is the harness's source of time: process start and stop times,
// startsecs, backoff and stopwaitsecs deadlines, the "now" of getProcessInfo
// and the slices of TICK events all come from it. The zero Config uses the
// real clock; a FakeClock lets a test move time by hand. It is the clock
// every golance package takes, so a listener under test and the harness
// can share one.
type Clock = clock.Clock

// Timer is a pending AfterFunc call.
type Timer = clock.Timer

// RealClock is the wall clock.
type RealClock = clock.Real

// FakeClock is a Clock that only moves when told to. When Advance or Set
// reaches a timer's deadline the timer fires, in deadline order, each in a
// goroutine of its own; their effects on the supervisor are therefore
// asynchronous, so wait for them with the Supervisor's Wait methods.
type FakeClock = clock.Fake

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock { return clock.NewFake(start) }
