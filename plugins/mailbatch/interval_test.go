package mailbatch

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func TestParseInterval(t *testing.T) {
	t.Parallel()
	good := map[float64]time.Duration{
		1:      time.Minute,
		0.5:    30 * time.Second,
		2:      2 * time.Minute,
		1.5:    90 * time.Second,
		0.01:   time.Second, // 0.6 s rounds to 1
		1440.0: 24 * time.Hour,
	}
	for min, want := range good {
		if got, err := parseInterval(min); err != nil || got != want {
			t.Errorf("parseInterval(%v) = %v, %v; want %v", min, got, err, want)
		}
	}
	for _, bad := range []float64{-1, 1e12, 0, 0.001} {
		if _, err := parseInterval(bad); err == nil {
			t.Errorf("parseInterval(%v) accepted", bad)
		}
	}
}

func TestParseTickEvent(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]listener.EventType{
		"TICK_5": listener.Tick5, "TICK_60": listener.Tick60, "TICK_3600": listener.Tick3600, "tick_5": listener.Tick5,
	} {
		if got, err := parseTickEvent(name); err != nil || got != want {
			t.Errorf("parseTickEvent(%q) = %q, %v", name, got, err)
		}
	}
	// superlance accepted TICK_10 (any TICK_ prefix) and then waited for
	// an event supervisord never sends.
	for _, bad := range []string{"TICK_10", "JUNK_60", "TICK", "TICK_", "PROCESS_STATE", ""} {
		_, err := parseTickEvent(bad)
		if err == nil || !strings.HasSuffix(err.Error(), "is not a supervisord tick event; use TICK_5, TICK_60 or TICK_3600") {
			t.Errorf("parseTickEvent(%q) = %v", bad, err)
		}
	}
}

// dueTicks returns the ticks (counted from 1) at which a Cadence fires in
// the first n ticks.
func dueTicks(t *testing.T, tick listener.EventType, minutes float64, n int) []int {
	t.Helper()
	every, err := parseInterval(minutes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCadence(tick, every)
	if err != nil {
		t.Fatal(err)
	}
	var due []int
	for i := 1; i <= n; i++ {
		if c.tick() {
			due = append(due, i)
		}
	}
	return due
}

// The interval counts whole ticks. superlance summed tick_secs/60 in
// floating point and fired late: TICK_5 with -i 2 on tick 25 instead of
// 24, -i 0.5 on tick 7 instead of 6.
func TestCadenceCountsWholeTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tick    listener.EventType
		minutes float64
		n       int
		want    []int
	}{
		{listener.Tick5, 2, 50, []int{24, 48}},
		{listener.Tick5, 0.5, 13, []int{6, 12}},
		{listener.Tick5, 1, 25, []int{12, 24}},
		{listener.Tick60, 1, 3, []int{1, 2, 3}},
		{listener.Tick60, 10, 20, []int{10, 20}},
		{listener.Tick60, 1.5, 6, []int{2, 4, 6}}, // 90 s rounds up to the next whole tick
		{listener.Tick60, 0.1, 2, []int{1, 2}},
		{listener.Tick3600, 60, 2, []int{1, 2}},
		{listener.Tick3600, 90, 4, []int{2, 4}},
	}
	for _, tt := range tests {
		got := dueTicks(t, tt.tick, tt.minutes, tt.n)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s -i %v: due on ticks %v, want %v", tt.tick, tt.minutes, got, tt.want)
		}
	}
	if _, err := newCadence(listener.ProcessStateExited, time.Minute); err == nil {
		t.Error("newCadence accepted a non-tick event")
	}
}

func TestCadenceEvery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tick listener.EventType
		d    time.Duration
		want int64
	}{
		{listener.Tick5, 2 * time.Minute, 24},
		{listener.Tick60, 90 * time.Second, 2},
		{listener.Tick60, 0, 1},
		{listener.Tick60, time.Second, 1},
	} {
		c, _ := newCadence(tt.tick, tt.d)
		if got := c.every(); got != tt.want {
			t.Errorf("%s every %v: Every() = %d, want %d", tt.tick, tt.d, got, tt.want)
		}
	}
}
