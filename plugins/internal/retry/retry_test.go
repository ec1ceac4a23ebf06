package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
)

// newFakeClock returns an instant clock: Do's waits take no real time,
// and its Waits record them.
func newFakeClock() *clock.Fake {
	return clock.NewInstant(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
}

var errFlaky = errors.New("flaky")

// failTimes returns an operation that fails n times, then succeeds, counting
// its calls.
func failTimes(n int, calls *int) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= n {
			return fmt.Errorf("attempt %d: %w", *calls, errFlaky)
		}
		return nil
	}
}

func TestDoSucceedsFirstTime(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	if err := Do(context.Background(), Policy{Clock: clock, MaxAttempts: 5}, failTimes(0, &calls)); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if calls != 1 || len(clock.Waits()) != 0 {
		t.Errorf("calls = %d, waits = %v; want 1 call and no wait", calls, clock.Waits())
	}
}

func TestDoBacksOffExponentiallyUpToMax(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	p := Policy{
		Initial:    100 * time.Millisecond,
		Max:        time.Second,
		Multiplier: 3,
		Jitter:     NoJitter,
		Clock:      clock,
	}
	if err := Do(context.Background(), p, failTimes(5, &calls)); err != nil {
		t.Fatalf("Do: %v", err)
	}
	want := []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, 900 * time.Millisecond, time.Second, time.Second}
	if fmt.Sprint(clock.Waits()) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", clock.Waits(), want)
	}
	if calls != 6 {
		t.Errorf("calls = %d, want 6", calls)
	}
}

func TestDoDefaultsBackoff(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	if err := Do(context.Background(), Policy{Jitter: NoJitter, Clock: clock}, failTimes(8, &calls)); err != nil {
		t.Fatalf("Do: %v", err)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	if fmt.Sprint(clock.Waits()) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", clock.Waits(), want)
	}
}

func TestDoJitterShortensWithinBounds(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	p := Policy{Initial: time.Second, Max: time.Second, Jitter: 0.25, Clock: clock}
	if err := Do(context.Background(), p, failTimes(200, &calls)); err != nil {
		t.Fatalf("Do: %v", err)
	}
	distinct := map[time.Duration]bool{}
	for _, w := range clock.Waits() {
		if w < 750*time.Millisecond || w > time.Second {
			t.Fatalf("wait %v outside [750ms, 1s]", w)
		}
		distinct[w] = true
	}
	// 200 draws from a continuous range: equal values mean no jitter at all.
	if len(distinct) < 100 {
		t.Errorf("only %d distinct waits in 200: jitter is not random", len(distinct))
	}
}

func TestDoStopsAtMaxAttempts(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	p := Policy{MaxAttempts: 3, Initial: time.Second, Jitter: NoJitter, Clock: clock}
	err := Do(context.Background(), p, failTimes(10, &calls))
	if calls != 3 {
		t.Fatalf("calls = %d, want 3", calls)
	}
	var rerr *Error
	if !errors.As(err, &rerr) {
		t.Fatalf("error %T %v is not *Error", err, err)
	}
	if rerr.Attempts != 3 || rerr.Elapsed != 3*time.Second {
		t.Errorf("Attempts = %d, Elapsed = %v; want 3 and 3s", rerr.Attempts, rerr.Elapsed)
	}
	if !errors.Is(err, errFlaky) {
		t.Errorf("errors.Is(err, errFlaky) = false for %v", err)
	}
	want := "gave up after 3 attempts over 3s (attempt limit reached): attempt 3: flaky"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err, want)
	}
}

