package testkit

import (
	"os"
	"testing"
	"time"
)

// Outage returns how long a sink stays down in an outbox's outage test:
// def in `make test`, or $GOLANCE_OUTAGE, which `make soak` sets to five
// minutes.
func Outage(t testing.TB, def time.Duration) time.Duration {
	t.Helper()
	s := os.Getenv("GOLANCE_OUTAGE")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("GOLANCE_OUTAGE=%q: want a duration such as 5m", s)
	}
	return d
}
