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

// Transient removes the Permanent marks from err, keeping its text and what
// errors.Is and errors.As find in it: for a caller that knows better than
// the code that marked it, as the outbox's mail sink knows that a rejected
// login is worth trying again once the operator has fixed the password.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &unmarked{err}
}

// unmarked hides the Permanent marks inside err from IsPermanent.
type unmarked struct{ err error }

func (e *unmarked) Error() string { return e.err.Error() }
func (e *unmarked) Unwrap() error { return e.err }

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent.
// The outermost mark wins: Transient over Permanent hides it.
func IsPermanent(err error) bool {
	switch e := err.(type) {
	case nil, *unmarked:
		return false
	case *permanentError:
		return true
	case interface{ Unwrap() error }:
		return IsPermanent(e.Unwrap())
	case interface{ Unwrap() []error }:
		for _, x := range e.Unwrap() {
			if IsPermanent(x) {
				return true
			}
		}
	}
	return false
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

// retryAfterOf returns the wait requested by a RetryAfter mark on err.
func retryAfterOf(err error) (time.Duration, bool) {
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
