package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
)

// queue delivers one sink's items in the order they were queued, one at a
// time: a sink that is down holds back everything behind its head, which is
// what a sink that is down does anyway, and keeps the order (an incident's
// update after its opening message).
type queue struct {
	ob       *Outbox
	name     string
	sink     Sink
	wakeCh   chan struct{}
	failures *log.Recurring

	mu       sync.Mutex
	inflight string // key of the item being delivered
	// retrying is the key of the item a failed attempt left for the next,
	// after the backoff: the count bound keeps it as it keeps the one in
	// flight, so that a Slack alert is not dropped from under the edits
	// queued behind it; the age bound drops it as any.
	retrying string
	lastErr  string
	// Since the sink last failed: when, and how many were delivered
	// after that.
	downSince time.Time
	delivered int
}

func newQueue(ob *Outbox, name string, s Sink) *queue {
	return &queue{ob: ob, name: name, sink: s, wakeCh: make(chan struct{}, 1),
		failures: log.NewRecurring(ob.cfg.Log, slog.LevelWarn, ob.cfg.Clock)}
}

func (q *queue) wake() {
	select {
	case q.wakeCh <- struct{}{}:
	default:
	}
}

func (q *queue) stats() (n int, oldest time.Time) {
	if q.ob.st == nil {
		return 0, time.Time{}
	}
	_ = q.ob.st.view(func(tx *bolt.Tx) error {
		n, oldest = queueStats(tx, q.name)
		return nil
	})
	return n, oldest
}

// run delivers until the outbox is closed, or stopped while its sink
// fails. Deliveries run under ctx, which Close cancels after a grace
// period; the waits between failed attempts end at Stop.
func (q *queue) run(ctx context.Context) {
	ob := q.ob
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ob.stopped:
			cancel()
		case <-waitCtx.Done():
		}
	}()
	failures := 0
	for {
		if err := q.enforceAge(); err != nil {
			ob.writes.Fail(fmt.Sprintf("cannot write the outbox in %s: %v", ob.dir, err))
		}
		var (
			seq []byte
			it  Item
			ok  bool
		)
		ob.dropMu.Lock()
		err := ob.st.view(func(tx *bolt.Tx) (err error) {
			seq, it, ok, err = head(tx, q.name)
			return err
		})
		if err == nil && ok {
			q.mu.Lock()
			q.inflight = it.Key
			q.mu.Unlock()
		}
		ob.dropMu.Unlock()
		if err != nil {
			ob.cfg.Log.Error(fmt.Sprintf("cannot read the outbox in %s: %v; background delivery to %s stops", ob.dir, err, q.sink))
			return
		}
		if !ok {
			q.drained()
			select {
			case <-q.wakeCh:
				continue
			case <-ob.closing:
				// An item queued just before Close (a batch mailer's
				// last batch) is still delivered, within Close's grace,
				// if the sink works.
				select {
				case <-q.wakeCh:
					if failures == 0 {
						continue
					}
				default:
				}
				return
			case <-ctx.Done():
				return
			}
		}
		if failures > 0 && waitCtx.Err() != nil {
			q.mu.Lock()
			q.inflight = ""
			q.mu.Unlock()
			return
		}
		actx, cancel := context.WithTimeout(ctx, ob.cfg.AttemptTimeout)
		derr := q.sink.Deliver(actx, it)
		cancel()
		// An item delivered or refused stays in flight until finish has
		// taken it out of the queue: a bound dropping it in between would
		// count it in a summary although it went.
		settled := func() {
			q.mu.Lock()
			q.inflight = ""
			q.mu.Unlock()
		}
		q.mu.Lock()
		q.retrying = ""
		if derr != nil && !q.refuses(derr) {
			q.inflight, q.retrying = "", it.Key
		}
		q.mu.Unlock()
		switch {
		case derr == nil:
			failures = 0
			ob.cfg.Log.Info(fmt.Sprintf("delivered to %s: %s", q.sink, it.Subject))
			q.mu.Lock()
			if !q.downSince.IsZero() {
				q.delivered++
			}
			q.mu.Unlock()
			if err := q.finish(seq, it, "delivered", nil); err != nil {
				ob.writes.Fail(fmt.Sprintf("cannot write the outbox in %s: %v; %s may be delivered again", ob.dir, err, it.Subject))
			}
			settled()
			continue
		case ctx.Err() != nil:
			settled()
			return
		case q.refuses(derr):
			ob.cfg.Log.Error(fmt.Sprintf("%s: refused by %s for good: %v; set aside in %s, not retried", it.Subject, q.sink, derr, ob.st.path))
			if err := q.finish(seq, it, "rejected", derr); err != nil {
				ob.writes.Fail(fmt.Sprintf("cannot write the outbox in %s: %v", ob.dir, err))
			}
			settled()
			continue
		}
		failures++
		q.failed(derr)
		if clock.Sleep(waitCtx, ob.cfg.Clock, q.wait(failures, derr)) != nil {
			return
		}
	}
}

// wait is the pause after the given number of failed attempts in a row,
// the last of which failed with err: the backoff, or longer when the far
// end asked for a longer wait (HTTP 429 with Retry-After), since an
// attempt before then would only be refused again.
func (q *queue) wait(failures int, err error) time.Duration {
	w := q.ob.cfg.Retry.Wait(failures)
	if after, ok := retry.RetryAfterOf(err); ok && after > w {
		return after
	}
	return w
}

