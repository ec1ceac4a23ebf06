package slacknotify

import (
	"context"
	"io"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// BenchmarkIgnoredEvent is the cost of the events that owe Slack
// nothing, which are most of what a PROCESS_STATE subscription brings.
func BenchmarkIgnoredEvent(b *testing.B) {
	n, err := newHandler(config{poster: &dryRun{W: io.Discard}})
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
