package supervisord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestWaitLogSince(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{Sections: `
		[program:once]
		command=sleep 1000
		autostart=false
		startsecs=0
	`})
	ctx := context.Background()
	if err := sv.Client.StartProcess(ctx, "once", true); err != nil {
		t.Fatal(err)
	}
	first := sv.WaitLog(t, `spawned: 'once' with pid \d+`)
	if err := sv.Client.StopProcess(ctx, "once", true); err != nil {
		t.Fatal(err)
	}
	sv.WaitLog(t, `stopped: once`)

	offset := sv.LogSize()
	if offset == 0 || offset != int64(len(sv.Log())) {
		t.Fatalf("LogSize %d, log length %d", offset, len(sv.Log()))
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	re := regexp.MustCompile(`spawned: 'once' with pid \d+`)
	if m, err := WaitFile(short, sv.LogPath, offset, re); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFile after the offset found %q, %v; want a timeout", m, err)
	}
	if err := sv.Client.StartProcess(ctx, "once", true); err != nil {
		t.Fatal(err)
	}
	second := sv.WaitLogSince(t, offset, re.String())
	if second == first {
		t.Errorf("WaitLogSince returned the old match %q", first)
	}
}

func TestWaitFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "later.log")
	re := regexp.MustCompile(`ready (\d+)`)
	go func() {
		time.Sleep(30 * time.Millisecond)
		os.WriteFile(path, []byte("noise\nready 42\n"), 0o644)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := WaitFile(ctx, path, 0, re)
	if err != nil || m != "ready 42" {
		t.Fatalf("WaitFile = %q, %v", m, err)
	}
	m, err = WaitFile(ctx, path, 6, re)
	if err != nil || m != "ready 42" {
		t.Errorf("WaitFile from offset 6 = %q, %v", m, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, err = WaitFile(short, path, 7, re)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "ready (") {
		t.Errorf("WaitFile past the match: err = %v", err)
	}
	_, err = WaitFile(short, filepath.Join(t.TempDir(), "never"), 0, re)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFile on a missing file: err = %v", err)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestWaitLogTimeout(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{WaitTimeout: 50 * time.Millisecond})
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sv.WaitLog(rec, `this never appears`)
	}()
	<-done
	for _, want := range []string{"this never appears", "supervisord started with pid"} {
		if !strings.Contains(rec.msg, want) {
			t.Errorf("failure message does not show %q:\n%s", want, rec.msg)
		}
	}
}
