package outbox

import (
	"strings"
	"testing"
	"time"
)

func TestDroppedText(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 12, 2, 7, 0, s, 0, time.Local) }
	var d Dropped
	d.Sink, d.Why, d.LastError = "SMTP server localhost:25", "the outbox keeps at most 3 notifications for it", "dial tcp: connection refused"
	for i, s := range []string{"web crashed", "db crashed", "web crashed", "api crashed", "web crashed", "cache crashed", "x"} {
		d.add(Item{Subject: s, At: at(10 - i)})
	}
	// An earlier summary folds in.
	d.add(Item{Dropped: &Dropped{Count: 3, Subjects: []string{"old"}, First: at(1), Last: at(2)}})
	want := "10 notification(s) about web crashed; db crashed; web crashed; api crashed; web crashed and 5 more were dropped, " +
		"from between 2026-12-02 07:00:01,000 and 2026-12-02 07:00:10,000, because SMTP server localhost:25 was unreachable " +
		"(the outbox keeps at most 3 notifications for it); last error: dial tcp: connection refused"
	if got := d.String(); got != want {
		t.Fatalf("summary\n got %s\nwant %s", got, want)
	}
	if s := d.Subject(); !strings.HasPrefix(s, "10 notification(s) dropped") {
		t.Fatalf("subject %q", s)
	}
}
