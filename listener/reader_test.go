package listener

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// capture is every event type as sent by a real supervisord 4.2.5
// (testdata/capture/capture.sh), concatenated.
func capture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/captures/supervisord-4.2.5.bin")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readAll(t testing.TB, r *Reader) []Event {
	t.Helper()
	var evs []Event
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatalf("after %d events: %v", len(evs), err)
		}
		evs = append(evs, ev)
	}
}

func TestReadCapture(t *testing.T) {
	evs := readAll(t, NewReader(bytes.NewReader(capture(t))))
	if len(evs) != 28 {
		t.Fatalf("read %d events, want 28", len(evs))
	}
	for i, ev := range evs {
		if ev.Serial != uint64(i) || ev.PoolSerial != uint64(i) || ev.Pool != "rec" || ev.Server != "capture" || ev.Ver != "3.0" {
			t.Errorf("event %d header %+v", i, ev.Header)
		}
		if n := utf8.RuneCountInString(ev.Payload); n != ev.Len {
			t.Errorf("event %d: payload has %d code points, header says %d", i, n, ev.Len)
		}
	}
	byName := map[EventType]Event{}
	for _, ev := range evs {
		byName[ev.EventName] = ev
	}
	for _, tt := range []struct {
		name    EventType
		payload string
		bytes   int
	}{
		{ProcessLogStdout, "processname:talker groupname:talker pid:11644 channel:stdout\ncomm dataé", 72},
		{ProcessLogStderr, "processname:talker groupname:talker pid:11644 channel:stderr\nprice: 5€ 🙂\n", 78},
		{ProcessCommunicationStdout, "processname:talker groupname:talker pid:11644\ncomm dataé", 57},
		{RemoteCommunication, "type:mytype\npayload data ü", 27},
		{ProcessGroupRemoved, "groupname:failer\n", 17},
		{SupervisorStateChangeStopping, "", 0},
		{ProcessStateFatal, "processname:failer groupname:failer from_state:BACKOFF", 54},
	} {
		ev := byName[tt.name]
		if ev.Payload != tt.payload || len(ev.Payload) != tt.bytes {
			t.Errorf("%s payload = %q (%d bytes), want %q (%d bytes)", tt.name, ev.Payload, len(ev.Payload), tt.payload, tt.bytes)
		}
	}
	// héllo wörld: len 73 for 75 bytes. (The reference's 72/74 had a
	// four-digit pid; this capture's is five digits.)
	for _, ev := range evs {
		if ev.EventName == ProcessLogStdout && strings.Contains(ev.Payload, "héllo wörld") {
			if ev.Len != 73 || len(ev.Payload) != 75 {
				t.Errorf("héllo event len=%d bytes=%d", ev.Len, len(ev.Payload))
			}
			return
		}
	}
	t.Error("no héllo wörld event in the capture")
}

