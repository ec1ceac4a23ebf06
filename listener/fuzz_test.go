package listener

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// captureEvents returns each event of the real capture as its own byte
// string, to seed the fuzzers.
func captureEvents(f *testing.F) [][]byte {
	data := capture(f)
	var out [][]byte
	for len(data) > 0 {
		next := bytes.Index(data[1:], []byte("ver:3.0 "))
		if next < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:next+1])
		data = data[next+1:]
	}
	return out
}

// FuzzReadEvent feeds arbitrary streams to a Reader. It must never panic
// or hang, every event it returns must hold exactly len code points, and
// an event written back out must read back identically.
func FuzzReadEvent(f *testing.F) {
	f.Add(capture(f), false)
	for _, ev := range captureEvents(f) {
		f.Add(ev, false)
		f.Add(ev, true)
		f.Add(ev[:len(ev)/2], false)
	}
	f.Add([]byte("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:2\n\xc3\xa9\xe2"), false)
	f.Fuzz(func(t *testing.T, data []byte, byteLengths bool) {
		r := NewReader(bytes.NewReader(data))
		r.ByteLengths = byteLengths
		r.MaxPayload = 1 << 20
		for {
			ev, err := r.ReadEvent()
			if err != nil {
				return
			}
			n := len(ev.Payload)
			if !byteLengths {
				n = utf8.RuneCountInString(ev.Payload)
			}
			if n != ev.Len {
				t.Fatalf("payload has %d units, header says %d", n, ev.Len)
			}
			if !byteLengths && !utf8.ValidString(ev.Payload) {
				// supervisord only sends valid UTF-8. How many code points
				// an invalid sequence is depends on the byte after it, so
				// such payloads need not round trip.
				continue
			}
			again := NewReader(strings.NewReader(ev.Header.String() + "\n" + ev.Payload))
			again.ByteLengths = byteLengths
			ev2, err := again.ReadEvent()
			if err != nil {
				t.Fatalf("re-reading %q: %v", ev.Header.String(), err)
			}
			if ev2 != ev {
				t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, ev2)
			}
			if _, err := again.ReadEvent(); err != io.EOF {
				t.Fatalf("re-read stream has trailing data: %v", err)
			}
		}
	})
}

// FuzzPayload runs every typed accessor over arbitrary payloads of every
// event type. None may panic, and what parses must be consistent.
func FuzzPayload(f *testing.F) {
	for _, raw := range captureEvents(f) {
		ev, err := NewReader(bytes.NewReader(raw)).ReadEvent()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(ev.EventName), ev.Payload)
	}
	f.Add("PROCESS_STATE_EXITED", "processname:a groupname:b from_state:RUNNING expected:1 pid:99999999999999999999")
	f.Fuzz(func(t *testing.T, name, payload string) {
		ev := Event{Header: Header{EventName: EventType(name)}, Payload: payload}
		ev.Typed()
		ev.Fields()
		ev.Data()
		if p, err := ev.ProcessState(); err == nil {
			if !p.State.Valid() || !p.FromState.Valid() || p.PID < 0 || p.Tries < 0 {
				t.Fatalf("accepted an invalid state event: %+v", p)
			}
		}
		if l, err := ev.ProcessLog(); err == nil && !strings.HasSuffix(payload, l.Data) {
			t.Fatalf("log data %q is not the payload's tail", l.Data)
		}
		ev.ProcessCommunication()
		ev.RemoteCommunication()
		ev.Tick()
		ev.ProcessGroup()
		ev.SupervisorStateChange()
	})
}

// FuzzParseHeader checks that any header the parser accepts prints back to
// a line that parses to the same header.
func FuzzParseHeader(f *testing.F) {
	for _, raw := range captureEvents(f) {
		line, _, _ := bytes.Cut(raw, []byte("\n"))
		f.Add(line)
	}
	f.Add([]byte("ver:3.0 server:a b c serial:1 pool:p poolserial:2 eventname:X len:0"))
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return // ReadEvent hands the parser one line, without its newline
		}
		var p headerParser
		h, err := p.parse(line)
		if err != nil {
			return
		}
		var q headerParser
		h2, err := q.parse([]byte(h.String()))
		if err != nil {
			// Values with spaces that start with a colon-bearing token
			// cannot round trip; anything else must.
			if !strings.Contains(h.Server+h.Pool+h.Ver+string(h.EventName), " ") {
				t.Fatalf("String() of an accepted header does not parse: %q: %v", h.String(), err)
			}
			return
		}
		if h2 != h && !strings.Contains(h.Server+h.Pool+h.Ver+string(h.EventName), ":") {
			t.Fatalf("round trip changed the header:\n%+v\n%+v", h, h2)
		}
	})
}

