package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
)

func ExampleDo() {
	attempts := 0
	err := retry.Do(context.Background(), retry.Policy{MaxElapsed: time.Minute, Initial: time.Millisecond},
		func(ctx context.Context) error {
			attempts++
			if attempts < 3 {
				return errors.New("connection refused") // transient: retried
			}
			return nil
		})
	fmt.Println(attempts, err)
	// Output: 3 <nil>
}

func ExamplePermanent() {
	errNoSuchUser := errors.New("550 no such user")
	err := retry.Do(context.Background(), retry.Policy{MaxAttempts: 5},
		func(ctx context.Context) error {
			return retry.Permanent(errNoSuchUser) // retrying cannot help
		})
	var rerr *retry.Error
	if errors.As(err, &rerr) {
		fmt.Println(rerr.Attempts, errors.Is(err, errNoSuchUser))
	}
	// Output: 1 true
}

func ExampleRetryAfter() {
	// An HTTP client would take the wait from a 429's Retry-After header.
	post := func(ctx context.Context) error {
		return retry.RetryAfter(errors.New("429 Too Many Requests"), 2*time.Minute)
	}
	// A wait past the budget ends the retries at once.
	err := retry.Do(context.Background(), retry.Policy{MaxElapsed: time.Minute}, post)
	var rerr *retry.Error
	if errors.As(err, &rerr) {
		fmt.Println(rerr.Attempts, rerr.Err)
	}
	// Output: 1 429 Too Many Requests
}
