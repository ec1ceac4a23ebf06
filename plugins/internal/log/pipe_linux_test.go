package log

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
)

// A Hold's lines larger than a pipe (64 KiB) go into it in one write,
// with no reader yet: the pipe is made large enough, so that supervisord
// wakes once for them instead of in the middle of them.
func TestHoldFitsAPipe(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	l := New(w)
	release := Hold(l)
	var want bytes.Buffer
	for i := range 3000 { // about 150 KiB
		msg := fmt.Sprintf("RSS of sleep:sleep_%04d is %d", i, 1<<20+i)
		l.Info(msg)
		want.WriteString(msg + "\n")
	}
	done := make(chan struct{})
	go func() { release(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the held lines' write waits for a reader")
	}
	w.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var msgs bytes.Buffer
	for line := range bytes.Lines(got) {
		msgs.Write(line[len("2006-01-02 15:04:05,000 INFO "):])
	}
	if msgs.String() != want.String() {
		t.Errorf("read %d bytes of lines, not the %d held", msgs.Len(), want.Len())
	}
}
