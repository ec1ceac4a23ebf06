package mailcli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// Without an outbox, notices sent while the mail server is down say so
// once, not once each, and once again when mail goes.
func TestNoticesOutageIsLoggedOnce(t *testing.T) {
	dir := t.TempDir()
	script, ok := filepath.Join(dir, "sendmail"), filepath.Join(dir, "ok")
	body := "#!/bin/sh\ncat >/dev/null\ntest -f " + ok + " || { echo 'sendmail: cannot connect to mail.example.com' >&2; exit 75; }\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	d, _, err := build(t, memmonOptions, "-s", script, "-m", "ops@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := OpenNotices(d, outbox.Config{Dir: outbox.None, SyncRetry: retry.Policy{MaxAttempts: 1}}, "memmon", log.New(&buf))
	if err != nil {
		t.Fatal(err)
	}
	send := func(i int) {
		if err := n.Send(context.Background(), fmt.Sprint("k", i), "web restarted", "body", time.Now()); err != nil {
			t.Fatal(err)
		}
		n.wg.Wait()
	}
	for i := range 3 {
		send(i)
	}
	if got := strings.Count(buf.String(), "Failed to mail"); got != 1 {
		t.Fatalf("%d 'Failed to mail' lines for 3 notices in one outage, want 1:\n%s", got, buf.String())
	}
	if err := os.WriteFile(ok, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	send(3)
	n.Close(context.Background())
	if !strings.Contains(buf.String(), "mail to ops@example.com goes again") {
		t.Fatalf("the recovery is not said:\n%s", buf.String())
	}
}
