package mailbatch

import (
	"context"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/testharness"
)

// benchmarkHandle measures the handling of ev, a new event at every round,
// by a crashmailbatch counting interval in ticks of tick, with its outbox
// in dir: what a listener spends before it can acknowledge ev.
func benchmarkHandle(b *testing.B, dir string, tick listener.EventType, interval time.Duration, ev listener.Event) {
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
		tickEvent: tick, interval: interval, outbox: outbox.Config{Dir: dir}})
	if err != nil {
		b.Fatal(err)
	}
	defer mon.Shutdown(context.Background())
	ctx := context.Background()
	for b.Loop() {
		ev.Serial++
		if err := mon.HandleEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkCollect measures one crash event, and so how fast a listener
// drains supervisord's buffer during a crash storm.
func benchmarkCollect(b *testing.B, dir string) {
	crash := stateEvent(testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 4242})
	benchmarkHandle(b, dir, "", 0, crash)
}

// BenchmarkCollect keeps the batch in memory (--outbox none).
func BenchmarkCollect(b *testing.B) { benchmarkCollect(b, outbox.None) }

// BenchmarkCollectOutbox includes the synced write that makes each line
// durable before its event is acknowledged.
func BenchmarkCollectOutbox(b *testing.B) { benchmarkCollect(b, b.TempDir()) }

// benchmarkTick measures one tick that does not complete the interval.
func benchmarkTick(b *testing.B, dir string) {
	tick := listener.Event{Header: listener.Header{EventName: listener.Tick5}, Payload: "when:1800000000"}
	benchmarkHandle(b, dir, listener.Tick5, maxInterval, tick)
}

// BenchmarkTick counts in memory (--outbox none).
func BenchmarkTick(b *testing.B) { benchmarkTick(b, outbox.None) }

// BenchmarkTickOutbox includes the synced write of the count, which lets
// a restarted listener continue it.
func BenchmarkTickOutbox(b *testing.B) { benchmarkTick(b, b.TempDir()) }
