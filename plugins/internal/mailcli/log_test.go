package mailcli

import (
	"bytes"
	"sync"
	"testing"
)

func TestLogWritesWholeLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewLog(&buf)
	l.Printf("process %s said %q", "web\r\nBcc: x", "a\tb")
	if got := buf.String(); got != "process web  Bcc: x said \"a\\tb\"\n" {
		t.Errorf("log %q", got)
	}
	var nilLog *Log
	nilLog.Printf("discarded")
	NewLog(nil).Printf("discarded")
	nilLog.Slog().Info("discarded")
}

func TestLogIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := NewLog(&buf)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				l.Printf("0123456789")
				l.Slog().Info("x")
			}
		})
	}
	wg.Wait()
	for _, line := range bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")) {
		if string(line) != "0123456789" && string(line) != "level=INFO msg=x" {
			t.Fatalf("mixed line %q", line)
		}
	}
}

func TestExample(t *testing.T) {
	t.Parallel()
	got := Example("[eventlistener:a]\ncommand=a\n\n; note\n", "[eventlistener:b]\ncommand=b")
	want := "  [eventlistener:a]\n  command=a\n\n  ; note\n\n  [eventlistener:b]\n  command=b"
	if got != want {
		t.Errorf("Example:\n%q\nwant\n%q", got, want)
	}
}
