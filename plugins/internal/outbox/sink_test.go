package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
)

// testSink records what it delivers. While down is set it fails every
// delivery with that error.
type testSink struct {
	name string

	mu        sync.Mutex
	down      error
	delivered []Item
	attempts  int
	hold      chan struct{} // non-nil: Deliver waits for it (or ctx)
	entered   chan struct{} // receives once per Deliver call, if non-nil
}

func newTestSink(name string) *testSink { return &testSink{name: name} }

func (s *testSink) String() string { return s.name }

func (s *testSink) Deliver(ctx context.Context, it Item) error {
	s.mu.Lock()
	s.attempts++
	hold, entered := s.hold, s.entered
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down != nil {
		return s.down
	}
	s.delivered = append(s.delivered, it)
	return nil
}

func (s *testSink) Summary(d Dropped) ([]byte, string, error) {
	return []byte(d.String()), d.Subject(), nil
}

func (s *testSink) setDown(err error) {
	s.mu.Lock()
	s.down = err
	s.mu.Unlock()
}

func (s *testSink) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, it := range s.delivered {
		out = append(out, it.Key)
	}
	return out
}

func (s *testSink) items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Item(nil), s.delivered...)
}

// waitKeys waits until the sink has delivered n items.
func (s *testSink) waitKeys(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		k := s.keys()
		if len(k) >= n {
			return k
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s delivered %d item(s) (%q), want %d", s.name, len(k), k, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var errDown = errors.New("connection refused")

// fastRetry makes background retries quick.
var fastRetry = retry.Policy{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, Jitter: retry.NoJitter}

func item(sink string, n int) Item {
	return Item{Key: fmt.Sprintf("k%d", n), Sink: sink, Subject: fmt.Sprintf("web crashed (%d)", n),
		At: time.Date(2026, 12, 2, 7, 0, n, 0, time.UTC), Payload: []byte(fmt.Sprint(n))}
}

func enqueue(t *testing.T, ob *Outbox, items ...Item) {
	t.Helper()
	err := ob.Update(context.Background(), func(tx *Tx) error {
		for _, it := range items {
			tx.Enqueue(it)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
