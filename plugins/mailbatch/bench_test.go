package mailbatch

import (
	"context"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/testharness"
)

// benchmarkCollect measures the handling of one crash event: what a
// listener spends before it can acknowledge it, and so how fast it drains
// supervisord's buffer during a crash storm.
func benchmarkCollect(b *testing.B, dir string) {
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
		outbox: outbox.Config{Dir: dir}})
	if err != nil {
		b.Fatal(err)
	}
	defer mon.Shutdown(context.Background())
	crash := stateEvent(testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 4242})
	ctx := context.Background()
	for b.Loop() {
		crash.Serial++ // every crash its own event
		if err := mon.HandleEvent(ctx, crash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCollect keeps the batch in memory (--outbox none).
func BenchmarkCollect(b *testing.B) { benchmarkCollect(b, outbox.None) }

// BenchmarkCollectOutbox includes the synced write that makes each line
// durable before its event is acknowledged.
func BenchmarkCollectOutbox(b *testing.B) { benchmarkCollect(b, b.TempDir()) }
