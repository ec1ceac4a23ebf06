package testharness

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func notifiedTicks(tr *Transcript) []string {
	var out []string
	for _, r := range tr.Filter(RecordNotified, "") {
		if r.EventName.Is(listener.Tick) {
			out = append(out, string(r.EventName)+" "+r.Payload)
		}
	}
	return out
}

// TickAt is supervisord's tick(): one event per period whose slice rolled
// over, carrying the start of the new slice.
func TestTickAtEmitsRolledOverSlices(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_001, 0) // 1_800_000_000 is a multiple of 3600
	s := Start(t, Config{Clock: NewFakeClock(start), Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick}}}})
	s.TickAt(start.Add(3 * time.Second)) // same 5s slice: nothing
	s.TickAt(start.Add(4 * time.Second)) // 1_800_000_005
	s.TickAt(start.Add(3600 * time.Second))
	want := []string{
		"TICK_5 when:1800000005",
		"TICK_5 when:1800003600",
		"TICK_60 when:1800003600",
		"TICK_3600 when:1800003600",
	}
	if got := notifiedTicks(s.Transcript()); !slices.Equal(got, want) {
		t.Fatalf("ticks %q, want %q", got, want)
	}
}

// With ClockTicks, moving a FakeClock emits the ticks.
func TestClockTicksFollowAFakeClock(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Unix(1_800_000_002, 0))
	s := Start(t, Config{Clock: clock, ClockTicks: true, Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick}}}})
	ctx := testCtx(t)
	clock.Advance(3 * time.Second)
	must(t, s.WaitFor(ctx, "a TICK_5", func(tr *Transcript) bool { return len(notifiedTicks(tr)) == 1 }))
	clock.Advance(60 * time.Second)
	must(t, s.WaitFor(ctx, "TICK_5 and TICK_60", func(tr *Transcript) bool { return len(notifiedTicks(tr)) == 3 }))
	want := []string{"TICK_5 when:1800000005", "TICK_5 when:1800000065", "TICK_60 when:1800000060"}
	if got := notifiedTicks(s.Transcript()); !slices.Equal(got, want) {
		t.Fatalf("ticks %q, want %q", got, want)
	}
}

// TickEvery accelerates time for ticks: every interval is 5 seconds.
func TestTickEveryAccelerates(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Clock: NewFakeClock(time.Unix(1_800_000_000, 0)), TickEvery: time.Millisecond,
		Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick60},
			Handler: listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })}}})
	ctx := testCtx(t)
	must(t, s.WaitResults(ctx, "p", 2))
	res := s.Transcript().Results("p")
	if res[0].EventName != listener.Tick60 || !res[0].OK {
		t.Fatalf("results %+v", res)
	}
	ticks := notifiedTicks(s.Transcript())
	if len(ticks) < 26 || ticks[0] != "TICK_5 when:1800000005" || ticks[11] != "TICK_5 when:1800000060" || ticks[12] != "TICK_60 when:1800000060" {
		t.Fatalf("ticks %q", ticks[:min(len(ticks), 14)])
	}
}
