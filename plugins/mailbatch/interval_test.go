package mailbatch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/testharness"
)

func TestParseInterval(t *testing.T) {
	t.Parallel()
	good := map[float64]time.Duration{
		1:      time.Minute,
		0.5:    30 * time.Second,
		2:      2 * time.Minute,
		1.5:    90 * time.Second,
		0.01:   time.Second, // 0.6 s rounds to 1
		1440.0: 24 * time.Hour,
	}
	for min, want := range good {
		if got, err := parseInterval(min); err != nil || got != want {
			t.Errorf("parseInterval(%v) = %v, %v; want %v", min, got, err, want)
		}
	}
	for _, bad := range []float64{-1, 1e12, 0, 0.001} {
		if _, err := parseInterval(bad); err == nil {
			t.Errorf("parseInterval(%v) accepted", bad)
		}
	}
}

func TestParseTickEvent(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]listener.EventType{
		"TICK_5": listener.Tick5, "TICK_60": listener.Tick60, "TICK_3600": listener.Tick3600, "tick_5": listener.Tick5,
	} {
		if got, err := parseTickEvent(name); err != nil || got != want {
			t.Errorf("parseTickEvent(%q) = %q, %v", name, got, err)
		}
	}
	// superlance accepted TICK_10 (any TICK_ prefix) and then waited for
	// an event supervisord never sends.
	for _, bad := range []string{"TICK_10", "JUNK_60", "TICK", "TICK_", "PROCESS_STATE", ""} {
		_, err := parseTickEvent(bad)
		if err == nil || !strings.HasSuffix(err.Error(), "is not a supervisord tick event; use TICK_5, TICK_60 or TICK_3600") {
			t.Errorf("parseTickEvent(%q) = %v", bad, err)
		}
	}
}

// dueTicks returns the ticks (counted from 1) at which a Cadence fires in
// the first n ticks.
func dueTicks(t *testing.T, tick listener.EventType, minutes float64, n int) []int {
	t.Helper()
	every, err := parseInterval(minutes)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCadence(tick, every)
	if err != nil {
		t.Fatal(err)
	}
	var due []int
	var counted int64
	for i := 1; i <= n; i++ {
		var ok bool
		if counted, ok = c.count(counted); ok {
			due = append(due, i)
		}
	}
	return due
}

// The interval counts whole ticks. superlance summed tick_secs/60 in
// floating point and fired late: TICK_5 with -i 2 on tick 25 instead of
// 24, -i 0.5 on tick 7 instead of 6.
func TestCadenceCountsWholeTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tick    listener.EventType
		minutes float64
		n       int
		want    []int
	}{
		{listener.Tick5, 2, 50, []int{24, 48}},
		{listener.Tick5, 0.5, 13, []int{6, 12}},
		{listener.Tick5, 1, 25, []int{12, 24}},
		{listener.Tick60, 1, 3, []int{1, 2, 3}},
		{listener.Tick60, 10, 20, []int{10, 20}},
		{listener.Tick60, 1.5, 6, []int{2, 4, 6}}, // 90 s rounds up to the next whole tick
		{listener.Tick60, 0.1, 2, []int{1, 2}},
		{listener.Tick3600, 60, 2, []int{1, 2}},
		{listener.Tick3600, 90, 4, []int{2, 4}},
	}
	for _, tt := range tests {
		got := dueTicks(t, tt.tick, tt.minutes, tt.n)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s -i %v: due on ticks %v, want %v", tt.tick, tt.minutes, got, tt.want)
		}
	}
	if _, err := newCadence(listener.ProcessStateExited, time.Minute); err == nil {
		t.Error("newCadence accepted a non-tick event")
	}
}

func TestCadenceEvery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		tick listener.EventType
		d    time.Duration
		want int64
	}{
		{listener.Tick5, 2 * time.Minute, 24},
		{listener.Tick60, 90 * time.Second, 2},
		{listener.Tick60, 0, 1},
		{listener.Tick60, time.Second, 1},
	} {
		c, _ := newCadence(tt.tick, tt.d)
		if got := c.every(); got != tt.want {
			t.Errorf("%s every %v: Every() = %d, want %d", tt.tick, tt.d, got, tt.want)
		}
	}
}

// batchTicker drives a handler directly, as supervisord would, with an
// outbox in dir that outlives it: restart closes the outbox without
// flushing, as a kill -9 leaves it, and opens a new handler on it.
type batchTicker struct {
	t      *testing.T
	dir    string
	cfg    config
	h      *handler
	log    *rig.Buffer
	serial uint64
	when   int64
}

func newBatchTicker(t *testing.T, interval time.Duration) *batchTicker {
	t.Helper()
	return newBatchTickerIn(t, interval, func(string) {})
}

// newBatchTickerIn is newBatchTicker with prepare run on the outbox
// directory before the handler opens it.
func newBatchTickerIn(t *testing.T, interval time.Duration, prepare func(dir string)) *batchTicker {
	t.Helper()
	bt := &batchTicker{t: t, dir: t.TempDir(), when: 1_800_000_000, log: &rig.Buffer{}, cfg: config{
		kind: crashMailBatch, interval: interval, tickEvent: listener.Tick60,
		mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
	}}
	bt.cfg.log = log.New(bt.log)
	prepare(bt.dir)
	bt.open()
	t.Cleanup(func() { bt.h.Shutdown(context.Background()) })
	return bt
}

func (bt *batchTicker) open() {
	bt.t.Helper()
	cfg := bt.cfg
	cfg.outbox.Dir = bt.dir
	h, err := newHandler(cfg)
	must(bt.t, err)
	bt.h = h
}

func (bt *batchTicker) restart() {
	bt.t.Helper()
	must(bt.t, bt.h.ob.Close(rig.Context(bt.t)))
	bt.open()
}

