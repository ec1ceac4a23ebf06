package clock

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_000, 0)
	c := NewFake(start)
	var mu sync.Mutex
	var fired []string
	var wg sync.WaitGroup
	at := func(name string, d time.Duration) Timer {
		wg.Add(1)
		return c.AfterFunc(d, func() {
			defer wg.Done()
			mu.Lock()
			fired = append(fired, name)
			mu.Unlock()
		})
	}
	at("2s", 2*time.Second)
	stopped := at("3s", 3*time.Second)
	at("10s", 10*time.Second)
	if !stopped.Stop() {
		t.Fatal("Stop on a pending timer reported false")
	}
	wg.Done() // the stopped timer never runs
	if stopped.Stop() {
		t.Fatal("Stop twice reported true")
	}
	c.Advance(5 * time.Second)
	if got := c.Now(); !got.Equal(start.Add(5 * time.Second)) {
		t.Fatalf("Now = %v", got)
	}
	waitFired := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := slices.Clone(fired)
			mu.Unlock()
			if len(got) >= n {
				return got
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatalf("timers did not fire")
		return nil
	}
	if got := waitFired(1); len(got) != 1 || got[0] != "2s" {
		t.Fatalf("fired %v after 5s, want [2s]", got)
	}
	c.Set(start.Add(time.Hour))
	if got := waitFired(2); got[1] != "10s" {
		t.Fatalf("fired %v", got)
	}
	at("now", 0)
	wg.Wait()
	if got := c.Waits(); !slices.Equal(got, []time.Duration{2 * time.Second, 3 * time.Second, 10 * time.Second}) {
		t.Fatalf("Waits = %v", got)
	}
}

// On an instant clock a wait takes no real time but shows on Now.
func TestInstant(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_000, 0)
	c := NewInstant(start)
	var seen []time.Time
	c.OnWait(func(n int) { seen = append(seen, c.Now()) })
	began := time.Now()
	for _, d := range []time.Duration{time.Hour, 30 * time.Minute} {
		if err := Sleep(context.Background(), c, d); err != nil {
			t.Fatal(err)
		}
	}
	if real := time.Since(began); real > 5*time.Second {
		t.Fatalf("an instant sleep took %v", real)
	}
	if got := c.Now(); !got.Equal(start.Add(90 * time.Minute)) {
		t.Fatalf("Now = %v, want start+90m", got)
	}
	if got := c.Waits(); !slices.Equal(got, []time.Duration{time.Hour, 30 * time.Minute}) {
		t.Fatalf("Waits = %v", got)
	}
	// OnWait saw each wait's end before it fired.
	if want := []time.Time{start.Add(time.Hour), start.Add(90 * time.Minute)}; !slices.EqualFunc(seen, want, time.Time.Equal) {
		t.Fatalf("OnWait saw %v, want %v", seen, want)
	}
}

func TestFakeNext(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_000, 0)
	c := NewFake(start)
	if at, ok := c.Next(); ok {
		t.Fatalf("Next = %v on a clock without timers", at)
	}
	c.AfterFunc(5*time.Second, func() {})
	soon := c.AfterFunc(2*time.Second, func() {})
	if at, ok := c.Next(); !ok || !at.Equal(start.Add(2*time.Second)) {
		t.Fatalf("Next = %v, %t; want the 2s timer", at, ok)
	}
	soon.Stop()
	if at, ok := c.Next(); !ok || !at.Equal(start.Add(5*time.Second)) {
		t.Fatalf("Next = %v, %t after Stop; want the 5s timer", at, ok)
	}
	c.Advance(5 * time.Second)
	if at, ok := c.Next(); ok {
		t.Fatalf("Next = %v once every timer fired", at)
	}
}
