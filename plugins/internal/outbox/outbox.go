package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
)

// Mode says how an Outbox delivers.
type Mode int

const (
	// Durable: items are stored, synced to disk, and delivered in the
	// background.
	Durable Mode = iota
	// Synchronous: items are delivered before Update returns, and Update
	// fails when they cannot be (--outbox none, or a store that cannot
	// be opened).
	Synchronous
)

func (m Mode) String() string {
	if m == Synchronous {
		return "synchronous"
	}
	return "durable"
}

// Outbox stands between a listener and its sinks. See the package doc.
type Outbox struct {
	cfg  Config
	dir  string
	mode Mode
	st   *store // nil when Synchronous

	// updateMu serialises Update; stateMu guards state, dirty and sent,
	// and is never held across a delivery.
	updateMu sync.Mutex
	// dropMu holds a transaction that may drop items (commit) apart from
	// a delivery loop's read of its head and its note of that item as in
	// flight: a bound never drops the item being delivered, and without
	// it could between the two, and the item went out all the same while
	// its summary said it was dropped.
	dropMu     sync.Mutex
	stateMu    sync.Mutex
	state      map[string][]byte
	dirty      map[string]bool // state names not yet written to st
	lists      map[string]*list
	dirtyLists map[string]bool      // lists changed while st could not be written
	sent       map[string]time.Time // keys delivered without st

	queues map[string]*queue
	writes *log.Recurring // the store's write failures

	stopOnce  sync.Once
	stopped   chan struct{} // closed by Stop
	closeOnce sync.Once
	closing   chan struct{} // closed by Close
	runCtx    context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	started   bool
}

// Open opens the outbox cfg describes. It fails only on a configuration
// mistake (no sink, no usable default directory): a store that cannot be
// opened, is locked by another process or is corrupt does not stop the
// listener; Open then says why in one line on cfg.Log and returns a
// Synchronous outbox, and a corrupt store is moved aside, not deleted.
func Open(cfg Config) (*Outbox, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Sinks) == 0 {
		return nil, errors.New("outbox: no sink configured")
	}
	ob := &Outbox{
		cfg:        cfg,
		dir:        cfg.Dir,
		mode:       Synchronous,
		state:      map[string][]byte{},
		dirty:      map[string]bool{},
		lists:      map[string]*list{},
		dirtyLists: map[string]bool{},
		sent:       map[string]time.Time{},
		queues:     map[string]*queue{},
		stopped:    make(chan struct{}),
		closing:    make(chan struct{}),
	}
	ob.runCtx, ob.cancel = context.WithCancel(context.Background())
	ob.writes = log.NewRecurring(cfg.Log, slog.LevelWarn, cfg.Clock)
	for name, s := range cfg.Sinks {
		ob.queues[name] = newQueue(ob, name, s)
	}
	if ob.dir == None {
		return ob, nil
	}
	if ob.dir == "" {
		dir, err := DefaultDir(cfg.Getenv, cfg.Program)
		if err != nil {
			return nil, err
		}
		ob.dir = dir
	}
	st, aside, err := openStore(ob.dir, cfg.LockWait, cfg.maxSize)
	if aside != "" {
		cfg.Log.Error(fmt.Sprintf("the outbox store was corrupt and was moved aside to %s; starting a new one (notifications it held are in that file)", aside))
	}
	if err != nil {
		cfg.Log.Error(fmt.Sprintf("cannot use the outbox in %s: %v; delivering each notification before answering its event until the listener restarts", ob.dir, err))
		return ob, nil
	}
	ob.st, ob.mode = st, Durable
	if err := ob.loadState(); err != nil {
		st.close()
		ob.st, ob.mode = nil, Synchronous
		cfg.Log.Error(fmt.Sprintf("cannot read the outbox in %s: %v; delivering each notification before answering its event until the listener restarts", ob.dir, err))
	}
	return ob, nil
}

// String describes where notifications wait, for a listener's start-up
// line: "outbox /var/lib/golance/crashmail" or "no outbox (each
// notification delivered before its event is answered)".
func (ob *Outbox) String() string {
	if ob.mode == Durable {
		return "outbox " + ob.dir
	}
	return "no outbox (each notification delivered before its event is answered)"
}

// Mode reports how the outbox delivers.
func (ob *Outbox) Mode() Mode { return ob.mode }

// Dir returns the store's directory, or None.
func (ob *Outbox) Dir() string { return ob.dir }

func (ob *Outbox) loadState() error {
	return ob.st.view(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketState).ForEach(func(k, v []byte) error {
			ob.state[string(k)] = append([]byte(nil), v...)
			return nil
		})
		if err != nil {
			return err
		}
		return ob.loadLists(tx)
	})
}

// Start resumes delivery of what an earlier run left and starts the
// background delivery; call it before serving events. It does nothing for
// a Synchronous outbox.
func (ob *Outbox) Start() {
	if ob.mode != Durable || ob.started {
		return
	}
	ob.started = true
	for _, name := range ob.sinkNames() {
		q := ob.queues[name]
		if n, oldest := q.stats(); n > 0 {
			ob.cfg.Log.Info(fmt.Sprintf("%d notification(s) for %s left by an earlier run, the oldest queued %s ago; delivering",
				n, q.sink, ob.cfg.Clock.Now().Sub(oldest).Round(time.Second)))
		}
		ob.wg.Add(1)
		go func() {
			defer ob.wg.Done()
			q.run(ob.runCtx)
		}()
	}
	ob.pruneKeys()
}

func (ob *Outbox) sinkNames() []string {
	names := make([]string, 0, len(ob.queues))
	for name := range ob.queues {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Stop asks the outbox to stop retrying: a synchronous delivery under way
// gives up at once (its event is then rejected and delivered again to the
// next listener), and the background delivery to a sink that is failing
// stops, leaving its items for the next run. Delivery to sinks that work
// goes on until Close.
// A listener calls it as soon as it is asked to stop (SIGTERM). Stop may be
// called more than once.
func (ob *Outbox) Stop() {
	ob.stopOnce.Do(func() { close(ob.stopped) })
}

// Close stops the outbox: it lets a delivery under way finish for up to
// Config.CloseGrace (or until ctx ends), then cancels it, and closes the
// store. What is not delivered stays in the store for the next run.
func (ob *Outbox) Close(ctx context.Context) error {
	ob.Stop()
	ob.closeOnce.Do(func() { close(ob.closing) })
	done := make(chan struct{})
	go func() { ob.wg.Wait(); close(done) }()
	grace := time.NewTimer(ob.cfg.CloseGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
	case <-ctx.Done():
	}
	ob.cancel()
	<-done
	if ob.st == nil {
		return nil
	}
	for _, name := range ob.sinkNames() {
		q := ob.queues[name]
		if n, _ := q.stats(); n > 0 {
			ob.cfg.Log.Warn(fmt.Sprintf("%d notification(s) for %s left undelivered in %s; the listener's next start delivers them", n, q.sink, ob.dir))
		}
	}
	return ob.st.close()
}

// Pending returns how many items wait for each sink, and the age of the
// oldest, for the exporter's metrics and status lines.
func (ob *Outbox) Pending() map[string]QueueStats {
	out := map[string]QueueStats{}
	for name, q := range ob.queues {
		n, oldest := q.stats()
		out[name] = QueueStats{Items: n, Oldest: oldest}
	}
	return out
}

// QueueStats describes one sink's queue.
type QueueStats struct {
	// Items is how many wait; Oldest is when the oldest was queued.
	Items  int
	Oldest time.Time
}

// Seen reports whether the outbox already holds, or recently delivered, the
// item of sink with key: a handler checks it to answer a redelivered event
// without doing its work again.
func (ob *Outbox) Seen(sink, key string) bool {
	ob.stateMu.Lock()
	_, ok := ob.sent[sink+"\x00"+key]
	ob.stateMu.Unlock()
	if ok || ob.st == nil {
		return ok
	}
	_ = ob.st.view(func(tx *bolt.Tx) error {
		_, ok = lookupKey(tx, sink, key)
		return nil
	})
	return ok
}

// Update runs fn, which may queue items (Tx.Enqueue) and change the
// listener's saved state (Tx.Save), and makes its effects durable together:
// when Update returns nil, the items will be delivered and the state is
// saved, even if the listener is killed the next instant. Items whose key
// the outbox already holds or delivered are left out.
//
// A Durable outbox returns once the store is synced to disk. A Synchronous
// one delivers the items first (retrying within Config.SyncRetry, and
// giving up at once after Stop) and keeps the state changes only if every
// item was delivered; so does a Durable one whose store cannot be written
// at the moment (a full disk), which it says in one line.
func (ob *Outbox) Update(ctx context.Context, fn func(tx *Tx) error) error {
	ob.updateMu.Lock()
	defer ob.updateMu.Unlock()
	tx := &Tx{ob: ob, changes: map[string][]byte{}, lists: map[string]*listChange{}}
	if err := fn(tx); err != nil {
		return err
	}
	now := ob.cfg.Clock.Now()
	items, err := ob.fresh(tx.items, now)
	if err != nil {
		return err
	}
	if ob.st != nil {
		err := ob.commit(tx, items, now)
		if err == nil {
			ob.writes.Recover("the outbox can be written again")
			for _, it := range items {
				ob.queues[it.Sink].wake()
			}
			return nil
		}
		ob.writes.Fail(fmt.Sprintf("cannot write the outbox in %s: %v; delivering each notification before answering its event until it can be written", ob.dir, err))
	}
	for _, it := range items {
		if err := ob.deliverNow(ctx, it); err != nil {
			return err
		}
	}
	ob.apply(tx, ob.st != nil)
	return nil
}

// fresh validates items and leaves out those already known.
func (ob *Outbox) fresh(items []Item, now time.Time) ([]Item, error) {
	var out []Item
	seen := map[string]bool{}
	for _, it := range items {
		if _, ok := ob.queues[it.Sink]; !ok {
			return nil, fmt.Errorf("outbox: item %q names sink %q, which is not configured", it.Key, it.Sink)
		}
		if it.Key == "" {
			return nil, fmt.Errorf("outbox: item %q has no key", it.Subject)
		}
		rk := it.Sink + "\x00" + it.Key
		if seen[rk] || ob.Seen(it.Sink, it.Key) {
			continue
		}
		seen[rk] = true
		if it.At.IsZero() {
			it.At = now
		}
		it.Queued = now
		out = append(out, it)
	}
	return out, nil
}

// commit writes tx's state changes, the state left dirty by earlier
// failed writes, and items, in one synced transaction.
func (ob *Outbox) commit(tx *Tx, items []Item, now time.Time) error {
	ob.stateMu.Lock()
	dirty := map[string][]byte{}
	for name := range ob.dirty {
		dirty[name] = ob.state[name]
	}
	dirtyLists := map[string][]Entry{}
	for name := range ob.dirtyLists {
		if l := ob.lists[name]; l != nil {
			dirtyLists[name] = append([]Entry(nil), l.entries...)
		} else {
			dirtyLists[name] = nil
		}
	}
	ob.stateMu.Unlock()
	ob.dropMu.Lock()
	defer ob.dropMu.Unlock()
	err := ob.st.update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketState)
		for _, m := range []map[string][]byte{dirty, tx.changes} {
			for name, v := range m {
				var err error
				if v == nil {
					err = b.Delete([]byte(name))
				} else {
					err = b.Put([]byte(name), v)
				}
				if err != nil {
					return err
				}
			}
		}
		for name, entries := range dirtyLists {
			if err := rewriteList(btx, name, entries); err != nil {
				return err
			}
		}
		for name, c := range tx.lists {
			if err := writeList(btx, name, ob.listLen(name), c); err != nil {
				return err
			}
		}
		for _, it := range items {
			if err := appendItem(btx, it); err != nil {
				return err
			}
			q := ob.queues[it.Sink]
			if err := q.enforceCount(btx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ob.apply(tx, false)
	ob.stateMu.Lock()
	for name := range dirty {
		delete(ob.dirty, name)
	}
	for name := range dirtyLists {
		delete(ob.dirtyLists, name)
	}
	ob.stateMu.Unlock()
	return nil
}

// apply makes tx's state changes current in memory; markDirty records
// them as not yet written to the store.
func (ob *Outbox) apply(tx *Tx, markDirty bool) {
	ob.stateMu.Lock()
	defer ob.stateMu.Unlock()
	for name, v := range tx.changes {
		if v == nil {
			delete(ob.state, name)
		} else {
			ob.state[name] = v
		}
		if markDirty {
			ob.dirty[name] = true
		}
	}
	for name, c := range tx.lists {
		ob.applyList(name, c)
		if markDirty {
			ob.dirtyLists[name] = true
		}
	}
}

// deliverNow delivers it before returning, within Config.SyncRetry.
func (ob *Outbox) deliverNow(ctx context.Context, it Item) error {
	q := ob.queues[it.Sink]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ob.runCtx, cancel)
	defer stop()
	go func() {
		select {
		case <-ob.stopped:
			cancel()
		case <-ctx.Done():
		}
	}()
	p := ob.cfg.SyncRetry
	// One line for an outage, whatever the item and however many
	// attempts: the failure is the sink and its error, not the subject
	// or the count of attempts each item's line names.
	cause := func(err error) string { return fmt.Sprintf("%s: %v", q.sink, retry.Cause(err)) }
	if p.OnRetry == nil {
		p.OnRetry = func(attempt int, err error, wait time.Duration) {
			q.failures.FailAs(cause(err), fmt.Sprintf("%s: not delivered to %s (%v); trying again for up to %s", it.Subject, q.sink, err, p.MaxElapsed))
		}
	}
	err := retry.Do(ctx, p, func(ctx context.Context) error { return q.sink.Deliver(ctx, it) })
	if err != nil {
		select {
		case <-ob.stopped:
			return fmt.Errorf("%s: not delivered to %s, stopping: %w", it.Subject, q.sink, err)
		default:
		}
		q.failures.FailAs(cause(err), fmt.Sprintf("%s: not delivered to %s: %v", it.Subject, q.sink, err))
		return fmt.Errorf("%s: not delivered to %s: %w", it.Subject, q.sink, err)
	}
	q.failures.Recover(fmt.Sprintf("%s accepts notifications again", q.sink))
	ob.cfg.Log.Info(fmt.Sprintf("delivered to %s: %s", q.sink, it.Subject))
	ob.stateMu.Lock()
	ob.sent[it.Sink+"\x00"+it.Key] = ob.cfg.Clock.Now()
	ob.stateMu.Unlock()
	return nil
}

// LoadState reads the saved state name into v (JSON); it reports false
// when there is none. Sinks use it during delivery; handlers use Tx.Load.
func (ob *Outbox) LoadState(name string, v any) (bool, error) {
	ob.stateMu.Lock()
	b, ok := ob.state[name]
	ob.stateMu.Unlock()
	if !ok {
		return false, nil
	}
	return true, unmarshal(name, b, v)
}

// SaveState saves v (JSON) as the state name, durably when the store can
// be written. Sinks call it during delivery, for what they learn from the
// far end (the id of a posted Slack message).
func (ob *Outbox) SaveState(name string, v any) error {
	b, err := marshal(name, v)
	if err != nil {
		return err
	}
	ob.stateMu.Lock()
	ob.state[name] = b
	ob.stateMu.Unlock()
	if ob.st == nil {
		return nil
	}
	err = ob.st.update(func(btx *bolt.Tx) error { return btx.Bucket(bucketState).Put([]byte(name), b) })
	if err != nil {
		ob.stateMu.Lock()
		ob.dirty[name] = true
		ob.stateMu.Unlock()
		ob.writes.Fail(fmt.Sprintf("cannot write the outbox in %s: %v; keeping its state in memory until it can be written", ob.dir, err))
	}
	return nil
}

func (ob *Outbox) pruneKeys() {
	before := ob.cfg.Clock.Now().Add(-keyRetention)
	_ = ob.st.update(func(btx *bolt.Tx) error { return pruneKeys(btx, before) })
}
