package rig

import (
	"bytes"
	"sync"

	"github.com/golance/golance/internal/testkit"
)

// Buffer is a log that a handler under test writes from several
// goroutines (its event loop, its restarts, its mail).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Messages returns everything written, without the lines' time stamps
// and levels (testkit.Messages).
func (b *Buffer) Messages() string { return testkit.Messages(b.String()) }
