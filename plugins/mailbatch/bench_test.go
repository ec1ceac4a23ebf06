package mailbatch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/testharness"
)

// benchHandler returns a crashmailbatch counting its interval in ticks
// of tick, with its outbox in dir.
func benchHandler(b *testing.B, dir string, tick listener.EventType, interval time.Duration) *handler {
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
		tickEvent: tick, interval: interval, outbox: outbox.Config{Dir: dir}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mon.Shutdown(context.Background()) })
	return mon
}

// benchmarkHandle measures the handling of ev, a new event at every round,
// by mon: what a listener spends before it can acknowledge ev. Every
// refillEvery rounds, untimed, refill sets the batch back to where the
// benchmark measures it.
func benchmarkHandle(b *testing.B, mon *handler, ev listener.Event, refill func()) {
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if i++; refill != nil && i%refillEvery == 0 {
			b.StopTimer()
			refill()
			b.StartTimer()
		}
		ev.Serial++
		if err := mon.HandleEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// refillEvery is how many lines a collect benchmark adds to its batch
// before it sets it back.
const refillEvery = 100

// fill mails the pending batch and collects n lines in one step, so that
// the events measured next find n lines pending (to n+refillEvery).
func fill(b *testing.B, mon *handler, n int) {
	ctx := context.Background()
	if err := mon.send(ctx, ""); err != nil {
		b.Fatal(err)
	}
	err := mon.ob.Update(ctx, func(tx *outbox.Tx) error {
		for i := range n {
			line := fmt.Sprintf("2026-12-03 18:00:00,000 -- Process web:web_%02d (pid %d) died unexpectedly", i%100, 4000+i)
			if _, err := tx.Append(linesList, fmt.Sprint("fill/", i), line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// benchmarkCollect measures one crash event with 200 and with 10,000
// lines pending, and so how fast a listener drains supervisord's buffer
// early in a crash storm and late in a long one.
func benchmarkCollect(b *testing.B, dir func(b *testing.B) string) {
	crash := stateEvent(testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 4242})
	for _, n := range []int{200, 10000} {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			mon := benchHandler(b, dir(b), "", 0)
			fill(b, mon, n)
			benchmarkHandle(b, mon, crash, func() { fill(b, mon, n) })
		})
	}
}

// BenchmarkCollect keeps the batch in memory (--outbox none).
func BenchmarkCollect(b *testing.B) {
	benchmarkCollect(b, func(*testing.B) string { return outbox.None })
}

// BenchmarkCollectOutbox includes the synced write that makes each line
// durable before its event is acknowledged.
func BenchmarkCollectOutbox(b *testing.B) { benchmarkCollect(b, (*testing.B).TempDir) }

// benchmarkTick measures one tick that does not complete the interval.
func benchmarkTick(b *testing.B, dir string) {
	tick := listener.Event{Header: listener.Header{EventName: listener.Tick5}, Payload: "when:1800000000"}
	benchmarkHandle(b, benchHandler(b, dir, listener.Tick5, maxInterval), tick, nil)
}

// BenchmarkTick counts in memory (--outbox none).
func BenchmarkTick(b *testing.B) { benchmarkTick(b, outbox.None) }

// BenchmarkTickOutbox includes the synced write of the count, which lets
// a restarted listener continue it.
func BenchmarkTickOutbox(b *testing.B) { benchmarkTick(b, b.TempDir()) }
