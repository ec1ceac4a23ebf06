package retry

import (
	"errors"
	"fmt"
	"time"
)

// Error is what Do returns when the operation never succeeded.
type Error struct {
	// Attempts is how many times the operation ran.
	Attempts int
	// Elapsed is the time from the start of the first attempt until Do gave
	// up.
	Elapsed time.Duration
	// Err is the last error the operation returned; nil if it never ran.
	Err error
	// Stopped is ctx.Err() when the context ended the retries, else nil.
	Stopped error

	reason string
}

// Error reads, for example, "gave up after 3 attempts over 2.5s (attempt
// limit reached): dial tcp 127.0.0.1:25: connection refused".
func (e *Error) Error() string {
	if e.Attempts == 0 {
		return fmt.Sprintf("stopped before the first attempt: %v", e.Stopped)
	}
	verb := "gave up"
	why := e.reason
	if e.Stopped != nil {
		verb, why = "stopped", e.Stopped.Error()
	}
	s := fmt.Sprintf("%s after %s over %s", verb, plural(e.Attempts, "attempt"), roundDuration(e.Elapsed))
	if why != "" {
		s += " (" + why + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the operation's last error and, if the context ended the
// retries, the context's error, so that errors.Is finds either.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Stopped != nil {
		errs = append(errs, e.Stopped)
	}
	return errs
}

// Cause returns the last attempt's error of the first Error in err's
// chain, or err itself when there is none: what failed, without the
// attempts and time that Error adds, so that a log.Recurring keyed by it
// sees one outage however many items and retries it takes.
func Cause(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err
	}
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// roundDuration keeps durations readable: 2.5s rather than 2.500312847s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	default:
		return d.Round(time.Microsecond)
	}
}
