package mailbatch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/listener"
)

// An old spool file at the --spool path is moved into the outbox: its
// lines join the pending batch, the file goes, and a later start finds
// the directory and imports nothing again.
func TestOldSpoolFileMovesIntoTheOutbox(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crashmailbatch.spool")
	must(t, os.WriteFile(path, []byte("whole\r\n\npart"), 0o600)) // a last line cut short by a crash
	must(t, os.WriteFile(path+".lock", nil, 0o600))
	imported, err := prepareSpool(path)
	must(t, err)
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Fatalf("the spool path is not a directory now: %v", err)
	}
	r := newRig(t, rigConfig{outbox: path, cfg: config{spool: imported, interval: 0}})
	if got := r.mon.pending(); !slices.Equal(got, []string{"whole", "part"}) {
		t.Fatalf("pending %q", got)
	}
	if _, err := os.Stat(imported); !os.IsNotExist(err) {
		t.Errorf("the old spool file is still there: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("the old lock file is still there: %v", err)
	}
	if !strings.Contains(testkit.Messages(r.log.String()), "2 line(s) of the old spool file "+imported+" moved into the outbox "+path) {
		t.Errorf("log:\n%s", r.log)
	}
	r.tick(t, listener.Tick60, 1)
	r.settle(t)
	if msgs := r.srv.Messages(); len(msgs) != 1 || bodyOf(t, msgs[0]) != "whole\npart\n" {
		t.Fatalf("mails %d", len(msgs))
	}
	again, err := prepareSpool(path)
	if err != nil || again != "" {
		t.Fatalf("second start: %q, %v", again, err)
	}
}
