package outbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Bucket names. queue and rejected hold one nested bucket per sink whose
// keys are big-endian sequence numbers, so iteration order is queue
// order; keys maps sink+"\x00"+Item.Key to a keyRecord; state holds the
// plugins' named values (Tx.Save); lists (bucketLists, list.go) their
// lists (Tx.Append).
var (
	bucketQueue    = []byte("queue")
	bucketRejected = []byte("rejected")
	bucketKeys     = []byte("keys")
	bucketState    = []byte("state")
)

// storeFile is the store's name inside the outbox directory.
const storeFile = "outbox.db"

// ErrInUse is wrapped by Open's error when another process holds the
// store.
var ErrInUse = errors.New("outbox in use by another process")

// keyRecord says what became of an item key.
type keyRecord struct {
	// State is "queued", "delivered" or "rejected".
	State string `json:"s"`
	// At is when it reached that state.
	At time.Time `json:"t"`
}

// store is the on-disk part of an Outbox: a bbolt file whose every
// committed transaction is synced to disk before it returns.
type store struct {
	db   *bolt.DB
	path string
}

// openStore opens (creating if needed) the store in dir. A store that
// fails bbolt's consistency check is renamed aside and replaced by an
// empty one; movedAside names where it went.
func openStore(dir string, lockWait time.Duration, maxSize int) (s *store, movedAside string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("cannot create %s: %w", dir, err)
	}
	path := filepath.Join(dir, storeFile)
	s, err = openBolt(path, lockWait, maxSize)
	if err == nil {
		err = s.check()
		if err != nil {
			s.db.Close()
		}
	}
	if err == nil || !isCorrupt(err) {
		return s, "", err
	}
	aside := fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, "", fmt.Errorf("%s is corrupt (%v) and cannot be moved aside: %w", path, err, rerr)
	}
	s, err = openBolt(path, lockWait, maxSize)
	if err != nil {
		return nil, aside, err
	}
	return s, aside, nil
}

func openBolt(path string, lockWait time.Duration, maxSize int) (s *store, err error) {
	// bbolt panics on some malformed files rather than returning an error.
	defer func() {
		if r := recover(); r != nil {
			err = &corruptError{path: path, cause: fmt.Errorf("%v", r)}
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait, MaxSize: maxSize})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		holder := ""
		if b, rerr := os.ReadFile(path + ".pid"); rerr == nil {
			holder = " (pid " + strings.TrimSpace(string(b)) + ")"
		}
		return nil, fmt.Errorf("%w%s: %s", ErrInUse, holder, path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrInvalidMapping):
		return nil, &corruptError{path: path, cause: err}
	case err != nil:
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	// Who holds the lock, for the message a second listener gets.
	_ = os.WriteFile(path+".pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	s = &store{db: db, path: path}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketQueue, bucketRejected, bucketKeys, bucketState, bucketLists} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot initialise %s: %w", path, err)
	}
	return s, nil
}

// check runs bbolt's consistency check over the whole file, which is small:
// it holds undelivered notifications only.
func (s *store) check() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &corruptError{path: s.path, cause: fmt.Errorf("%v", r)}
		}
	}()
	return s.db.View(func(tx *bolt.Tx) error {
		for cerr := range tx.Check() {
			if err == nil {
				err = &corruptError{path: s.path, cause: cerr}
			}
		}
		return err
	})
}

func (s *store) close() error {
	os.Remove(s.path + ".pid")
	return s.db.Close()
}

// corruptError is a store bbolt cannot read.
type corruptError struct {
	path  string
	cause error
}

func (e *corruptError) Error() string { return fmt.Sprintf("%s is corrupt: %v", e.path, e.cause) }
func (e *corruptError) Unwrap() error { return e.cause }

func isCorrupt(err error) bool {
	var c *corruptError
	return errors.As(err, &c)
}

// update runs fn in a read-write transaction, committed and synced when fn
// returns nil. A panic inside bbolt (a page it cannot read) is returned as
// a corruptError.
func (s *store) update(fn func(tx *bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &corruptError{path: s.path, cause: fmt.Errorf("%v", r)}
		}
	}()
	return s.db.Update(fn)
}

func (s *store) view(fn func(tx *bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &corruptError{path: s.path, cause: fmt.Errorf("%v", r)}
		}
	}()
	return s.db.View(fn)
}

func seqKey(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func recordKey(sink, key string) []byte { return []byte(sink + "\x00" + key) }

// sinkBucket returns the nested bucket of sink under parent, creating it
// in a writable transaction.
func sinkBucket(tx *bolt.Tx, parent []byte, sink string) (*bolt.Bucket, error) {
	p := tx.Bucket(parent)
	if tx.Writable() {
		return p.CreateBucketIfNotExists([]byte(sink))
	}
	return p.Bucket([]byte(sink)), nil
}

// lookupKey returns the record of sink's item key, if any.
func lookupKey(tx *bolt.Tx, sink, key string) (keyRecord, bool) {
	v := tx.Bucket(bucketKeys).Get(recordKey(sink, key))
	if v == nil {
		return keyRecord{}, false
	}
	var r keyRecord
	if json.Unmarshal(v, &r) != nil {
		return keyRecord{}, false
	}
	return r, true
}

func putKey(tx *bolt.Tx, sink, key, state string, at time.Time) error {
	v, err := json.Marshal(keyRecord{State: state, At: at})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeys).Put(recordKey(sink, key), v)
}

// appendItem stores it at the tail of its sink's queue.
func appendItem(tx *bolt.Tx, it Item) error {
	b, err := sinkBucket(tx, bucketQueue, it.Sink)
	if err != nil {
		return err
	}
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(it)
	if err != nil {
		return err
	}
	if err := b.Put(seqKey(n), v); err != nil {
		return err
	}
	return putKey(tx, it.Sink, it.Key, "queued", it.Queued)
}

// head returns the oldest item of sink's queue.
func head(tx *bolt.Tx, sink string) (seq []byte, it Item, ok bool, err error) {
	b, _ := sinkBucket(tx, bucketQueue, sink)
	if b == nil {
		return nil, Item{}, false, nil
	}
	k, v := b.Cursor().First()
	if k == nil {
		return nil, Item{}, false, nil
	}
	if err := json.Unmarshal(v, &it); err != nil {
		return nil, Item{}, false, &corruptError{cause: fmt.Errorf("queued item %x of %s: %w", k, sink, err)}
	}
	return append([]byte(nil), k...), it, true, nil
}

// queueStats counts sink's queue and returns its oldest item's Queued time.
func queueStats(tx *bolt.Tx, sink string) (n int, oldest time.Time) {
	b, _ := sinkBucket(tx, bucketQueue, sink)
	if b == nil {
		return 0, time.Time{}
	}
	n = countKeys(b)
	if _, v := b.Cursor().First(); v != nil {
		var it Item
		if json.Unmarshal(v, &it) == nil {
			oldest = it.Queued
		}
	}
	return n, oldest
}

// pruneKeys forgets delivered and rejected keys older than keep: a
// redelivery or replay comes within minutes or days, not weeks.
func pruneKeys(tx *bolt.Tx, before time.Time) error {
	b := tx.Bucket(bucketKeys)
	var old [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var r keyRecord
		if json.Unmarshal(v, &r) != nil || (r.State != "queued" && r.At.Before(before)) {
			old = append(old, append([]byte(nil), k...))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// countKeys counts b's keys. bbolt's Stats does not see the writes of the
// transaction under way.
func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
