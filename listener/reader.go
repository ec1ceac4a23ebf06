package listener

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// DefaultMaxPayload is the largest payload length a Reader accepts unless
// told otherwise: 64 MiB. supervisord's own payloads are far smaller (a
// PROCESS_LOG chunk is at most 128 KiB), so a larger len means the stream
// is corrupt, not that a real event is coming.
const DefaultMaxPayload = 64 << 20

// readerBufferSize holds a whole PROCESS_LOG chunk of ASCII text plus its
// header, so that even large log events are read without copying twice.
const readerBufferSize = 64 << 10

// A Reader reads events from the stream supervisord writes to a listener's
// standard input.
//
// supervisord 4.x computes the header's len as len() of a Python str, which
// counts Unicode code points, and then writes the payload encoded as UTF-8
// (supervisor issue #1243). A log line "héllo wörld" therefore arrives with
// a len two smaller than its byte count. Reader counts code points by
// default; reading len bytes instead would cut the payload short and take
// its tail for the next header. Set ByteLengths for a server that counts
// bytes.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	// ByteLengths makes the header's len count bytes instead of code
	// points.
	ByteLengths bool

	// MaxPayload is the largest len accepted; zero means DefaultMaxPayload.
	MaxPayload int

	r       *bufio.Reader
	headers headerParser
	strings arena           // holds the payloads that fit the buffer
	big     strings.Builder // collects payloads larger than the buffer
}

// NewReader returns a Reader reading events from r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < readerBufferSize {
		br = bufio.NewReaderSize(r, readerBufferSize)
	}
	return &Reader{r: br}
}

// ReadEvent reads the next event. At the end of the stream between two
// events it returns io.EOF. Any other failure to read a complete event is a
// *ProtocolError wrapping ErrMalformedHeader, ErrPayloadTooLarge or
// ErrTruncated, or the underlying reader's error.
func (r *Reader) ReadEvent() (Event, error) {
	line, err := r.r.ReadSlice('\n')
	if err != nil {
		switch {
		case err == io.EOF && len(line) == 0:
			return Event{}, io.EOF
		case err == io.EOF:
			return Event{}, &ProtocolError{Err: ErrTruncated, Reason: "the stream ended inside the header line", Header: quoteLimit(line)}
		case errors.Is(err, bufio.ErrBufferFull):
			return Event{}, headerError(line, fmt.Sprintf("no newline within %d bytes", len(line)))
		}
		return Event{}, err
	}
	h, err := r.headers.parse(line[:len(line)-1])
	if err != nil {
		return Event{}, err
	}
	max := r.MaxPayload
	if max <= 0 {
		max = DefaultMaxPayload
	}
	if h.Len > max {
		return Event{}, &ProtocolError{
			Err:    ErrPayloadTooLarge,
			Reason: fmt.Sprintf("len %d exceeds the limit of %d (raise it with WithMaxPayload if this is intended)", h.Len, max),
			Header: h.String(),
		}
	}
	var payload string
	if r.ByteLengths {
		payload, err = r.readBytes(h.Len)
	} else {
		payload, err = r.readCodePoints(h.Len)
	}
	if err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) {
			pe.Header = h.String()
		}
		return Event{}, err
	}
	return Event{Header: h, Payload: payload}, nil
}

// readBytes reads a payload of exactly n bytes.
func (r *Reader) readBytes(n int) (string, error) {
	if n <= r.r.Size() {
		p, err := r.r.Peek(n)
		if err != nil {
			return "", truncated(err, fmt.Sprintf("the stream ended after %d of %d payload bytes", len(p), n))
		}
		s := r.strings.string(p)
		r.r.Discard(n)
		return s, nil
	}
	r.big.Reset()
	r.big.Grow(n)
	for r.big.Len() < n {
		chunk := min(n-r.big.Len(), r.r.Size())
		p, err := r.r.Peek(chunk)
		r.big.Write(p)
		r.r.Discard(len(p))
		if err != nil {
			return "", truncated(err, fmt.Sprintf("the stream ended after %d of %d payload bytes", r.big.Len(), n))
		}
	}
	s := r.big.String()
	r.big.Reset()
	return s, nil
}

