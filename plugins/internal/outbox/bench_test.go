package outbox

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkUpdate is the time to make one notification durable: one bbolt
// transaction synced to disk. It runs in a directory on the same disk as
// the default state directory (/var/tmp, not a tmpfs /tmp) unless
// OUTBOX_BENCH_DIR says otherwise.
func BenchmarkUpdate(b *testing.B) {
	base := os.Getenv("OUTBOX_BENCH_DIR")
	if base == "" {
		base = "/var/tmp"
	}
	dir, err := os.MkdirTemp(base, "outbox-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s := newTestSink("mail")
	s.setDown(errDown) // items stay queued, as while a sink is down
	ob, err := Open(Config{Dir: dir, Sinks: map[string]Sink{"mail": s}, MaxItems: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer ob.Close(context.Background())
	payload := make([]byte, 2<<10) // a crash mail with its log tail
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := Item{Key: fmt.Sprint(i), Sink: "mail", Subject: "web crashed", At: time.Now(), Payload: payload}
		if err := ob.Update(context.Background(), func(tx *Tx) error { tx.Enqueue(it); return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
