package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/retry"
	bolt "go.etcd.io/bbolt"
)

// logBuffer collects log lines written from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) count(re string) int {
	return len(regexp.MustCompile(re).FindAllStringIndex(l.String(), -1))
}

func open(t *testing.T, dir string, sinks ...*testSink) (*Outbox, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	m := map[string]Sink{}
	for _, s := range sinks {
		m[s.name] = s
	}
	ob, err := Open(Config{Dir: dir, Sinks: m, Retry: fastRetry,
		SyncRetry: retry.Policy{MaxAttempts: 2, Initial: time.Millisecond},
		Log:       slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close(context.Background()) })
	return ob, logs
}

func TestDurableDeliversInOrderAfterUpdate(t *testing.T) {
	s := newTestSink("mail")
	ob, _ := open(t, t.TempDir(), s)
	if ob.Mode() != Durable {
		t.Fatalf("mode %v, want durable", ob.Mode())
	}
	ob.Start()
	enqueue(t, ob, item("mail", 1), item("mail", 2))
	enqueue(t, ob, item("mail", 3))
	got := s.waitKeys(t, 3)
	if strings.Join(got, ",") != "k1,k2,k3" {
		t.Fatalf("delivered %v, want k1,k2,k3 in order", got)
	}
	waitFor(t, func() bool { return ob.Pending()["mail"].Items == 0 })
}

func TestUpdateReturnsBeforeDeliveryWhileSinkIsDown(t *testing.T) {
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, logs := open(t, t.TempDir(), s)
	ob.Start()
	for i := 1; i <= 20; i++ {
		enqueue(t, ob, item("mail", i))
	}
	if p := ob.Pending()["mail"]; p.Items != 20 {
		t.Fatalf("pending %d, want 20", p.Items)
	}
	time.Sleep(100 * time.Millisecond) // several failed attempts
	s.setDown(nil)
	got := s.waitKeys(t, 20)
	for i, k := range got {
		if want := item("mail", i+1).Key; k != want {
			t.Fatalf("delivery %d is %s, want %s", i, k, want)
		}
	}
	waitFor(t, func() bool { return logs.count(`is back: delivered 20 notification`) == 1 })
	// The outage is reported once, not once per attempt.
	if n := logs.count(`undelivered`); n != 1 {
		t.Fatalf("%d undelivered line(s), want 1:\n%s", n, logs)
	}
}

func TestFailureLineRepeatsOnlyWhenTheErrorChanges(t *testing.T) {
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, logs := open(t, t.TempDir(), s)
	ob.Start()
	enqueue(t, ob, item("mail", 1))
	waitFor(t, func() bool { return s.attemptCount() >= 3 })
	s.setDown(errors.New("451 try again later"))
	waitFor(t, func() bool { return logs.count(`451 try again later`) == 1 })
	n := s.attemptCount()
	waitFor(t, func() bool { return s.attemptCount() >= n+3 })
	if got := logs.count(`undelivered`); got != 2 {
		t.Fatalf("%d undelivered lines, want 2 (one per distinct failure):\n%s", got, logs)
	}
}

func (s *testSink) attemptCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDuplicateKeysAreStoredOnce(t *testing.T) {
	s := newTestSink("mail")
	dir := t.TempDir()
	ob, _ := open(t, dir, s)
	ob.Start()
	enqueue(t, ob, item("mail", 1), item("mail", 1))
	s.waitKeys(t, 1)
	enqueue(t, ob, item("mail", 1)) // a redelivered event, after delivery
	enqueue(t, ob, item("mail", 2))
	got := s.waitKeys(t, 2)
	if strings.Join(got, ",") != "k1,k2" {
		t.Fatalf("delivered %v, want k1 once then k2", got)
	}
	if !ob.Seen("mail", "k1") || ob.Seen("mail", "k9") || ob.Seen("slack", "k1") {
		t.Fatal("Seen does not reflect what was queued")
	}
	ob.Close(context.Background())

	// After a restart, the delivered key is still known.
	s2 := newTestSink("mail")
	ob2, _ := open(t, dir, s2)
	ob2.Start()
	enqueue(t, ob2, item("mail", 1), item("mail", 3))
	if got := s2.waitKeys(t, 1); strings.Join(got, ",") != "k3" {
		t.Fatalf("after restart delivered %v, want only k3", got)
	}
}

func TestQueuedItemsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, _ := open(t, dir, s)
	ob.Start()
	enqueue(t, ob, item("mail", 1), item("mail", 2))
	if err := ob.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	s2 := newTestSink("mail")
	ob2, logs := open(t, dir, s2)
	ob2.Start()
	if got := s2.waitKeys(t, 2); strings.Join(got, ",") != "k1,k2" {
		t.Fatalf("delivered %v after restart", got)
	}
	if !strings.Contains(logs.String(), "2 notification(s) for mail left by an earlier run") {
		t.Fatalf("no resume line:\n%s", logs)
	}
	if it := s2.items()[0]; string(it.Payload) != "1" || it.Subject != "web crashed (1)" || !it.At.Equal(item("mail", 1).At) {
		t.Fatalf("item came back changed: %+v", it)
	}
}

func TestCountBoundDropsOldestForASummary(t *testing.T) {
	s := newTestSink("mail")
	s.setDown(errDown)
	logs := &logBuffer{}
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, MaxItems: 5, Retry: fastRetry,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	// Not started: nothing is in flight, so the bound applies exactly.
	for i := 1; i <= 8; i++ {
		enqueue(t, ob, item("mail", i))
	}
	if p := ob.Pending()["mail"]; p.Items != 5 {
		t.Fatalf("pending %d, want the bound, 5", p.Items)
	}
	s.setDown(nil)
	ob.Start()
	got := s.waitKeys(t, 5)
	sum := s.items()[0]
	if sum.Dropped == nil || sum.Dropped.Count != 4 {
		t.Fatalf("first delivery %+v, want a summary of 4 dropped items", sum)
	}
	text := string(sum.Payload)
	for _, want := range []string{"4 notification(s) about web crashed (1); web crashed (2); web crashed (3); web crashed (4)",
		"because mail was unreachable", "at most 5 notifications", "connection refused"} {
		if want == "connection refused" {
			continue // no delivery was attempted before the bound was hit
		}
		if !strings.Contains(text, want) {
			t.Errorf("summary %q lacks %q", text, want)
		}
	}
	if rest := strings.Join(got[1:], ","); rest != "k5,k6,k7,k8" {
		t.Fatalf("after the summary delivered %s, want k5..k8", rest)
	}
	if !strings.Contains(logs.String(), "dropped") {
		t.Fatalf("dropping was not logged:\n%s", logs)
	}
}

// Under a count bound that drops items while the sink delivers, every
// item is accounted for exactly once: delivered, or counted in a summary
// that was, never both (an item the delivery loop had read as its head
// but not yet marked in flight was dropped and delivered all the same).
func TestBoundAndDeliveryCountEachItemOnce(t *testing.T) {
	const n = 3000
	s := newTestSink("mail")
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, Retry: fastRetry, MaxItems: 2,
		SyncRetry: retry.Policy{MaxAttempts: 1}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	ob.Start()
	for i := range n {
		it := Item{Key: fmt.Sprintf("k%d", i), Sink: "mail", Subject: fmt.Sprintf("item %d", i)}
		if err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(it); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return ob.Pending()["mail"].Items == 0 })
	delivered, dropped := 0, 0
	for _, it := range s.items() {
		if it.Dropped == nil {
			delivered++
			continue
		}
		var d Dropped
		if err := json.Unmarshal(it.Payload, &d); err == nil {
			dropped += d.Count
		} else {
			dropped += it.Dropped.Count
		}
	}
	if delivered+dropped != n {
		t.Errorf("%d delivered and %d dropped, of %d items", delivered, dropped, n)
	}
}