// readCodePoints reads a payload of exactly n UTF-8 encoded code points.
//
// It never asks the underlying reader for a byte the payload may not
// contain: a listener that waited for bytes beyond the payload would
// deadlock, because supervisord sends nothing more until it answers. Each
// remaining code point needs at least one byte, so n-counted bytes are
// always safe to wait for; when the buffered data ends inside a multi-byte
// sequence, only one more byte is.
//
// Payloads that fit the buffer are scanned in place and copied once,
// into the arena.
//
// supervisord always sends valid UTF-8 (it replaces undecodable output with
// the text "Undecodable: b'...'"). Should invalid bytes arrive anyway, each
// counts as one code point, as utf8.DecodeRune reads them.
func (r *Reader) readCodePoints(n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	size := r.r.Size()
	counted := 0 // code points found so far
	scanned := 0 // buffered bytes holding those code points, not yet discarded
	pending := 0 // bytes of a split multi-byte sequence after scanned
	spilled := false
	r.big.Reset()
	for counted < n {
		want := scanned + (n - counted)
		if pending > 0 {
			want = scanned + pending + 1
		}
		if want > size {
			// The payload outgrows the buffer: move what is counted out of it.
			p, _ := r.r.Peek(scanned)
			if !spilled {
				r.big.Grow(n)
				spilled = true
			}
			r.big.Write(p)
			r.r.Discard(scanned)
			want -= scanned
			scanned = 0
			want = min(want, size)
		}
		if r.r.Buffered() < want {
			if _, err := r.r.Peek(want); err != nil {
				// The short Peek still buffered what arrived: count it too.
				p, _ := r.r.Peek(r.r.Buffered())
				_, c := scanCodePoints(p, scanned, n-counted)
				return "", truncated(err, fmt.Sprintf("the stream ended after %d of %d payload code points", counted+c, n))
			}
		}
		p, _ := r.r.Peek(r.r.Buffered())
		i, c := scanCodePoints(p, scanned, n-counted)
		counted += c
		scanned = i
		pending = 0
		if counted < n {
			pending = len(p) - i
		}
	}
	p, _ := r.r.Peek(scanned)
	var s string
	if spilled {
		r.big.Write(p)
		s = r.big.String()
		r.big.Reset()
	} else {
		s = r.strings.string(p)
	}
	r.r.Discard(scanned)
	return s, nil
}

func truncated(err error, reason string) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ProtocolError{Err: ErrTruncated, Reason: reason}
	}
	return fmt.Errorf("listener: reading payload: %w", err)
}

// scanCodePoints counts up to max code points in p from i on and returns
// the offset after the last one counted and how many it counted. It stops
// early at a multi-byte sequence that the end of p cuts short.
//
// It counts exactly as utf8.DecodeRune reads. Text of one- to three-byte
// sequences goes 32 bytes at a time where the CPU allows (scanBlocks);
// the rest goes one code point at a time (scanRunes).
func scanCodePoints(p []byte, i, max int) (end, counted int) {
	// Most payloads open with ASCII (a TICK's when:, a log's token line):
	// skip that eight bytes at a time, once.
	for max-counted >= 8 && len(p)-i >= 8 && binary.LittleEndian.Uint64(p[i:])&0x8080808080808080 == 0 {
		i += 8
		counted += 8
	}
	for haveBlocks && max-counted >= 32 && len(p)-i >= 32 {
		if i < 2 {
			// The blocks look two bytes back.
			i, counted = scanRunes(p, i, counted, counted+2)
		}
		if j, c := scanBlocks(p, i, max-counted); c > 0 {
			// Step back to the last code point's first byte, which may
			// lead continuations beyond the last block.
			if p[j-1] >= utf8.RuneSelf {
				j--
				for p[j]&0xC0 == 0x80 {
					j--
				}
				c--
			}
			i, counted = j, counted+c
		}
		if max-counted < 32 || len(p)-i < 64 {
			break
		}
		// A block scanBlocks leaves alone (a four-byte sequence, an
		// invalid byte): one code point at a time past it, then blocks
		// again.
		i, counted = scanRunes(p[:i+32], i, counted, max)
	}
	return scanRunes(p, i, counted, max)
}

// scanRunes counts code points one at a time from i on, having counted
// counted, until it has counted max, and returns where it stopped and the
// new count. Well-formed two-, three- and four-byte sequences are
// recognised inline; anything irregular is left to utf8.DecodeRune, which
// takes an invalid byte as one code point.
func scanRunes(p []byte, i, counted, max int) (end, newCounted int) {
	for i < len(p) && counted < max {
		b := p[i]
		switch {
		case b < utf8.RuneSelf:
			i++
			counted++
			continue
		case b >= 0xC2 && b <= 0xDF && i+1 < len(p) && p[i+1]&0xC0 == 0x80:
			i += 2
			counted++
			continue
		case b >= 0xE1 && b <= 0xEF && b != 0xED && i+2 < len(p) && p[i+1]&0xC0 == 0x80 && p[i+2]&0xC0 == 0x80:
			i += 3
			counted++
			continue
		case b >= 0xF1 && b <= 0xF3 && i+3 < len(p) && p[i+1]&0xC0 == 0x80 && p[i+2]&0xC0 == 0x80 && p[i+3]&0xC0 == 0x80:
			i += 4
			counted++
			continue
		}
		if !utf8.FullRune(p[i:]) {
			break
		}
		_, w := utf8.DecodeRune(p[i:])
		i += w
		counted++
	}
	return i, counted
}
