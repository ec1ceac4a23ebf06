package testharness

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// stdinWriter feeds a child's stdin without ever blocking the harness,
// like supervisord's PInputDispatcher buffer: a write that does not fit in
// the pipe is finished by a goroutine. A write to a pipe whose reader is
// gone fails with EPIPE at once.
type stdinWriter struct {
	f       *os.File
	raw     syscall.RawConn
	mu      sync.Mutex
	queue   []byte
	writing bool
	broken  error
	closed  bool
	wake    chan struct{}
	done    chan struct{}
}

func newStdinWriter(f *os.File) *stdinWriter {
	w := &stdinWriter{f: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.raw, _ = f.SyscallConn()
	go w.loop()
	return w
}

func (w *stdinWriter) write(data []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("stdin is closed: %w", syscall.EPIPE)
	}
	if w.broken != nil {
		return w.broken
	}
	if len(w.queue) == 0 && !w.writing && w.raw != nil {
		var n int
		var werr error
		err := w.raw.Write(func(fd uintptr) bool {
			n, werr = syscall.Write(int(fd), data)
			return true
		})
		if err == nil {
			err = werr
		}
		if n > 0 {
			data = data[n:]
		}
		if err != nil && !errors.Is(err, syscall.EAGAIN) {
			w.broken = fmt.Errorf("writing to stdin: %w", err)
			return w.broken
		}
		if len(data) == 0 {
			return nil
		}
	}
	w.queue = append(w.queue, data...)
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

func (w *stdinWriter) loop() {
	for {
		select {
		case <-w.wake:
		case <-w.done:
			return
		}
		for {
			w.mu.Lock()
			if len(w.queue) == 0 || w.broken != nil || w.closed {
				w.writing = false
				w.mu.Unlock()
				break
			}
			data := w.queue
			w.queue = nil
			w.writing = true
			w.mu.Unlock()
			if _, err := w.f.Write(data); err != nil {
				w.mu.Lock()
				w.broken = fmt.Errorf("writing to stdin: %w", err)
				w.queue = nil
				w.writing = false
				w.mu.Unlock()
				break
			}
		}
	}
}

func (w *stdinWriter) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.done)
	w.mu.Unlock()
	_ = w.f.Close()
}