// The item a failed attempt leaves for the next is still the one being
// delivered while the queue waits out its backoff: a bound reached then
// drops the items behind it, never it (a Slack alert whose edits queue
// behind it keeps its thread).
func TestCountBoundKeepsTheItemInBackoff(t *testing.T) {
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, MaxItems: 3,
		Retry: retry.Policy{Initial: time.Hour, Jitter: retry.NoJitter}, Log: slog.New(slog.NewTextHandler(&logBuffer{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	ob.Start()
	enqueue(t, ob, item("mail", 1))
	for deadline := time.Now().Add(10 * time.Second); s.attemptCount() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no attempt")
		}
	}
	time.Sleep(20 * time.Millisecond) // the attempt over, the hour's backoff begun
	for i := 2; i <= 4; i++ {
		enqueue(t, ob, item("mail", i))
	}
	var keys []string
	err = ob.st.view(func(tx *bolt.Tx) error {
		b, err := sinkBucket(tx, bucketQueue, "mail")
		if err != nil {
			return err
		}
		return b.ForEach(func(_, v []byte) error {
			var it Item
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			keys = append(keys, it.Key)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys[0] != "k1" || !strings.HasPrefix(keys[1], "dropped/") || keys[2] != "k4" {
		t.Fatalf("queue %q, want k1 (in backoff), the summary of k2 and k3, k4", keys)
	}
}

func TestSummariesFoldTogether(t *testing.T) {
	s := newTestSink("mail")
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, MaxItems: 3, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	for i := 1; i <= 10; i++ {
		enqueue(t, ob, item("mail", i))
	}
	ob.Start()
	s.waitKeys(t, 3)
	sum := s.items()[0]
	if sum.Dropped == nil || sum.Dropped.Count != 8 {
		t.Fatalf("summary %+v, want one summary of all 8 dropped items", sum.Dropped)
	}
	if got := s.keys()[1:]; strings.Join(got, ",") != "k9,k10" {
		t.Fatalf("kept %v, want k9,k10", got)
	}
}

func TestAgeBoundDropsOldItems(t *testing.T) {
	s := newTestSink("mail")
	s.setDown(errDown)
	clk := clock.NewFake(time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC))
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, MaxAge: time.Hour, Clock: clk, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	ob.Start()
	enqueue(t, ob, item("mail", 1), item("mail", 2))
	clk.Advance(50 * time.Minute)
	enqueue(t, ob, item("mail", 3))
	clk.Advance(20 * time.Minute) // 1 and 2 are now 70 minutes old, 3 is 20
	// The queue notices the age at its next attempt, after its backoff.
	waitFor(t, func() bool { clk.Advance(time.Second); return ob.Pending()["mail"].Items == 2 })
	s.setDown(nil)
	waitFor(t, func() bool { clk.Advance(time.Second); return len(s.keys()) == 2 })
	its := s.items()
	if its[0].Dropped == nil || its[0].Dropped.Count != 2 || its[1].Key != "k3" {
		t.Fatalf("delivered %+v, want a summary of k1,k2 then k3", its)
	}
	if !strings.Contains(string(its[0].Payload), "at most 1h0m0s") {
		t.Fatalf("summary %q does not say which bound", its[0].Payload)
	}
}

func TestPermanentRefusalSetsItemAside(t *testing.T) {
	s := &rejectingSink{testSink: newTestSink("mail"), reject: "k1"}
	logs := &logBuffer{}
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, Retry: fastRetry,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	ob.Start()
	enqueue(t, ob, item("mail", 1), item("mail", 2))
	if got := s.waitKeys(t, 1); got[0] != "k2" {
		t.Fatalf("delivered %v, want k2 after k1 was refused", got)
	}
	if !strings.Contains(logs.String(), "refused by mail for good: 550 no such user") {
		t.Fatalf("refusal not logged:\n%s", logs)
	}
	waitFor(t, func() bool { return ob.Pending()["mail"].Items == 0 })
	enqueue(t, ob, item("mail", 1)) // its key is known: not queued again
	if ob.Pending()["mail"].Items != 0 {
		t.Fatal("a refused item was queued again")
	}
}

type rejectingSink struct {
	*testSink
	reject string
}

func (s *rejectingSink) Deliver(ctx context.Context, it Item) error {
	if it.Key == s.reject {
		return retry.Permanent(errors.New("550 no such user"))
	}
	return s.testSink.Deliver(ctx, it)
}

func TestStateIsDurableAndAtomicWithItems(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, _ := open(t, dir, s)
	type batch struct{ Lines []string }
	err := ob.Update(context.Background(), func(tx *Tx) error {
		return tx.Save("batch", batch{Lines: []string{"a", "b"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Turning the batch into an item and clearing it is one step.
	err = ob.Update(context.Background(), func(tx *Tx) error {
		var b batch
		if ok, err := tx.Load("batch", &b); err != nil || !ok {
			t.Fatalf("Load: %v %v", ok, err)
		}
		tx.Enqueue(Item{Key: "batch-1", Sink: "mail", Subject: "batch", Payload: []byte(strings.Join(b.Lines, "\n"))})
		tx.Delete("batch")
		var again batch
		if ok, _ := tx.Load("batch", &again); ok {
			t.Fatal("Load sees a state deleted in the same Tx")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx2Save(ob, "incident/web", "1700000000.0001"); err != nil {
		t.Fatal(err)
	}
	ob.Close(context.Background())

	s2 := newTestSink("mail")
	ob2, _ := open(t, dir, s2)
	var b struct{ Lines []string }
	if ok, _ := ob2.LoadState("batch", &b); ok {
		t.Fatal("deleted state came back")
	}
	var ts string
	if ok, err := ob2.LoadState("incident/web", &ts); !ok || err != nil || ts != "1700000000.0001" {
		t.Fatalf("saved state: %q %v %v", ts, ok, err)
	}
	ob2.Start()
	if got := s2.waitKeys(t, 1); got[0] != "batch-1" {
		t.Fatalf("delivered %v", got)
	}
}

func tx2Save(ob *Outbox, name, v string) error { return ob.SaveState(name, v) }

func TestUpdateErrorChangesNothing(t *testing.T) {
	s := newTestSink("mail")
	ob, _ := open(t, t.TempDir(), s)
	boom := errors.New("boom")
	err := ob.Update(context.Background(), func(tx *Tx) error {
		tx.Enqueue(item("mail", 1))
		_ = tx.Save("x", 1)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v", err)
	}
	if ob.Pending()["mail"].Items != 0 || ob.Seen("mail", "k1") {
		t.Fatal("a failed Update queued its item")
	}
	if ok, _ := ob.LoadState("x", new(int)); ok {
		t.Fatal("a failed Update saved its state")
	}
}

func TestUnknownSinkAndMissingKeyAreErrors(t *testing.T) {
	ob, _ := open(t, t.TempDir(), newTestSink("mail"))
	err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(item("slack", 1)); return nil })
	if err == nil || !strings.Contains(err.Error(), `sink "slack"`) {
		t.Fatalf("unknown sink: %v", err)
	}
	err = ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(Item{Sink: "mail", Subject: "x"}); return nil })
	if err == nil || !strings.Contains(err.Error(), "no key") {
		t.Fatalf("missing key: %v", err)
	}
}

func TestNoneDeliversBeforeAnswering(t *testing.T) {
	s := newTestSink("mail")
	ob, _ := open(t, None, s)
	if ob.Mode() != Synchronous {
		t.Fatalf("mode %v", ob.Mode())
	}
	enqueue(t, ob, item("mail", 1))
	if got := s.keys(); len(got) != 1 {
		t.Fatalf("delivered %v before Update returned, want k1", got)
	}
	enqueue(t, ob, item("mail", 1)) // redelivered event: not sent again
	if got := s.keys(); len(got) != 1 {
		t.Fatalf("delivered %v, want k1 once", got)
	}
	s.setDown(errDown)
	err := ob.Update(context.Background(), func(tx *Tx) error {
		tx.Enqueue(item("mail", 2))
		return tx.Save("batch", []string{"x"})
	})
	if !errors.Is(err, errDown) {
		t.Fatalf("Update with the sink down returned %v, want the sink's error", err)
	}
	if ok, _ := ob.LoadState("batch", new([]string)); ok {
		t.Fatal("state kept although delivery failed")
	}
}

// Without an outbox, a sink that stays down is said once however many
// items fail on it, each after its retries, and once when it is back:
// the subject and the attempts differ from item to item, the failure
// does not.
func TestSynchronousOutageIsLoggedOnce(t *testing.T) {
	s := newTestSink("mail")
	ob, logs := open(t, None, s)
	s.setDown(errDown)
	for i := range 3 {
		err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(item("mail", i+1)); return nil })
		if !errors.Is(err, errDown) {
			t.Fatalf("item %d: %v, want the sink's error", i+1, err)
		}
	}
	if n := logs.count(`not delivered`); n != 1 {
		t.Errorf("%d lines about the outage, want 1:\n%s", n, logs)
	}
	s.setDown(nil)
	enqueue(t, ob, item("mail", 4))
	if n := logs.count(`accepts notifications again after 6 failures`); n != 1 {
		t.Errorf("no one recovery line after the 6 failures (3 items, 2 attempts each):\n%s", logs)
	}
}

func TestStopEndsSynchronousRetriesAtOnce(t *testing.T) {
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, err := Open(Config{Dir: None, Sinks: map[string]Sink{"mail": s},
		SyncRetry: retry.Policy{MaxElapsed: time.Minute, Initial: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		waitFor(t, func() bool { return s.attemptCount() >= 2 })
		ob.Stop()
	}()
	start := time.Now()
	err = ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(item("mail", 1)); return nil })
	if err == nil || !strings.Contains(err.Error(), "stopping") {
		t.Fatalf("Update returned %v, want a stopped delivery", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Stop took %s to end the retries", d)
	}
}

func TestCloseLetsADeliveryUnderWayFinish(t *testing.T) {
	s := newTestSink("mail")
	s.hold, s.entered = make(chan struct{}), make(chan struct{}, 1)
	ob, _ := open(t, t.TempDir(), s)
	ob.Start()
	enqueue(t, ob, item("mail", 1))
	<-s.entered
	go func() { time.Sleep(50 * time.Millisecond); close(s.hold) }()
	if err := ob.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.keys(); len(got) != 1 {
		t.Fatalf("the delivery under way did not finish: %v", got)
	}
}

func TestCloseCancelsAStuckDeliveryAfterTheGrace(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink("mail")
	s.hold, s.entered = make(chan struct{}), make(chan struct{}, 1)
	ob, err := Open(Config{Dir: dir, Sinks: map[string]Sink{"mail": s}, CloseGrace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ob.Start()
	enqueue(t, ob, item("mail", 1))
	<-s.entered
	start := time.Now()
	if err := ob.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %s", d)
	}
	// The item is still there for the next run.
	s2 := newTestSink("mail")
	ob2, _ := open(t, dir, s2)
	ob2.Start()
	s2.waitKeys(t, 1)
}

func TestLockedStoreFallsBackToSynchronous(t *testing.T) {
	dir := t.TempDir()
	first, _ := open(t, dir, newTestSink("mail"))
	if first.Mode() != Durable {
		t.Fatal("first outbox not durable")
	}
	s := newTestSink("mail")
	second, logs := open(t, dir, s)
	if second.Mode() != Synchronous {
		t.Fatalf("second holder mode %v, want synchronous", second.Mode())
	}
	line := logs.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, "in use by another process (pid ") || !strings.Contains(line, "delivering each notification before answering") {
		t.Fatalf("want one line naming the holder and the fallback, got:\n%s", line)
	}
	enqueue(t, second, item("mail", 1))
	if len(s.keys()) != 1 {
		t.Fatal("the fallback does not deliver")
	}
}

func TestUnwritableDirectoryFallsBackToSynchronous(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newTestSink("mail")
	ob, logs := open(t, filepath.Join(file, "outbox"), s)
	if ob.Mode() != Synchronous || !strings.Contains(logs.String(), "cannot use the outbox") {
		t.Fatalf("mode %v, log:\n%s", ob.Mode(), logs)
	}
	enqueue(t, ob, item("mail", 1))
	if len(s.keys()) != 1 {
		t.Fatal("the fallback does not deliver")
	}
}

func TestCorruptStoreIsMovedAside(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("not a bbolt file "), 1000), 0o600)
		}},
		{"truncated", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:100], 0o600)
		}},
		{"flipped page", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			for i := 4096 * 2; i < len(b); i += 7 {
				b[i] ^= 0xff
			}
			os.WriteFile(path, b, 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newTestSink("mail")
			s.setDown(errDown)
			ob, _ := open(t, dir, s)
			for i := 1; i <= 30; i++ {
				enqueue(t, ob, item("mail", i))
			}
			ob.Close(context.Background())
			tc.corrupt(t, filepath.Join(dir, storeFile))

			s2 := newTestSink("mail")
			ob2, logs := open(t, dir, s2)
			aside, _ := filepath.Glob(filepath.Join(dir, storeFile+".corrupt-*"))
			if len(aside) != 1 || ob2.Mode() != Durable || strings.Count(logs.String(), "\n") != 1 ||
				!strings.Contains(logs.String(), "moved aside to "+aside[0]) {
				t.Fatalf("aside %v, mode %v, log:\n%s", aside, ob2.Mode(), logs)
			}
			ob2.Start()
			enqueue(t, ob2, item("mail", 100))
			waitFor(t, func() bool {
				for _, k := range s2.keys() {
					if k == "k100" {
						return true
					}
				}
				return false
			})
		})
	}
}