// handle delivers ev with the next serial and fails the test if the
// handler does not acknowledge it.
func (bt *batchTicker) handle(ev listener.Event) listener.Event {
	bt.t.Helper()
	bt.serial++
	ev.Serial, ev.Pool = bt.serial, "batch"
	must(bt.t, bt.h.HandleEvent(rig.Context(bt.t), ev))
	return ev
}

func (bt *batchTicker) crash() {
	bt.handle(stateEvent(testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: int(bt.serial + 1)}))
}

// tick delivers the next TICK_60 and reports whether it queued the batch:
// when HandleEvent returns, that is when supervisord gets the tick's OK,
// the lines must have become a mail.
func (bt *batchTicker) tick() (listener.Event, bool) {
	bt.t.Helper()
	bt.when += 60
	before := len(bt.h.pending())
	ev := bt.handle(listener.Event{Header: listener.Header{EventName: listener.Tick60}, Payload: "when:" + strconv.FormatInt(bt.when, 10)})
	return ev, before > 0 && len(bt.h.pending()) == 0
}

// A listener killed and restarted anywhere in the interval mails on the
// tick it mails on when nothing restarts: the count of ticks is kept with
// the pending batch. superlance's, in memory, started again at every
// restart.
func TestIntervalSurvivesRestarts(t *testing.T) {
	t.Parallel()
	// dueTicksWith runs 9 ticks of a 3-tick interval, a crash before
	// each interval, restarting before the ticks listed, and returns the
	// ticks that queued a batch.
	dueTicksWith := func(t *testing.T, restarts ...int) ([]int, *batchTicker) {
		bt := newBatchTicker(t, 3*time.Minute)
		var due []int
		for i := 1; i <= 9; i++ {
			if i%3 == 1 {
				bt.crash()
			}
			if slices.Contains(restarts, i) {
				bt.restart()
			}
			if _, ok := bt.tick(); ok {
				due = append(due, i)
			}
		}
		return due, bt
	}
	want := []int{3, 6, 9}
	if got, _ := dueTicksWith(t); !slices.Equal(got, want) {
		t.Fatalf("without restarts, due on ticks %v, want %v", got, want)
	}
	for _, restarts := range [][]int{{2}, {3}, {2, 3}, {2, 3, 4, 5, 6, 7, 8, 9}, {4, 8}} {
		got, bt := dueTicksWith(t, restarts...)
		if !slices.Equal(got, want) {
			t.Errorf("restarted before ticks %v: due on ticks %v, want %v; log:\n%s", restarts, got, want, bt.log)
		}
	}
	// A restart says where the interval stands.
	_, bt := dueTicksWith(t, 3)
	if msgs := bt.log.Messages(); !strings.Contains(msgs, "1 line(s) left pending by an earlier run, in the outbox "+bt.dir+"; 2 of the 3 TICK_60 of the interval counted") {
		t.Errorf("log:\n%s", msgs)
	}
}

// A tick delivered again, because its listener was killed after counting
// it but before its OK reached supervisord, is counted once, in the same
// run or the next.
func TestRedeliveredTickIsCountedOnce(t *testing.T) {
	t.Parallel()
	bt := newBatchTicker(t, 2*time.Minute)
	bt.crash()
	first, _ := bt.tick()
	for range 2 {
		must(t, bt.h.HandleEvent(rig.Context(t), first))
	}
	bt.restart()
	must(t, bt.h.HandleEvent(rig.Context(t), first))
	if p := bt.h.pending(); len(p) != 1 {
		t.Fatalf("the first tick, delivered 4 times, completed a 2-tick interval: pending %q", p)
	}
	if _, ok := bt.tick(); !ok {
		t.Errorf("the second tick did not queue the batch; log:\n%s", bt.log)
	}
}

// A store written by golance before the pending lines were a list, with
// two lines pending, one mailed and two of the three ticks of the interval
// counted, keeps all of it: the lines, the key of the line mailed (its
// event delivered again is not collected again) and the count (the next
// tick mails the two lines). testdata/store-v1/outbox.db was written by
// main's code at 296c3b2: a handler with -i 3 and TICK_60, the line of
// event old/1 and three ticks (mailed, delivered), the lines of old/2 and
// old/3 and two ticks, then its outbox closed as a kill leaves it.
func TestStoreFromBeforeTheListsKeepsItsBatch(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile("testdata/store-v1/outbox.db")
	must(t, err)
	bt := newBatchTickerIn(t, 3*time.Minute, func(dir string) {
		must(t, os.WriteFile(filepath.Join(dir, "outbox.db"), fixture, 0o600))
	})
	want := []string{
		"2024-05-06 07:09:09,123 -- Process web:web (pid 102) died unexpectedly",
		"2024-05-06 07:10:09,123 -- Process api:api (pid 103) died unexpectedly",
	}
	if got := bt.h.pending(); !slices.Equal(got, want) {
		t.Fatalf("pending %q, want %q", got, want)
	}
	if msgs := bt.log.Messages(); !strings.Contains(msgs, "2 line(s) left pending by an earlier run, in the outbox "+bt.dir+"; 2 of the 3 TICK_60 of the interval counted") {
		t.Errorf("log:\n%s", msgs)
	}
	ctx := rig.Context(t)
	must(t, bt.h.add(ctx, "old/1", "mailed already", at))
	must(t, bt.h.add(ctx, "old/3", "pending already", at))
	bt.restart() // migrated once: the lines are not moved twice
	if got := bt.h.pending(); !slices.Equal(got, want) {
		t.Fatalf("after a restart, pending %q, want %q", got, want)
	}
	if _, ok := bt.tick(); !ok {
		t.Fatalf("the third tick did not queue the batch; log:\n%s", bt.log)
	}
}
