package log

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
)

// messages returns the lines of buf without their time stamps.
func messages(buf *bytes.Buffer) []string {
	var out []string
	for l := range strings.SplitSeq(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if l != "" {
			out = append(out, l[len("2006-01-02 15:04:05,000 "):])
		}
	}
	return out
}

func TestRecurring(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	r := NewRecurring(New(&buf), slog.LevelWarn, c)
	if r.Recover("supervisord answers again") || r.Failing() {
		t.Fatal("a recovery without a failure was logged")
	}
	logged := []bool{
		r.Fail("cannot reach supervisord: connection refused", "url", "unix:///run/s.sock"),
		r.Fail("cannot reach supervisord: connection refused", "url", "unix:///run/s.sock"),
		r.Fail("cannot reach supervisord: connection refused"),
		r.Fail("cannot reach supervisord: 401 Unauthorized"),
		r.Fail("cannot reach supervisord: 401 Unauthorized"),
	}
	if want := []bool{true, false, false, true, false}; !slices.Equal(logged, want) {
		t.Fatalf("logged %v, want %v", logged, want)
	}
	if !r.Failing() {
		t.Fatal("not failing after failures")
	}
	// A figure that changes at every attempt does not make a new failure.
	if r.FailAs("cannot reach supervisord: 401 Unauthorized", "cannot reach supervisord after 3.2s: 401 Unauthorized") {
		t.Fatal("FailAs logged a failure of the same key")
	}
	c.Advance(90 * time.Second)
	if !r.Recover("supervisord answers again") || r.Recover("supervisord answers again") {
		t.Fatal("the recovery is not logged exactly once")
	}
	// A new streak starts afresh, the same text included.
	r.Fail("cannot reach supervisord: connection refused")
	c.Advance(time.Second)
	r.Recover("supervisord answers again")
	want := []string{
		"WARN cannot reach supervisord: connection refused url=unix:///run/s.sock",
		"WARN cannot reach supervisord: 401 Unauthorized",
		"INFO supervisord answers again after 6 failures over 1m30s",
		"WARN cannot reach supervisord: connection refused",
		"INFO supervisord answers again after 1 failure over 1s",
	}
	if got := messages(&buf); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