func TestFullDiskDeliversSynchronouslyAndSaysSoOnce(t *testing.T) {
	s := newTestSink("mail")
	logs := &logBuffer{}
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, Retry: fastRetry,
		Log: slog.New(slog.NewTextHandler(logs, nil)), maxSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	// Not started: what is stored stays stored, until the "disk" is full.
	big := bytes.Repeat([]byte("x"), 8<<10)
	n, fallbacks := 0, 0
	for fallbacks < 5 && n < 500 {
		n++
		it := item("mail", n)
		it.Payload = big
		if err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(it); return nil }); err != nil {
			t.Fatalf("item %d: %v", n, err)
		}
		if len(s.keys()) > fallbacks {
			fallbacks++ // delivered synchronously, before Update returned
		}
	}
	if fallbacks < 5 {
		t.Fatalf("the store never filled up in %d items", n)
	}
	if got := logs.count("cannot write the outbox"); got != 1 {
		t.Fatalf("%d lines about the full store, want 1:\n%s", got, logs)
	}
	ob.Start()
	s.waitKeys(t, n)
}

// A far end that asks for a wait (HTTP 429 with Retry-After) is not tried
// again before then, however short the queue's own backoff; a wait it
// asks for that is shorter than the backoff does not hurry the queue.
func TestBackgroundDeliveryHonoursRetryAfter(t *testing.T) {
	s := &askingSink{testSink: newTestSink("slack"), asks: []time.Duration{7 * time.Second, 3 * time.Second, time.Microsecond}}
	c := clock.NewInstant(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"slack": s}, Retry: fastRetry, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	ob.Start()
	enqueue(t, ob, item("slack", 1))
	s.waitKeys(t, 1)
	// fastRetry's backoff is 5ms, 10ms, 20ms, without jitter.
	want := []time.Duration{7 * time.Second, 3 * time.Second, 20 * time.Millisecond}
	if got := c.Waits(); !slices.Equal(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
}

// askingSink fails with a RetryAfter for each of asks in turn, then
// delivers.
type askingSink struct {
	*testSink
	asks []time.Duration
}

func (s *askingSink) Deliver(ctx context.Context, it Item) error {
	s.mu.Lock()
	if len(s.asks) > 0 {
		d := s.asks[0]
		s.asks = s.asks[1:]
		s.mu.Unlock()
		return retry.RetryAfter(errors.New("429 Too Many Requests"), d)
	}
	s.mu.Unlock()
	return s.testSink.Deliver(ctx, it)
}

func TestAStuckAttemptTimesOut(t *testing.T) {
	s := newTestSink("mail")
	s.hold = make(chan struct{}) // never released: the far end never answers
	ob, err := Open(Config{Dir: t.TempDir(), Sinks: map[string]Sink{"mail": s}, Retry: fastRetry, AttemptTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close(context.Background())
	ob.Start()
	enqueue(t, ob, item("mail", 1))
	waitFor(t, func() bool { return s.attemptCount() >= 3 })
}
