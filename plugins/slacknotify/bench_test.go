package slacknotify

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

// BenchmarkIgnoredEvent is the cost of the events that owe Slack
// nothing, which are most of what a PROCESS_STATE subscription brings.
func BenchmarkIgnoredEvent(b *testing.B) {
	n, err := newHandler(config{poster: &dryRun{W: io.Discard}, outbox: outbox.Config{Dir: outbox.None}})
	if err != nil {
		b.Fatal(err)
	}
	e := testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateStopped, To: listener.StateStarting}.Event()
	ev := listener.Event{Header: listener.Header{EventName: e.Type}, Payload: e.Payload}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := n.HandleEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlertMessage renders and encodes the alert the docs show.
func BenchmarkAlertMessage(b *testing.B) {
	s := scene{inc: sampleIncident(), host: "prod-app-1", now: epoch}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marshal(alertMessage(s)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlertWhileSlackIsDown is what answering a failure costs while
// Slack is down: the alert rendered and made durable with its incident,
// one synced bbolt transaction on this machine's disk. Every failure is
// a new alert (--window 0); Slack refuses each post at once, so the
// background retries stay out of the way.
func BenchmarkAlertWhileSlackIsDown(b *testing.B) {
	n, err := newHandler(config{poster: downPoster{}, host: "prod-app-1",
		outbox: outbox.Config{Dir: b.TempDir(), Retry: retry.Policy{Initial: time.Hour, Max: time.Hour}}})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	ctx := context.Background()
	b.ReportAllocs()
	var serial uint64
	for b.Loop() {
		serial++
		e := testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: int(serial)}.Event()
		ev := listener.Event{Header: listener.Header{Server: "supervisor", Pool: "slack", Serial: serial, EventName: e.Type}, Payload: e.Payload}
		if err := n.HandleEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// downPoster is a Slack that is down.
type downPoster struct{}

func (downPoster) Post(context.Context, message, msgRef) (msgRef, error) {
	return msgRef{}, errors.New("503 Service Unavailable")
}
