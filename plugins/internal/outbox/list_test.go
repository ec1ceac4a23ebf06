package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// keysOf returns the keys of entries, and their values decoded as strings
// after a "=".
func keysOf(t *testing.T, entries []Entry) string {
	t.Helper()
	var out []string
	for _, e := range entries {
		var v string
		if err := e.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Key+"="+v)
	}
	return strings.Join(out, ",")
}

func appendAll(t *testing.T, ob *Outbox, name string, keys ...string) {
	t.Helper()
	err := ob.Update(context.Background(), func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.Append(name, k, "v"+k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A list keeps its entries in order across a restart, each key once; a Tx
// sees its own appends and trims, and what it does lands together with
// its items, or not at all.
func TestListIsDurableOrderedAndAtomic(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink("mail")
	s.setDown(errDown)
	ob, _ := open(t, dir, s)
	appendAll(t, ob, "lines", "a", "b")
	appendAll(t, ob, "lines", "b", "c") // b is there already
	appendAll(t, ob, "other", "a")
	if got := keysOf(t, ob.Entries("lines")); got != "a=va,b=vb,c=vc" {
		t.Fatalf("entries %s", got)
	}
	err := ob.Update(context.Background(), func(tx *Tx) error {
		tx.Trim("lines", 2) // drops a
		if tx.Has("lines", "a") || !tx.Has("lines", "b") {
			t.Error("Has does not see the Trim of the same Tx")
		}
		if added, _ := tx.Append("lines", "a", "again"); !added {
			t.Error("a key trimmed away in the Tx cannot be added again")
		}
		if added, _ := tx.Append("lines", "d", "vd"); !added || !tx.Has("lines", "d") {
			t.Error("Has does not see the Append of the same Tx")
		}
		tx.Trim("lines", 3) // drops b
		if got := keysOf(t, tx.Entries("lines")); got != "c=vc,a=again,d=vd" {
			t.Errorf("entries in the Tx %s", got)
		}
		tx.Enqueue(item("mail", 1))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A failed Update changes no list.
	boom := errors.New("boom")
	if err := ob.Update(context.Background(), func(tx *Tx) error {
		_, _ = tx.Append("lines", "e", "ve")
		tx.Trim("other", 0)
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update: %v", err)
	}
	ob.Close(context.Background())

	ob2, _ := open(t, dir, newTestSink("mail"))
	wantLists(t, "after a restart", ob2, "c=vc,a=again,d=vd", "a=va")
	if ob2.Pending()["mail"].Items != 1 {
		t.Fatal("the item queued with the list's change is not there")
	}
	if err := ob2.Update(context.Background(), func(tx *Tx) error {
		tx.Trim("lines", 0)
		_, err := tx.Append("other", "b", "vb")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	appendAll(t, ob2, "lines", "f")
	ob2.Close(context.Background())
	ob3, _ := open(t, dir, newTestSink("mail"))
	wantLists(t, "emptied, then f", ob3, "f=vf", "a=va,b=vb")
}

// wantLists fails the test unless the lists "lines" and "other" of ob
// hold lines and other (see keysOf).
func wantLists(t *testing.T, when string, ob *Outbox, lines, other string) {
	t.Helper()
	if got := keysOf(t, ob.Entries("lines")); got != lines {
		t.Errorf("%s, lines %s, want %s", when, got, lines)
	}
	if got := keysOf(t, ob.Entries("other")); got != other {
		t.Errorf("%s, other %s, want %s", when, got, other)
	}
}

// An Append writes its entry only: a list of thousands of entries costs
// no more pages per Append than a short one, where a saved value is
// written whole at every change.
func TestAppendWritesTheSamePagesHoweverLongTheList(t *testing.T) {
	ob, _ := open(t, t.TempDir(), newTestSink("mail"))
	line := strings.Repeat("x", 100)
	writes := func(key string) int64 {
		st := ob.st.db.Stats()
		before := st.TxStats.GetWrite()
		err := ob.Update(context.Background(), func(tx *Tx) error { _, err := tx.Append("lines", key, line); return err })
		if err != nil {
			t.Fatal(err)
		}
		st = ob.st.db.Stats()
		return st.TxStats.GetWrite() - before
	}
	for i := range 10 {
		writes(fmt.Sprint("short", i))
	}
	short := writes("short")
	// 5000 entries of 100 bytes make over 150 pages.
	err := ob.Update(context.Background(), func(tx *Tx) error {
		for i := range 5000 {
			if _, err := tx.Append("lines", fmt.Sprint("long", i), line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	long := writes("long")
	if long > 2*short {
		t.Fatalf("an Append wrote %d pages to a list of 5011 entries, %d to one of 10", long, short)
	}
}

// Entries appended while the store cannot be written (a full disk) are
// kept in memory and written, with the whole list, by the first Update
// that can write again.
func TestListChangedWhileTheDiskIsFullIsWrittenLater(t *testing.T) {
	dir := t.TempDir()
	s := newTestSink("mail")
	logs := &logBuffer{}
	ob, err := Open(Config{Dir: dir, Sinks: map[string]Sink{"mail": s}, Retry: fastRetry,
		Log: slog.New(slog.NewTextHandler(logs, nil)), maxSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 8<<10)
	for n := 1; logs.count("cannot write the outbox") == 0; n++ {
		if n > 500 {
			t.Fatal("the store never filled up")
		}
		it := item("mail", n)
		it.Payload = big
		if err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(it); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	// An entry eight times as large as the item that did not fit.
	huge := string(bytes.Repeat(big, 8))
	appendAll(t, ob, "lines", "a", "b"+huge)
	if !ob.dirtyLists["lines"] {
		t.Fatal("the entries were written to a full store")
	}
	ob.Start() // delivers the items, and frees their pages
	waitFor(t, func() bool { return ob.Pending()["mail"].Items == 0 })
	appendAll(t, ob, "lines", "c")
	ob.Close(context.Background())
	if !strings.Contains(logs.String(), "the outbox can be written again") {
		t.Fatalf("the store never took writes again:\n%s", logs)
	}
	ob2, _ := open(t, dir, newTestSink("mail"))
	if got := keysOf(t, ob2.Entries("lines")); got != "a=va,b"+huge+"=vb"+huge+",c=vc" {
		t.Fatalf("after a restart, %d bytes of entries", len(got))
	}
}
