// Package retry runs an operation again after transient failures, waiting
// longer each time, until it succeeds, the policy's attempt limit or time
// budget runs out, the operation reports a permanent failure, or the context
// ends.
//
// A listener that retries blocks the event it is handling, and supervisord
// keeps buffering events meanwhile, so every retry in golance is bounded:
// give a Policy a MaxElapsed budget (or MaxAttempts) that is short compared
// with the rate at which events arrive.
//
// The operation classifies its own errors: wrap an error with Permanent to
// stop at once (a 5xx SMTP reply, a bad address), or with RetryAfter when
// the other side says when to come back (an HTTP 429 Retry-After).
// Everything else is retried.
package retry
