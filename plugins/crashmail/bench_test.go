package crashmail

import (
	"context"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// BenchmarkAnswerWithMTADown is what crashmail spends on one crash before
// it answers, while the mail server is down: the crash's details over
// XML-RPC (from the emulated supervisord) and the synced write to the
// outbox, on the disk of the test's temporary directory. Without the
// outbox it would be the mail server's retries, a minute.
func BenchmarkAnswerWithMTADown(b *testing.B) {
	r := newRig(b, rigConfig{rpc: true, cfg: config{tailLines: 10}, programs: []testharness.Program{{Name: "web"}}})
	r.srv.Stop()
	ev := testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 4242}.Event()
	crash := listener.Event{Header: listener.Header{Server: "bench", Pool: "crashmail", EventName: ev.Type}, Payload: ev.Payload}
	ctx := context.Background()
	for b.Loop() {
		crash.Serial++
		if err := r.h.HandleEvent(ctx, crash); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := r.h.ob.Pending()["mail"].Items; n == 0 {
		b.Fatal("nothing queued")
	}
}
