//go:build unix

package listener

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRawPipeWritesShortAndLongAnswers(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := newRawPipe(w)
	if _, ok := p.(rawPipe); !ok {
		t.Fatalf("a pipe got %T", p)
	}
	long := "RESULT 1000\n" + strings.Repeat("x", 1000) // past rawWriteMax
	go func() {
		for _, s := range []string{"READY\n", "RESULT 2\nOKREADY\n", long} {
			if n, err := p.Write([]byte(s)); n != len(s) || err != nil {
				t.Errorf("Write(%d bytes) = %d, %v", len(s), n, err)
			}
		}
		w.Close()
	}()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "READY\nRESULT 2\nOKREADY\n" + long; string(got) != want {
		t.Fatalf("read %q", got)
	}
}

// TestRawPipeReportsABrokenPipe: supervisord gone, the write fails with
// EPIPE and the listener lives on to report it.
func TestRawPipeReportsABrokenPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	_, err = newRawPipe(w).Write([]byte("RESULT 2\nOKREADY\n"))
	var pe *os.PathError
	if !errors.As(err, &pe) || !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("got %v", err)
	}
}

func TestRawPipeLeavesOtherFilesToTheRuntime(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w := newRawPipe(f); w != io.Writer(f) {
		t.Fatalf("a regular file got %T", w)
	}
}