// failed records and reports a failed delivery.
func (q *queue) failed(err error) {
	now := q.ob.cfg.Clock.Now()
	q.mu.Lock()
	if q.downSince.IsZero() {
		q.downSince = now
	}
	q.lastErr = err.Error()
	q.mu.Unlock()
	n, oldest := q.stats()
	q.failures.Fail(fmt.Sprintf("notifications for %s undelivered: %v; retrying in the background", q.sink, err),
		"pending", n, "oldest", now.Sub(oldest).Round(time.Second))
}

// drained reports the end of an outage once the queue is empty again.
func (q *queue) drained() {
	q.mu.Lock()
	since, n := q.downSince, q.delivered
	q.downSince, q.lastErr, q.delivered = time.Time{}, "", 0
	q.mu.Unlock()
	if since.IsZero() {
		return
	}
	q.failures.Recover(fmt.Sprintf("%s is back: delivered %d notification(s) held for up to %s",
		q.sink, n, q.ob.cfg.Clock.Now().Sub(since).Round(time.Second)))
}

// finish removes a delivered or rejected item from the queue. The item at
// seq may have been replaced by a drop summary meanwhile; then only its key
// is recorded.
func (q *queue) finish(seq []byte, it Item, state string, cause error) error {
	now := q.ob.cfg.Clock.Now()
	return q.ob.st.update(func(tx *bolt.Tx) error {
		b, err := sinkBucket(tx, bucketQueue, q.name)
		if err != nil {
			return err
		}
		var cur Item
		if v := b.Get(seq); v != nil && json.Unmarshal(v, &cur) == nil && cur.Key == it.Key {
			if err := b.Delete(seq); err != nil {
				return err
			}
		}
		if state == "rejected" {
			r, err := sinkBucket(tx, bucketRejected, q.name)
			if err != nil {
				return err
			}
			v, err := json.Marshal(struct {
				Item
				Error string `json:"error"`
			}{it, cause.Error()})
			if err != nil {
				return err
			}
			if err := r.Put(seq, v); err != nil {
				return err
			}
		}
		return putKey(tx, q.name, it.Key, state, now)
	})
}

// enforceCount drops the oldest items beyond Config.MaxItems, inside the
// transaction that queued new ones.
func (q *queue) enforceCount(tx *bolt.Tx) error {
	b, err := sinkBucket(tx, bucketQueue, q.name)
	if err != nil {
		return err
	}
	excess := countKeys(b) - q.ob.cfg.MaxItems
	if excess <= 0 {
		return nil
	}
	// The summary takes one place too.
	return q.drop(tx, b, excess+1, time.Time{}, fmt.Sprintf("the outbox keeps at most %d notifications for it", q.ob.cfg.MaxItems))
}

// enforceAge drops items queued longer than Config.MaxAge ago.
func (q *queue) enforceAge() error {
	cutoff := q.ob.cfg.Clock.Now().Add(-q.ob.cfg.MaxAge)
	if n, oldest := q.stats(); n == 0 || !oldest.Before(cutoff) {
		return nil
	}
	return q.ob.st.update(func(tx *bolt.Tx) error {
		b, err := sinkBucket(tx, bucketQueue, q.name)
		if err != nil {
			return err
		}
		return q.drop(tx, b, -1, cutoff, fmt.Sprintf("the outbox keeps notifications for at most %s", q.ob.cfg.MaxAge))
	})
}

// drop removes up to n items from the head of b (all those queued before
// cutoff when n < 0), never the one being delivered (nor, for a count, the
// one waiting out its backoff), and puts a summary of
// them in the place of the newest one dropped.
func (q *queue) drop(tx *bolt.Tx, b *bolt.Bucket, n int, cutoff time.Time, why string) error {
	q.mu.Lock()
	inflight, retrying, lastErr := q.inflight, q.retrying, q.lastErr
	q.mu.Unlock()
	if n < 0 {
		retrying = ""
	}
	d := Dropped{Sink: q.sink.String(), Why: why, LastError: lastErr}
	var victims [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && (n < 0 || len(victims) < n); k, v = c.Next() {
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			return err
		}
		if n < 0 && !it.Queued.Before(cutoff) {
			break
		}
		if it.Key == inflight || it.Key == retrying {
			continue
		}
		d.add(it)
		victims = append(victims, bytes.Clone(k))
	}
	if len(victims) == 0 {
		return nil
	}
	now := q.ob.cfg.Clock.Now()
	for _, k := range victims {
		var it Item
		_ = json.Unmarshal(b.Get(k), &it)
		if err := b.Delete(k); err != nil {
			return err
		}
		if err := putKey(tx, q.name, it.Key, "dropped", now); err != nil {
			return err
		}
	}
	payload, subject, err := q.sink.Summary(d)
	if err != nil {
		return fmt.Errorf("cannot write the summary of %d dropped notifications: %w", d.Count, err)
	}
	place := victims[len(victims)-1]
	sum := Item{Key: fmt.Sprintf("dropped/%x", place), Sink: q.name, Subject: subject, At: d.Last, Payload: payload, Queued: now, Dropped: &d}
	v, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	if err := b.Put(place, v); err != nil {
		return err
	}
	if err := putKey(tx, q.name, sum.Key, "queued", now); err != nil {
		return err
	}
	q.ob.cfg.Log.Warn(fmt.Sprintf("dropped %d notification(s) for %s (%s); a summary takes their place", d.Count, q.sink, why))
	return nil
}

// refuses reports whether err sets the item aside rather than holding the
// queue.
func (q *queue) refuses(err error) bool {
	if r, ok := q.sink.(Refuser); ok {
		return r.Refuses(err)
	}
	return retry.IsPermanent(err)
}
