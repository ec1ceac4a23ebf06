package alertmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// DroppedAlertName is the alertname of the alert that stands for alerts the
// outbox dropped (see outbox.Dropped).
const DroppedAlertName = "GolanceAlertsDropped"

// droppedFor is how long the alert about dropped alerts fires: long enough
// to be routed and seen, and it needs no resolution.
const droppedFor = time.Hour

// Sink is the outbox.Sink of one Alertmanager. Transitions (an alert
// firing, an alert resolved) reach it through the outbox, in order; the
// periodic resend of what still fires goes through Resend, which shares
// the Sink's lock, so that a resend taken just before a resolution can
// never arrive after it and fire the alert again.
type Sink struct {
	client *Client
	// validFor is how far ahead of a post a firing alert's endsAt lies.
	validFor time.Duration
	// labels are added to the alert about dropped alerts (host).
	labels map[string]string
	clock  clock.Clock

	mu sync.Mutex
}

// NewSink returns the Sink posting to c. A firing alert is posted with
// endsAt validFor after the post (Prometheus uses four resend intervals);
// labels (the host) go on the alert that reports dropped alerts. clk nil
// means the real clock.
func NewSink(c *Client, validFor time.Duration, labels map[string]string, clk clock.Clock) *Sink {
	return &Sink{client: c, validFor: validFor, labels: labels, clock: clock.Or(clk)}
}

// Item returns the outbox item that posts a, keyed by key.
func (s *Sink) Item(name, key, subject string, a Alert) (outbox.Item, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return outbox.Item{}, fmt.Errorf("cannot encode alert %q: %w", subject, err)
	}
	at := a.StartsAt
	if !a.EndsAt.IsZero() {
		at = a.EndsAt
	}
	return outbox.Item{Key: key, Sink: name, Subject: subject, At: at, Payload: b}, nil
}

// Deliver posts the alert of it.
func (s *Sink) Deliver(ctx context.Context, it outbox.Item) error {
	var a Alert
	if err := json.Unmarshal(it.Payload, &a); err != nil {
		return retry.Permanent(fmt.Errorf("queued alert %q cannot be read: %w", it.Subject, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client.Post(ctx, s.stamp([]Alert{a}))
}

// Resend posts again the alerts firing returns, which it calls under the
// Sink's lock: a caller's state read there is the state at the post.
// Nothing is posted when it returns none.
func (s *Sink) Resend(ctx context.Context, firing func() []Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	alerts := firing()
	if len(alerts) == 0 {
		return nil
	}
	return s.client.Post(ctx, s.stamp(alerts))
}

// stamp sets the endsAt of firing alerts, in place.
func (s *Sink) stamp(alerts []Alert) []Alert {
	ends := s.clock.Now().Add(s.validFor).UTC()
	for i := range alerts {
		if alerts[i].EndsAt.IsZero() {
			alerts[i].EndsAt = ends
		}
	}
	return alerts
}

// Summary is an alert that fires for an hour and says which alerts were
// dropped and why. Alertmanager's own state makes the loss small: a
// dropped firing alert that still fires is posted again by the next
// resend, and a dropped resolution is made by endsAt passing.
func (s *Sink) Summary(d outbox.Dropped) ([]byte, string, error) {
	labels := maps.Clone(s.labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels["alertname"] = DroppedAlertName
	now := s.clock.Now().UTC()
	a := Alert{
		Labels:      labels,
		Annotations: map[string]string{"summary": d.Subject(), "description": d.String()},
		StartsAt:    now,
		EndsAt:      now.Add(droppedFor),
	}
	b, err := json.Marshal(a)
	return b, d.Subject(), err
}

// String names the Alertmanager.
func (s *Sink) String() string { return s.client.String() }