// TestReadCaptureSplitReads feeds the capture through readers that return
// one byte, or half of what is asked, at a time: every split of a
// multi-byte code point across reads must be handled.
func TestReadCaptureSplitReads(t *testing.T) {
	want := readAll(t, NewReader(bytes.NewReader(capture(t))))
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+err": iotest.DataErrReader,
	} {
		t.Run(name, func(t *testing.T) {
			got := readAll(t, NewReader(wrap(bytes.NewReader(capture(t)))))
			if len(got) != len(want) {
				t.Fatalf("got %d events, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("event %d differs: %+v vs %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func envelope(name EventType, payload string) string {
	return fmt.Sprintf("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:%s len:%d\n%s", name, utf8.RuneCountInString(payload), payload)
}

// lockstep is a reader that fails the test if asked for more bytes than
// were fed to it. supervisord sends nothing until the listener answers, so
// a reader that waits for a byte beyond the payload would deadlock.
type lockstep struct {
	t    *testing.T
	data []byte
}

func (l *lockstep) Read(p []byte) (int, error) {
	if len(l.data) == 0 {
		l.t.Fatal("reader asked for bytes beyond the event: it would block forever on a real pipe")
	}
	n := copy(p, l.data)
	l.data = l.data[n:]
	return n, nil
}

func TestReadNeverAsksBeyondThePayload(t *testing.T) {
	payloads := []string{
		"",
		"when:1795239755",
		"processname:a groupname:a pid:1 channel:stdout\nhéllo wörld\n",
		"processname:a groupname:a pid:1 channel:stdout\n" + strings.Repeat("€", 5000),
		"processname:a groupname:a pid:1 channel:stdout\n" + strings.Repeat("🙂a", 70000),
		"processname:a groupname:a pid:1 channel:stdout\n" + strings.Repeat("x", 200000) + "é",
	}
	for _, p := range payloads {
		for _, split := range []bool{false, true} {
			var src io.Reader = &lockstep{t: t, data: []byte(envelope(ProcessLogStdout, p))}
			if split {
				src = iotest.OneByteReader(src)
			}
			ev, err := NewReader(src).ReadEvent()
			if err != nil {
				t.Fatal(err)
			}
			if ev.Payload != p {
				t.Fatalf("payload of %d bytes read back as %d bytes", len(p), len(ev.Payload))
			}
		}
	}
}

func TestReadLargePayloadsAcrossTheBuffer(t *testing.T) {
	// Payloads larger than the buffer, with multi-byte code points falling
	// on every offset around the buffer boundary.
	for offset := 0; offset < 5; offset++ {
		p := strings.Repeat("a", readerBufferSize-offset) + strings.Repeat("€🙂", 10) + "\n"
		stream := envelope(ProcessLogStdout, p) + envelope(Tick5, "when:1")
		r := NewReader(strings.NewReader(stream))
		ev, err := r.ReadEvent()
		if err != nil || ev.Payload != p {
			t.Fatalf("offset %d: err=%v, payload %d bytes, want %d", offset, err, len(ev.Payload), len(p))
		}
		ev, err = r.ReadEvent()
		if err != nil || ev.Payload != "when:1" {
			t.Fatalf("offset %d: next event: %v %q", offset, err, ev.Payload)
		}
	}
}

func TestReadByteLengths(t *testing.T) {
	payload := "type:t\nü"
	stream := fmt.Sprintf("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:REMOTE_COMMUNICATION len:%d\n%s", len(payload), payload)
	r := NewReader(strings.NewReader(stream))
	r.ByteLengths = true
	ev, err := r.ReadEvent()
	if err != nil || ev.Payload != payload {
		t.Fatalf("err=%v payload=%q", err, ev.Payload)
	}

	big := strings.Repeat("é", readerBufferSize)
	stream = fmt.Sprintf("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:REMOTE_COMMUNICATION len:%d\n%s", len(big), big)
	r = NewReader(iotest.HalfReader(strings.NewReader(stream)))
	r.ByteLengths = true
	ev, err = r.ReadEvent()
	if err != nil || ev.Payload != big {
		t.Fatalf("big: err=%v len=%d", err, len(ev.Payload))
	}
}

// TestReadByteCountsDesync shows why code points are the default: a
// byte-counting reader stops short on supervisord 4's stream and takes the
// rest of the payload for the next header.
func TestReadByteCountsDesync(t *testing.T) {
	r := NewReader(bytes.NewReader(capture(t)))
	r.ByteLengths = true
	for {
		_, err := r.ReadEvent()
		if err == io.EOF {
			t.Fatal("a byte-counting reader read the whole capture; the capture has no multi-byte text")
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedHeader) || !strings.Contains(err.Error(), "out of step") {
				t.Fatalf("err = %v, want a malformed header with a hint", err)
			}
			return
		}
	}
}

func TestReadErrors(t *testing.T) {
	const hdr = "ver:3.0 server:s serial:7 pool:p poolserial:1 eventname:TICK_5 len:15"
	tests := []struct {
		name   string
		stream string
		max    int
		want   error
		quote  string
	}{
		{"EOF inside header", "ver:3.0 server:s", 0, ErrTruncated, "ver:3.0 server:s"},
		{"EOF inside payload", hdr + "\nwhen:17", 0, ErrTruncated, hdr},
		{"EOF inside a code point", strings.Replace(hdr, "len:15", "len:2", 1) + "\n\xc3", 0, ErrTruncated, "len:2"},
		{"malformed header", "hello world\n", 0, ErrMalformedHeader, "hello world"},
		{"too large", strings.Replace(hdr, "len:15", "len:100", 1) + "\n", 99, ErrPayloadTooLarge, "len:100"},
		{"over default cap", strings.Replace(hdr, "len:15", "len:67108865", 1) + "\n", 0, ErrPayloadTooLarge, "len:67108865"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.stream))
			r.MaxPayload = tt.max
			_, err := r.ReadEvent()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(pe.Header, tt.quote) {
				t.Fatalf("error %q does not quote the header (%q)", err, tt.quote)
			}
		})
	}
	if _, err := NewReader(strings.NewReader("")).ReadEvent(); err != io.EOF {
		t.Fatalf("empty stream: err = %v, want io.EOF", err)
	}
	if _, err := NewReader(strings.NewReader(hdr + "\nwhen:17")).ReadEvent(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ErrTruncated does not wrap io.ErrUnexpectedEOF: %v", err)
	}
	long := strings.Repeat("x", readerBufferSize+10) + "\n"
	if _, err := NewReader(strings.NewReader(long)).ReadEvent(); !errors.Is(err, ErrMalformedHeader) {
		t.Fatalf("over-long header: err = %v", err)
	}
	boom := errors.New("boom")
	if _, err := NewReader(iotest.ErrReader(boom)).ReadEvent(); !errors.Is(err, boom) {
		t.Fatalf("reader error not passed through: %v", err)
	}
}

// TestTruncationCountsWhatArrived checks that the truncation error counts
// the payload that did arrive, for short payloads, payloads larger than the
// buffer, multi-byte text and byte lengths alike.
func TestTruncationCountsWhatArrived(t *testing.T) {
	const hdr = "ver:3.0 server:s serial:7 pool:p poolserial:1 eventname:TICK_5 len:"
	big := strings.Repeat("x", readerBufferSize+100)
	tests := []struct {
		name    string
		len     int
		payload string
		bytes   bool
		want    string
	}{
		{"short", 100, "when:1", false, "after 6 of 100 payload code points"},
		{"nothing", 100, "", false, "after 0 of 100 payload code points"},
		{"multi-byte", 100, "héllo €", false, "after 7 of 100 payload code points"},
		{"cut inside a code point", 100, "ab\xe2\x82", false, "after 2 of 100 payload code points"},
		{"beyond the buffer", 3 * readerBufferSize, big, false, fmt.Sprintf("after %d of %d payload code points", len(big), 3*readerBufferSize)},
		{"bytes short", 100, "when:1", true, "after 6 of 100 payload bytes"},
		{"bytes beyond the buffer", 3 * readerBufferSize, big, true, fmt.Sprintf("after %d of %d payload bytes", len(big), 3*readerBufferSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(fmt.Sprintf("%s%d\n%s", hdr, tt.len, tt.payload)))
			r.ByteLengths = tt.bytes
			_, err := r.ReadEvent()
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("err = %v, want ErrTruncated", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestReadEventAllocations(t *testing.T) {
	ev := []byte(envelope(Tick5, "when:1795239755"))
	src := bytes.NewReader(nil)
	r := NewReader(src)
	allocs := testing.AllocsPerRun(200, func() {
		src.Reset(ev)
		if _, err := r.ReadEvent(); err != nil {
			t.Fatal(err)
		}
	})
	// The payload's string comes from the arena, one block for hundreds
	// of ticks.
	if allocs > 0.1 {
		t.Fatalf("ReadEvent allocates %v times per TICK, want well under 1 (the arena's block, now and then)", allocs)
	}
}

// TestScanCodePointsCountsAsDecodeRune compares the inline scanner with
// utf8.DecodeRune over every kind of sequence, valid and not.
func TestScanCodePointsCountsAsDecodeRune(t *testing.T) {
	inputs := []string{
		"", "ascii", "héllo wörld", "5€ 🙂 日本語", "\xc3", "\xe2\x82", "\xf0\x9f\x99",
		"\xc0\x80", "\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80", "\xf5", "\xff\xfe", "a\x80b",
		"\xe0\xa4\xb9", "\xed\x9f\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", strings.Repeat("é€a🙂", 50),
	}
	for _, in := range inputs {
		for max := 0; max <= utf8.RuneCountInString(in)+1; max++ {
			end, counted := scanCodePoints([]byte(in), 0, max)
			// The reference: DecodeRune, stopping at a sequence the end cuts.
			i, n := 0, 0
			for i < len(in) && n < max {
				if !utf8.FullRuneInString(in[i:]) {
					break
				}
				_, w := utf8.DecodeRuneInString(in[i:])
				i += w
				n++
			}
			if end != i || counted != n {
				t.Fatalf("%q max %d: scan gives (%d, %d), DecodeRune (%d, %d)", in, max, end, counted, i, n)
			}
		}
	}
}

// decodeRuneCount is the reference scanCodePoints must match: DecodeRune
// from i on, stopping at a sequence the end of p cuts short.
func decodeRuneCount(p []byte, i, max int) (end, counted int) {
	for i < len(p) && counted < max && utf8.FullRune(p[i:]) {
		_, w := utf8.DecodeRune(p[i:])
		i += w
		counted++
	}
	return i, counted
}

// TestScanCodePointsLongText compares the scanner with utf8.DecodeRune on
// long texts of every kind of sequence, valid and not, with the invalid
// ones in every position of a 32-byte block, from any starting offset
// and to any limit: the text the scanner counts in blocks (scanBlocks)
// and the text that makes it step back to one code point at a time.
func TestScanCodePointsLongText(t *testing.T) {
	valid := []string{"a", "é", "€", "日", "🙂", "\u0939", "\ud55c", "\ud7a3", "\u07ff", "\u0800", "\uffff", "\n"}
	irregular := []string{
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xe2\x82", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80",
		"\xed\xbf\xbf", "\xf0\x9f\x99\x82", "\xf0\x9f\x99", "\xf5\x80\x80", "\xff\xbf\xbf", "\xf4\x90\x80\x80", "\xf5", "\xff", "\xc3\xc3", "\xe2\x82\xe2", "\xc0", "\xc1",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 3000 {
		// A few kinds of characters each round, so that some blocks are
		// all ASCII and some all one width.
		pool := make([]string, 1+rng.IntN(3))
		for k := range pool {
			pool[k] = valid[rng.IntN(len(valid))]
		}
		var b strings.Builder
		b.WriteString(valid[rng.IntN(len(valid))])
		size := 40 + rng.IntN(300)
		for b.Len() < size {
			b.WriteString(pool[rng.IntN(len(pool))])
		}
		p := []byte(b.String())
		// Up to two irregular pieces, anywhere, in half the rounds.
		for k := range 2 {
			if round%2 == 0 || k > 0 && rng.IntN(2) == 0 {
				continue
			}
			at := rng.IntN(len(p) + 1)
			p = append(p[:at], append([]byte(irregular[rng.IntN(len(irregular))]), p[at:]...)...)
		}
		start := rng.IntN(8)
		if rng.IntN(4) == 0 {
			start = rng.IntN(len(p) + 1)
		}
		total := utf8.RuneCount(p[start:])
		for _, max := range []int{total, total + 1, rng.IntN(total + 1), total - rng.IntN(40)} {
			if max < 0 {
				continue
			}
			end, counted := scanCodePoints(p, start, max)
			i, n := decodeRuneCount(p, start, max)
			if end != i || counted != n {
				t.Fatalf("%q from %d, max %d: scan gives (%d, %d), DecodeRune (%d, %d)", p, start, max, end, counted, i, n)
			}
			// A buffer that ends anywhere: the scanner stops where DecodeRune does.
			cut := start + rng.IntN(len(p)-start+1)
			end, counted = scanCodePoints(p[:cut], start, max)
			i, n = decodeRuneCount(p[:cut], start, max)
			if end != i || counted != n {
				t.Fatalf("%q from %d, max %d: scan gives (%d, %d), DecodeRune (%d, %d)", p[:cut], start, max, end, counted, i, n)
			}
		}
	}
}

// TestScanBlocksTakesValidText checks that scanBlocks, where the CPU runs
// it, counts valid text of one- to three-byte sequences in whole blocks,
// up to the last one that fits, rather than leaving it all to scanRunes.
func TestScanBlocksTakesValidText(t *testing.T) {
	if !haveBlocks {
		t.Skip("scanBlocks is not used here: no AVX2, or built with the purego tag")
	}
	for _, text := range []string{strings.Repeat("é€a", 40), strings.Repeat("a", 100), strings.Repeat("日本", 30), "xy" + strings.Repeat("\ud7a3\u0800", 20)} {
		p := []byte(text)
		for start := 2; start < 8; start++ {
			if utf8.RuneStart(p[start]) {
				end, counted := scanBlocks(p, start, len(p))
				blocks := (len(p) - start) / 32
				starts := 0 // the code points begun in the blocks
				for _, b := range p[start:end] {
					if utf8.RuneStart(b) {
						starts++
					}
				}
				if end != start+32*blocks || counted != starts {
					t.Errorf("%q from %d: scanBlocks gives (%d, %d), want %d blocks", text, start, end, counted, blocks)
				}
			}
		}
	}
}