// FuzzParseHeaderPaths checks that the fast path for the form supervisord
// writes agrees with the token-by-token parser on every line it accepts.
func FuzzParseHeaderPaths(f *testing.F) {
	for _, raw := range captureEvents(f) {
		line, _, _ := bytes.Cut(raw, []byte("\n"))
		f.Add(line)
	}
	for _, line := range []string{
		"ver:3.0 server:a b serial:1 pool:p poolserial:2 eventname:X len:0",
		"ver:3.0 server:s serial:1 pool:p poolserial:2 eventname:TICK_5 len:15 extra:1",
		"ver:3.0 server:s serial:1 pool:p poolserial:2 eventname:TICK_5 len:15 ",
		"ver:3.0 server:s:t serial:1 pool: poolserial:2 eventname:TICK_5 len:0",
		"ver:3.0 server:s serial:01 pool:p poolserial:2 eventname: len:1",
	} {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast, tokens headerParser
		h, ok := fast.parseCanonical(line)
		if !ok {
			return
		}
		want, err := tokens.parseTokens(line)
		if err != nil || h != want {
			t.Fatalf("%q: fast path %+v, token by token %+v, %v", line, h, want, err)
		}
	})
}

// FuzzScanCodePoints checks the scanner against utf8.DecodeRune on any
// bytes, from any offset: the same code points, ending at the same offset.
func FuzzScanCodePoints(f *testing.F) {
	f.Add([]byte("héllo wörld 5€ 🙂"), 0, 10)
	f.Add([]byte("\xed\xa0\x80\xe0\x80\x80\xf4\x90\x80\x80\xc3"), 0, 5)
	f.Add([]byte("processname:web "+strings.Repeat("é€a", 30)+"\xe2\x82"+strings.Repeat("日a", 20)), 3, 200)
	f.Fuzz(func(t *testing.T, p []byte, start, max int) {
		if max < 0 || start < 0 || start > len(p) {
			return
		}
		end, counted := scanCodePoints(p, start, max)
		i, n := decodeRuneCount(p, start, max)
		if end != i || counted != n {
			t.Fatalf("%q from %d, max %d: scan gives (%d, %d), DecodeRune (%d, %d)", p, start, max, end, counted, i, n)
		}
	})
}

// FuzzHeaderTemplate checks that a line matching the template left by a
// previous header reads as parseCanonical reads it.
func FuzzHeaderTemplate(f *testing.F) {
	events := captureEvents(f)
	for i := 1; i < len(events); i++ {
		prev, _, _ := bytes.Cut(events[i-1], []byte("\n"))
		line, _, _ := bytes.Cut(events[i], []byte("\n"))
		f.Add(prev, line)
	}
	tick := []byte("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:15")
	for _, line := range []string{
		"ver:3.0 server:s serial:99999999999999999999 pool:p poolserial:1 eventname:TICK_5 len:15",
		"ver:3.0 server:s serial:2 pool:p poolserial:2 eventname:TICK_5 len:15 ",
		"ver:3.0 server:s serial:2 pool:p poolserial:2 eventname:TICK_5 len:9223372036854775808",
		"ver:3.0 server:s serial: pool:p poolserial:2 eventname:TICK_5 len:1",
		"ver:3.0 server:s serial:2 pool:p poolserial:2 eventname:TICK_60 len:1",
	} {
		f.Add(tick, []byte(line))
	}
	f.Fuzz(func(t *testing.T, prev, line []byte) {
		var p headerParser
		first, ok := p.parseCanonical(prev)
		if !ok {
			return
		}
		p.last.remember(first)
		h, ok := p.last.match(line)
		if !ok {
			return
		}
		var fresh headerParser
		want, ok := fresh.parseCanonical(line)
		if !ok || h != want {
			t.Fatalf("after %q, %q: template %+v, field by field %+v (%v)", prev, line, h, want, ok)
		}
	})
}
