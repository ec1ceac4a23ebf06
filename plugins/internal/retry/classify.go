package retry

import (
	"errors"
	"time"
)

// Permanent marks err as not worth retrying: Do returns as soon as the
// operation returns it. The mark is invisible in the error text and to
// errors.Is and errors.As, which see err itself. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// RetryAfter marks err as transient with a known wait: Do waits d before the
// next attempt instead of its own backoff, as when a server answers HTTP 429
// with a Retry-After header. The time budget still applies: if d would end
// past it, Do gives up at once rather than wait for nothing. The mark is
// invisible in the error text. RetryAfter(nil, d) is nil.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err: err, after: d}
}

// RetryAfterOf returns the wait a RetryAfter mark on err asks for, for
// callers that pace attempts themselves (the outbox's background
// delivery); it reports false when err carries no such mark.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r *retryAfterError
	if errors.As(err, &r) {
		return max(r.after, 0), true
	}
	return 0, false
}

type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }
