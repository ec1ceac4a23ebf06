package outbox

import (
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// A saved value (Tx.Save) is written whole at every change, which costs
// as much as the value is long: a batch mailer's pending lines, saved
// as one value, made the ten-thousandth line of a crash storm cost fifty
// times the two-hundredth. A list is saved state that grows one entry at
// a time instead: Append writes that entry only, and Has finds a key
// without reading the list.
//
// On disk a list is a nested bucket of the lists bucket, named after the
// list, whose keys are big-endian sequence numbers (list order) and whose
// values are listRecords. In memory it is a slice in list order with an
// index by key.

// bucketLists holds one nested bucket per list.
var bucketLists = []byte("lists")

// Entry is one entry of a saved list.
type Entry struct {
	// Key identifies the entry within its list.
	Key string
	// Value is the entry's value, as JSON.
	Value []byte
}

// Decode reads the entry's value into v.
func (e Entry) Decode(v any) error {
	if err := json.Unmarshal(e.Value, v); err != nil {
		return fmt.Errorf("outbox: list entry %q cannot be read (%w); it was written by another version?", e.Key, err)
	}
	return nil
}

// listRecord is an entry as the store keeps it.
type listRecord struct {
	Key   string          `json:"k"`
	Value json.RawMessage `json:"v"`
}

// list is a saved list in memory. Its entries are numbered in list
// order, entries[i] being number first+i, and index maps each key to its
// entry's number, so that a Tx which dropped the oldest entries still
// finds a key in one lookup.
type list struct {
	entries []Entry
	first   uint64
	index   map[string]uint64
}

func newList() *list { return &list{index: map[string]uint64{}} }

func (l *list) push(e Entry) {
	l.index[e.Key] = l.first + uint64(len(l.entries))
	l.entries = append(l.entries, e)
}

// dropFront removes the n oldest entries.
func (l *list) dropFront(n int) {
	for _, e := range l.entries[:n] {
		delete(l.index, e.Key)
	}
	l.entries = l.entries[n:]
	l.first += uint64(n)
}

// listChange is what a Tx does to one list: it removes the dropped oldest
// entries the list had before the Tx, then appends added.
type listChange struct {
	dropped int
	added   []Entry
	index   map[string]bool // keys of added
}

// change returns tx's change of the list name, with the length the list
// had before tx.
func (tx *Tx) change(name string) (*listChange, int) {
	base := tx.ob.listLen(name)
	c := tx.lists[name]
	if c == nil {
		c = &listChange{index: map[string]bool{}}
		tx.lists[name] = c
	}
	return c, base
}

// Append adds an entry with key and value v (JSON) at the end of the list
// name, unless the list holds key already; it reports whether it added
// one. It costs the same however long the list is.
func (tx *Tx) Append(name, key string, v any) (bool, error) {
	if tx.Has(name, key) {
		return false, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("outbox: cannot encode an entry of list %q: %w", name, err)
	}
	c, _ := tx.change(name)
	c.added = append(c.added, Entry{Key: key, Value: b})
	c.index[key] = true
	return true, nil
}

// Has reports whether the list name holds key, seeing the changes made
// earlier in this Tx.
func (tx *Tx) Has(name, key string) bool {
	c := tx.lists[name]
	if c != nil && c.index[key] {
		return true
	}
	dropped := 0
	if c != nil {
		dropped = c.dropped
	}
	return tx.ob.listHas(name, key, dropped)
}

// Trim removes the oldest entries of the list name so that at most keep
// remain; Trim(name, 0) empties it.
func (tx *Tx) Trim(name string, keep int) {
	c, base := tx.change(name)
	excess := base - c.dropped + len(c.added) - keep
	if excess <= 0 {
		return
	}
	fromBase := min(excess, base-c.dropped)
	c.dropped += fromBase
	excess -= fromBase
	for _, e := range c.added[:excess] {
		delete(c.index, e.Key)
	}
	c.added = c.added[excess:]
}

// Entries returns the entries of the list name, oldest first, seeing the
// changes made earlier in this Tx.
func (tx *Tx) Entries(name string) []Entry {
	dropped, c := 0, tx.lists[name]
	if c != nil {
		dropped = c.dropped
	}
	out := tx.ob.listEntries(name, dropped)
	if c != nil {
		out = append(out, c.added...)
	}
	return out
}

// Entries returns the entries of the saved list name, oldest first.
func (ob *Outbox) Entries(name string) []Entry { return ob.listEntries(name, 0) }

func (ob *Outbox) listLen(name string) int {
	ob.stateMu.Lock()
	defer ob.stateMu.Unlock()
	if l := ob.lists[name]; l != nil {
		return len(l.entries)
	}
	return 0
}

// listHas reports whether the list name holds key among its entries but
// the dropped oldest.
func (ob *Outbox) listHas(name, key string, dropped int) bool {
	ob.stateMu.Lock()
	defer ob.stateMu.Unlock()
	l := ob.lists[name]
	if l == nil {
		return false
	}
	n, ok := l.index[key]
	return ok && n >= l.first+uint64(dropped)
}

func (ob *Outbox) listEntries(name string, dropped int) []Entry {
	ob.stateMu.Lock()
	defer ob.stateMu.Unlock()
	l := ob.lists[name]
	if l == nil {
		return nil
	}
	return append([]Entry(nil), l.entries[dropped:]...)
}

// applyList makes c current in memory.
func (ob *Outbox) applyList(name string, c *listChange) {
	l := ob.lists[name]
	if l == nil {
		l = newList()
		ob.lists[name] = l
	}
	l.dropFront(c.dropped)
	for _, e := range c.added {
		l.push(e)
	}
	if len(l.entries) == 0 {
		delete(ob.lists, name)
	}
}

// loadLists reads every list of the store into memory.
func (ob *Outbox) loadLists(btx *bolt.Tx) error {
	return btx.Bucket(bucketLists).ForEachBucket(func(name []byte) error {
		l := newList()
		err := btx.Bucket(bucketLists).Bucket(name).ForEach(func(k, v []byte) error {
			var r listRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("entry %x of list %q: %w", k, name, err)
			}
			l.push(Entry{Key: r.Key, Value: append([]byte(nil), r.Value...)})
			return nil
		})
		if err != nil {
			return err
		}
		if len(l.entries) > 0 {
			ob.lists[string(name)] = l
		}
		return nil
	})
}

// writeList applies c to the list name in the store: dropping the oldest
// entries costs one delete each, appending one put each, and emptying the
// list one bucket deletion.
func writeList(btx *bolt.Tx, name string, base int, c *listChange) error {
	if c.dropped == 0 && len(c.added) == 0 {
		return nil // a Trim of a list already short enough
	}
	p := btx.Bucket(bucketLists)
	if c.dropped > 0 && c.dropped == base {
		if err := p.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
		if len(c.added) == 0 {
			return nil
		}
	}
	b, err := p.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	if c.dropped > 0 && c.dropped < base {
		// Deleting through the cursor while it moves skips keys in
		// bbolt: collect them first.
		var old [][]byte
		cur := b.Cursor()
		for k, _ := cur.First(); k != nil && len(old) < c.dropped; k, _ = cur.Next() {
			old = append(old, append([]byte(nil), k...))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, e := range c.added {
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		v, err := json.Marshal(listRecord{Key: e.Key, Value: e.Value})
		if err != nil {
			return err
		}
		if err := b.Put(seqKey(n), v); err != nil {
			return err
		}
	}
	return nil
}

// rewriteList replaces the list name in the store with entries, the list
// as it is in memory: a list changed while the store could not be written
// is written whole once it can.
func rewriteList(btx *bolt.Tx, name string, entries []Entry) error {
	p := btx.Bucket(bucketLists)
	if p.Bucket([]byte(name)) != nil {
		if err := p.DeleteBucket([]byte(name)); err != nil {
			return err
		}
	}
	if len(entries) == 0 {
		return nil
	}
	return writeList(btx, name, 0, &listChange{added: entries})
}
