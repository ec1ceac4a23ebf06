package mailbatch

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golance/golance/listener"
)

// maxInterval bounds -i/--interval: anything longer is a typo.
const maxInterval = 365 * 24 * time.Hour

// parseInterval converts -i/--interval, in minutes, to whole seconds:
// round(minutes*60). Counting in integers is what keeps the cadence exact;
// superlance added up tick_secs/60 in floating point and fired a tick late
// for intervals such as 2 or 0.5 minutes.
//
// An interval that rounds to 0 seconds is refused: superlance mailed at
// every tick with -i 0, which reads as "never" as easily as "at once", and
// golance had mailed at every tick while its start-up line said "every 1
// TICK_60 (0s)". The fix names the interval that means every tick.
func parseInterval(minutes float64) (time.Duration, error) {
	const fix = "give the minutes between batches, more than 0, e.g. -i 1 (once a minute: every TICK_60) or -i 0.0833 (5 seconds: every TICK_5)"
	if math.IsNaN(minutes) || minutes < 0 {
		return 0, fmt.Errorf("interval %v is not a number of minutes: %s", minutes, fix)
	}
	secs := math.Round(minutes * 60)
	if secs == 0 {
		return 0, fmt.Errorf("interval %v is no interval at all: %s", minutes, fix)
	}
	if secs > maxInterval.Seconds() {
		return 0, fmt.Errorf("interval %v minutes is longer than a year", minutes)
	}
	return time.Duration(secs) * time.Second, nil
}

// parseTickEvent checks -e/--tickEvent: one of supervisord's TICK_<n>
// events, any case. superlance accepted any name starting with TICK_ and
// then never flushed for one supervisord does not send.
func parseTickEvent(name string) (listener.EventType, error) {
	t, err := listener.ParseEventType(strings.TrimSpace(name))
	if _, ok := t.TickPeriod(); err != nil || !ok {
		return "", fmt.Errorf("%q is not a supervisord tick event; use TICK_5, TICK_60 or TICK_3600", name)
	}
	return t, nil
}

// cadence counts tick events toward the next flush in whole seconds: the
// batch is due when ticks × tick period ≥ interval. An interval that is not
// a multiple of the tick period is thus rounded up to the next whole tick
// (90 s with TICK_60 flushes every second tick, 120 s); an interval of 0
// flushes at every tick. The count starts when the listener first starts,
// not with the first line, and again after every flush, sent or not.
//
// The count itself is the caller's (the pending batch's, in the outbox),
// so that it survives a restart of the listener: superlance counted in
// memory, and a listener restarted more often than its interval never
// mailed. It is kept in seconds rather than ticks so that a change of -e
// between two runs carries the time already counted.
type cadence struct {
	period, interval int64 // seconds
}

// newCadence returns a cadence for ticks of the given type and an interval
// rounded to whole seconds.
func newCadence(tick listener.EventType, interval time.Duration) (cadence, error) {
	p, ok := tick.TickPeriod()
	if !ok {
		return cadence{}, fmt.Errorf("%q is not a tick event", tick)
	}
	return cadence{period: int64(p / time.Second), interval: int64(interval.Round(time.Second) / time.Second)}, nil
}

// count adds one tick to counted, the seconds of the interval counted so
// far, and reports whether the batch is due; if so the count starts again
// at 0.
func (c cadence) count(counted int64) (int64, bool) {
	counted += c.period
	if counted >= c.interval {
		return 0, true
	}
	return counted, false
}

// ticks returns how many ticks counted seconds make.
func (c cadence) ticks(counted int64) int64 { return counted / c.period }

// every returns how many ticks make one interval.
func (c cadence) every() int64 {
	if c.interval <= 0 {
		return 1
	}
	return (c.interval + c.period - 1) / c.period
}
