package mailbatch

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/testharness"
)

// benchmarkCollect measures the handling of one crash event: what a
// listener spends before it can acknowledge it, and so how fast it drains
// supervisord's buffer during a crash storm.
func benchmarkCollect(b *testing.B, spool string) {
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}}, spool: spool})
	if err != nil {
		b.Fatal(err)
	}
	defer mon.close()
	crash := stateEvent(testharness.ProcessStateChange{Process: "web_01", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 4242})
	ctx := context.Background()
	for b.Loop() {
		if err := mon.HandleEvent(ctx, crash); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCollect(b *testing.B) { benchmarkCollect(b, "") }

// BenchmarkCollectSpool includes the fsync that --spool costs per event.
func BenchmarkCollectSpool(b *testing.B) {
	benchmarkCollect(b, filepath.Join(b.TempDir(), "spool"))
}
