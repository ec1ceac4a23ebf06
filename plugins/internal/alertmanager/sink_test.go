package alertmanager

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/outbox"
)

// recorder is an Alertmanager that records what it is posted.
type recorder struct {
	mu    sync.Mutex
	posts [][]Alert
	srv   *httptest.Server
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var alerts []Alert
		if err := json.NewDecoder(req.Body).Decode(&alerts); err != nil {
			t.Errorf("decoding: %v", err)
		}
		r.mu.Lock()
		r.posts = append(r.posts, alerts)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) all() [][]Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]Alert(nil), r.posts...)
}

func newTestSink(t *testing.T, url string, clk clock.Clock) *Sink {
	c, err := NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewSink(c, 4*time.Minute, map[string]string{"host": "h1"}, clk)
}

func TestDeliverStampsEndsAtAtDelivery(t *testing.T) {
	rec := newRecorder(t)
	start := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	s := newTestSink(t, rec.srv.URL, clk)
	firing := Alert{Labels: map[string]string{"alertname": "A"}, StartsAt: start}
	it, err := s.Item("am", "k1", "web crashed", firing)
	if err != nil {
		t.Fatal(err)
	}
	if it.Key != "k1" || it.Sink != "am" || !it.At.Equal(start) {
		t.Errorf("item %+v", it)
	}
	// The item waited an hour in the outbox: its endsAt counts from now.
	clk.Advance(time.Hour)
	if err := s.Deliver(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	resolvedAt := start.Add(2 * time.Hour)
	resolved := Alert{Labels: firing.Labels, StartsAt: start, EndsAt: resolvedAt}
	it2, _ := s.Item("am", "k2", "web recovered", resolved)
	if !it2.At.Equal(resolvedAt) {
		t.Errorf("a resolution's At = %v, want its endsAt", it2.At)
	}
	clk.Advance(3 * time.Hour)
	if err := s.Deliver(context.Background(), it2); err != nil {
		t.Fatal(err)
	}
	posts := rec.all()
	if len(posts) != 2 {
		t.Fatalf("%d posts", len(posts))
	}
	if got, want := posts[0][0].EndsAt, start.Add(time.Hour+4*time.Minute); !got.Equal(want) {
		t.Errorf("firing endsAt %v, want %v (delivery + validity)", got, want)
	}
	if got := posts[1][0].EndsAt; !got.Equal(resolvedAt) {
		t.Errorf("resolved endsAt %v, want the resolution's time %v", got, resolvedAt)
	}
}

func TestResendPostsWhatFiresUnderTheLock(t *testing.T) {
	rec := newRecorder(t)
	s := newTestSink(t, rec.srv.URL, nil)
	if err := s.Resend(context.Background(), func() []Alert { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 0 {
		t.Fatalf("a resend of nothing posted %d times", n)
	}
	// While Resend holds the lock, a Deliver waits: a resolution queued
	// meanwhile arrives after the resend, never before.
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Resend(context.Background(), func() []Alert {
			close(inside)
			<-release
			return []Alert{{Labels: map[string]string{"alertname": "A"}, StartsAt: time.Now()}}
		})
	}()
	<-inside
	resolved, _ := s.Item("am", "r", "resolved", Alert{Labels: map[string]string{"alertname": "A"}, StartsAt: time.Now(), EndsAt: time.Now()})
	delivered := make(chan error, 1)
	go func() { delivered <- s.Deliver(context.Background(), resolved) }()
	select {
	case <-delivered:
		t.Fatal("Deliver did not wait for the resend under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-delivered; err != nil {
		t.Fatal(err)
	}
	posts := rec.all()
	if len(posts) != 2 || time.Until(posts[0][0].EndsAt) < 3*time.Minute || posts[1][0].EndsAt.After(time.Now()) {
		t.Fatalf("posts in the wrong order: %+v", posts)
	}
}

func TestSummaryAlert(t *testing.T) {
	now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	s := newTestSink(t, "http://am:9093", clock.NewFake(now))
	d := outbox.Dropped{Count: 3, Subjects: []string{"web crashed"}, First: now.Add(-time.Hour), Last: now, Sink: s.String(), Why: "the outbox keeps at most 2 notifications for it"}
	payload, subject, err := s.Summary(d)
	if err != nil {
		t.Fatal(err)
	}
	var a Alert
	if err := json.Unmarshal(payload, &a); err != nil {
		t.Fatal(err)
	}
	if a.Labels["alertname"] != DroppedAlertName || a.Labels["host"] != "h1" {
		t.Errorf("labels %v", a.Labels)
	}
	if !a.EndsAt.Equal(now.Add(time.Hour)) || !strings.Contains(a.Annotations["description"], "web crashed") || subject != d.Subject() {
		t.Errorf("summary %+v, subject %q", a, subject)
	}
	if s.labels["alertname"] != "" {
		t.Error("Summary changed the sink's labels")
	}
}
