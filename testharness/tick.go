package testharness

import (
	"time"

	"github.com/golance/golance/listener"
)

// tickPeriods are the TICK_* periods in seconds, in supervisord's
// TICK_EVENTS order.
var tickPeriods = []int64{5, 60, 3600}

func tickType(period int64) listener.EventType {
	switch period {
	case 5:
		return listener.Tick5
	case 60:
		return listener.Tick60
	}
	return listener.Tick3600
}

// Tick notifies one TICK event of type typ (TICK_5, TICK_60, TICK_3600)
// for the slice containing the clock's current time, whether or not a
// slice boundary was crossed.
func (s *Supervisor) Tick(typ listener.EventType) (serial int64, accepted bool) {
	return s.Notify(NewTickEvent(typ, s.clock.Now()))
}

// TickAt runs supervisord's tick(now): for each period whose slice differs
// from the last one seen (initially the slice of the start time), it
// notifies that period's TICK event. Moving now 60 seconds ahead therefore
// gives one TICK_5 and one TICK_60, as a supervisord whose loop stalled
// would send.
func (s *Supervisor) TickAt(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked(now)
	s.settle()
}

func (s *Supervisor) tickLocked(now time.Time) {
	for _, period := range tickPeriods {
		this := timeslice(time.Duration(period)*time.Second, now)
		if this != s.ticks[period] {
			s.ticks[period] = this
			s.notifyLocked(NewTickEvent(tickType(period), now))
		}
	}
}

// startTickers starts the automatic ticks the configuration asks for.
func (s *Supervisor) startTickers() {
	if s.cfg.ClockTicks {
		s.mu.Lock()
		s.armClockTickLocked()
		s.mu.Unlock()
		s.stopTickers = append(s.stopTickers, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.clockTicksStopped = true
			if s.clockTickTimer != nil {
				s.clockTickTimer.Stop()
			}
		})
	}
	if d := s.cfg.TickEvery; d > 0 {
		t := time.NewTicker(d)
		done := make(chan struct{})
		s.stopTickers = append(s.stopTickers, func() {
			t.Stop()
			close(done)
		})
		s.goroutine(func() {
			for {
				select {
				case <-t.C:
				case <-done:
					return
				}
				s.mu.Lock()
				if s.mood == moodRunning {
					s.tickClock = s.tickClock.Add(5 * time.Second)
					s.tickLocked(s.tickClock)
					s.settle()
				}
				s.mu.Unlock()
			}
		})
	}
}

// armClockTickLocked schedules a tick at the clock's next 5-second
// boundary. The caller holds s.mu.
func (s *Supervisor) armClockTickLocked() {
	now := s.clock.Now()
	next := time.Unix(timeslice(5*time.Second, now)+5, 0)
	s.clockTickTimer = s.clock.AfterFunc(next.Sub(now), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.clockTicksStopped || s.mood != moodRunning {
			return
		}
		s.tickLocked(s.clock.Now())
		s.settle()
		s.armClockTickLocked()
	})
}
