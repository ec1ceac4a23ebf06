package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleepOnTheRealClock(t *testing.T) {
	t.Parallel()
	start := time.Now()
	if err := Sleep(context.Background(), nil, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("slept %v, want at least 20ms", d)
	}
	if _, ok := Or(nil).(Real); !ok {
		t.Fatal("Or(nil) is not Real")
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	t.Parallel()
	c := NewFake(time.Unix(1_800_000_000, 0)) // never moves: only ctx can end the wait
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, c, time.Hour) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if err := Sleep(ctx, c, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(0) on an ended context = %v", err)
	}
}