func TestDoStopsWhenBudgetWouldBeExceeded(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	p := Policy{MaxElapsed: 10 * time.Second, Initial: time.Second, Jitter: NoJitter, Clock: clock}
	op := func(ctx context.Context) error {
		calls++
		clock.Advance(500 * time.Millisecond) // each attempt takes a while
		return errFlaky
	}
	err := Do(context.Background(), p, op)
	// Attempts end at 0.5, 2, 4.5, 9 s; the next wait (8s) would end at 17s.
	if calls != 4 {
		t.Errorf("calls = %d, want 4", calls)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; fmt.Sprint(clock.Waits()) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", clock.Waits(), want)
	}
	want := "gave up after 4 attempts over 9s (time budget 10s spent): flaky"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestDoAttemptContextEndsWithBudget(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	p := Policy{MaxElapsed: time.Hour, MaxAttempts: 2, Initial: time.Minute, Jitter: NoJitter, Clock: clock}
	var remaining []time.Duration
	_ = Do(context.Background(), p, func(ctx context.Context) error {
		dl, ok := ctx.Deadline()
		if !ok {
			t.Fatal("attempt context has no deadline despite MaxElapsed")
		}
		remaining = append(remaining, time.Until(dl))
		return errFlaky
	})
	if len(remaining) != 2 {
		t.Fatalf("ran %d attempts, want 2", len(remaining))
	}
	// The second attempt starts a (fake) minute later, so its real deadline
	// is about a minute nearer; allow generous slack for a slow machine.
	if r := remaining[0]; r < 59*time.Minute || r > time.Hour {
		t.Errorf("first attempt deadline in %v, want about 1h", r)
	}
	if r := remaining[1]; r < 58*time.Minute || r > 59*time.Minute {
		t.Errorf("second attempt deadline in %v, want about 59m", r)
	}
}

func TestDoNoBudgetNoDeadline(t *testing.T) {
	t.Parallel()
	err := Do(context.Background(), Policy{MaxAttempts: 1}, func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); ok {
			t.Error("attempt context has a deadline without MaxElapsed")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDoPermanentStopsAtOnce(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	errBad := errors.New("550 no such user")
	err := Do(context.Background(), Policy{MaxAttempts: 10, Clock: clock}, func(context.Context) error {
		calls++
		return fmt.Errorf("sending: %w", Permanent(errBad))
	})
	if calls != 1 || len(clock.Waits()) != 0 {
		t.Fatalf("calls = %d, waits = %v; want 1 call, no wait", calls, clock.Waits())
	}
	if !errors.Is(err, errBad) || !IsPermanent(err) {
		t.Errorf("err = %v: Is(errBad) = %v, IsPermanent = %v; want both", err, errors.Is(err, errBad), IsPermanent(err))
	}
	want := "gave up after 1 attempt over 0s (not retryable): sending: 550 no such user"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err, want)
	}
}

func TestPermanentAndRetryAfterOfNil(t *testing.T) {
	t.Parallel()
	if Permanent(nil) != nil || RetryAfter(nil, time.Second) != nil {
		t.Error("marking a nil error must give nil")
	}
	if IsPermanent(errFlaky) || IsPermanent(nil) {
		t.Error("IsPermanent true for an unmarked error")
	}
	if got := Permanent(errFlaky).Error(); got != "flaky" {
		t.Errorf("Permanent changes the text: %q", got)
	}
	if got := RetryAfter(errFlaky, time.Second).Error(); got != "flaky" {
		t.Errorf("RetryAfter changes the text: %q", got)
	}
}

func TestDoRetryAfterOverridesBackoff(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	p := Policy{MaxElapsed: time.Minute, Initial: time.Second, Jitter: NoJitter, Clock: clock}
	err := Do(context.Background(), p, func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return RetryAfter(errors.New("429 slow down"), 7*time.Second)
		case 2:
			return errFlaky // plain backoff continues from the attempt count
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if want := []time.Duration{7 * time.Second, 2 * time.Second}; fmt.Sprint(clock.Waits()) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", clock.Waits(), want)
	}
}

func TestDoRetryAfterPastBudgetGivesUp(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	calls := 0
	p := Policy{MaxElapsed: 30 * time.Second, Clock: clock}
	err := Do(context.Background(), p, func(context.Context) error {
		calls++
		return RetryAfter(errors.New("429 slow down"), time.Minute)
	})
	if calls != 1 || len(clock.Waits()) != 0 {
		t.Fatalf("calls = %d, waits = %v; want 1 call and no wait", calls, clock.Waits())
	}
	want := "gave up after 1 attempt over 0s (asked to retry after 1m0s, past the time budget 30s): 429 slow down"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestDoContextCanceledWhileWaiting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	p := Policy{Clock: newFakeClock(), OnRetry: func(attempt int, _ error, _ time.Duration) {
		if attempt == 2 {
			cancel() // during the second wait
		}
	}}
	err := Do(ctx, p, failTimes(100, &calls))
	if calls != 2 {
		t.Errorf("calls = %d, want 2", calls)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errFlaky) {
		t.Errorf("err = %v; want it to wrap both context.Canceled and the last error", err)
	}
	if !strings.HasPrefix(err.Error(), "stopped after 2 attempts over ") || !strings.Contains(err.Error(), "(context canceled): attempt 2: flaky") {
		t.Errorf("Error() = %q", err)
	}
}

func TestDoContextDoneBeforeFirstAttempt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := Do(ctx, Policy{}, failTimes(0, &calls))
	if calls != 0 {
		t.Errorf("op ran %d times with a done context", calls)
	}
	if !errors.Is(err, context.Canceled) || err.Error() != "stopped before the first attempt: context canceled" {
		t.Errorf("err = %v", err)
	}
}

func TestDoContextEndedDuringAttemptStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	err := Do(ctx, Policy{Clock: newFakeClock()}, func(ctx context.Context) error {
		calls++
		cancel()
		return ctx.Err()
	})
	if calls != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("calls = %d, err = %v; want 1 call and context.Canceled", calls, err)
	}
}

func TestDoOnRetryReportsEachRetry(t *testing.T) {
	t.Parallel()
	type report struct {
		attempt int
		err     string
		wait    time.Duration
	}
	var got []report
	calls := 0
	p := Policy{
		MaxAttempts: 3,
		Initial:     time.Second,
		Jitter:      NoJitter,
		Clock:       newFakeClock(),
		OnRetry: func(attempt int, err error, wait time.Duration) {
			got = append(got, report{attempt, err.Error(), wait})
		},
	}
	_ = Do(context.Background(), p, failTimes(5, &calls))
	// No report for the last attempt: it is not retried.
	want := []report{{1, "attempt 1: flaky", time.Second}, {2, "attempt 2: flaky", 2 * time.Second}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("OnRetry reports = %v, want %v", got, want)
	}
}

func TestDoRealClockRetriesQuickly(t *testing.T) {
	t.Parallel()
	calls := 0
	p := Policy{MaxElapsed: time.Minute, Initial: time.Millisecond, Max: 2 * time.Millisecond}
	if err := Do(context.Background(), p, failTimes(3, &calls)); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if calls != 4 {
		t.Errorf("calls = %d, want 4", calls)
	}
}

func BenchmarkDoSuccess(b *testing.B) {
	ctx := context.Background()
	op := func(context.Context) error { return nil }
	for b.Loop() {
		_ = Do(ctx, Policy{MaxElapsed: time.Minute}, op)
	}
}

// Cause is the last attempt's error, through any wrapping, and the error
// itself when no retry gave up.
func TestCause(t *testing.T) {
	last := errors.New("connection refused")
	wrapped := fmt.Errorf("subject: not delivered to mail: %w", &Error{Attempts: 3, Err: last})
	if got := Cause(wrapped); got != last {
		t.Errorf("Cause(%v) = %v, want the last attempt's error", wrapped, got)
	}
	plain := errors.New("disk full")
	if got := Cause(plain); got != plain {
		t.Errorf("Cause(%v) = %v, want the error itself", plain, got)
	}
}
