package listener

import "unsafe"

// arenaChunk is the size of the blocks payloads are copied into.
const arenaChunk = 16 << 10

// arenaLargest is the largest payload copied into a shared block; larger
// ones get an allocation of their own, so that a handler keeping one
// pins no more than its own bytes.
const arenaLargest = arenaChunk / 8

// arena hands out the strings of small payloads from shared blocks: one
// allocation for many events instead of one per event. The copy into a
// fresh string was a third of a 200-character log event's read
// (BenchmarkServeLog200UTF8: 770 ns an event, 360 ns of it in
// slicebytetostring). A block's bytes are written once and never again, so
// the strings made from it are as immutable as any; the garbage collector
// frees a block when no string of it is left. A handler that keeps a
// payload keeps at most its block alive, arenaChunk bytes.
type arena struct {
	block []byte // len: the bytes handed out; cap: the block's size
}

// string returns a string holding a copy of p.
func (a *arena) string(p []byte) string {
	if len(p) == 0 {
		return ""
	}
	if len(p) > arenaLargest {
		return string(p)
	}
	if cap(a.block)-len(a.block) < len(p) {
		a.block = make([]byte, 0, arenaChunk)
	}
	start := len(a.block)
	a.block = append(a.block, p...)
	return unsafe.String(&a.block[start], len(p))
}
