//go:build amd64 && !purego

package listener

import "golang.org/x/sys/cpu"

// haveBlocks reports whether scanBlocks runs on this CPU.
var haveBlocks = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT

// scanBlocks counts the code points of p from i on, 32 bytes at a time,
// while a whole block is buffered and max leaves room for 32 more code
// points. It returns the offset after the last block counted and how many
// code points those blocks begin.
//
// A block is counted only when every code point in it is one utf8.DecodeRune
// reads the same way: an ASCII byte, a valid sequence of two or three
// bytes, or a lone invalid lead (C0, C1) before a byte that is not a
// continuation. Then the code points are the bytes that are not
// continuations (10xxxxxx), which the block counts at once. It stops before
// the first block holding anything else (a stray or missing continuation,
// an overlong or surrogate sequence, any byte from F0 on, which four-byte
// sequences begin with), for the caller to read one code point at a time.
//
// It looks one and two bytes back to see which continuations a block's
// first bytes need, so i must be at least 2; the bytes before i count as
// complete code points, whatever they are. The last block may end inside
// a sequence whose continuations it checked only in part: the caller
// steps back to that sequence's first byte.
//
//go:noescape
func scanBlocks(p []byte, i, max int) (end, counted int)
