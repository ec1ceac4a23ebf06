package listener

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	var p headerParser
	h, err := p.parse([]byte("ver:3.0 server:supervisor serial:21 pool:listener poolserial:10 eventname:PROCESS_STATE_EXITED len:84"))
	if err != nil {
		t.Fatal(err)
	}
	want := Header{Ver: "3.0", Server: "supervisor", Serial: 21, Pool: "listener", PoolSerial: 10, EventName: ProcessStateExited, Len: 84}
	if h != want {
		t.Fatalf("got %+v, want %+v", h, want)
	}
	if got := h.String(); got != "ver:3.0 server:supervisor serial:21 pool:listener poolserial:10 eventname:PROCESS_STATE_EXITED len:84" {
		t.Fatalf("String() = %q", got)
	}
}

func TestParseHeaderServerWithSpacesAndColons(t *testing.T) {
	// supervisord does not validate [supervisord] identifier.
	var p headerParser
	h, err := p.parse([]byte("ver:3.0 server:my box:1 two serial:1 pool:p poolserial:1 eventname:TICK_5 len:15"))
	if err != nil {
		t.Fatal(err)
	}
	// The first colon of a token splits it, so "box:1" starts a field of
	// its own that this package does not know and ignores; "two" extends it.
	if h.Server != "my" {
		t.Errorf("Server = %q", h.Server)
	}
	h, err = p.parse([]byte("ver:3.0 server:my big  box serial:1 pool:p poolserial:1 eventname:TICK_5 len:15"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Server != "my big  box" {
		t.Errorf("Server = %q, want the spaces kept", h.Server)
	}
}

func TestParseHeaderUnknownEventNamePassesThrough(t *testing.T) {
	var p headerParser
	h, err := p.parse([]byte("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:MY_PLUGIN_EVENT len:0"))
	if err != nil {
		t.Fatal(err)
	}
	if h.EventName != "MY_PLUGIN_EVENT" || h.EventName.Known() || !h.EventName.Is(AnyEvent) {
		t.Fatalf("EventName = %q", h.EventName)
	}
}

func TestParseHeaderIgnoresUnknownFields(t *testing.T) {
	var p headerParser
	h, err := p.parse([]byte("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:15 bytes:15"))
	if err != nil || h.Len != 15 {
		t.Fatalf("h=%+v err=%v", h, err)
	}
}

func TestParseHeaderErrors(t *testing.T) {
	const good = "ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:TICK_5 len:15"
	tests := []struct {
		name, line, reason string
	}{
		{"empty", "", "expected key:value"},
		{"payload text", "when:1795239755ver:3.0 server:s", "missing field"},
		{"no colon first", "hello ver:3.0", `found "hello"`},
		{"missing len", strings.Replace(good, " len:15", "", 1), `missing field "len"`},
		{"missing eventname", strings.Replace(good, " eventname:TICK_5", "", 1), `missing field "eventname"`},
		{"missing serial", strings.Replace(good, " serial:1", "", 1), `missing field "serial"`},
		{"missing ver", strings.Replace(good, "ver:3.0 ", "", 1), `missing field "ver"`},
		{"negative len", strings.Replace(good, "len:15", "len:-1", 1), `len "-1" is not a non-negative integer`},
		{"non-numeric len", strings.Replace(good, "len:15", "len:abc", 1), `len "abc"`},
		{"len with plus", strings.Replace(good, "len:15", "len:+15", 1), `len "+15"`},
		{"empty len", strings.Replace(good, "len:15", "len:", 1), `len ""`},
		{"huge len", strings.Replace(good, "len:15", "len:99999999999999999999999", 1), "len"},
		{"len with CR", good + "\r", `len "15\r"`},
		{"bad serial", strings.Replace(good, "serial:1", "serial:x", 1), `serial "x"`},
		{"bad poolserial", strings.Replace(good, "poolserial:1", "poolserial:1.5", 1), `poolserial "1.5"`},
		{"empty eventname", strings.Replace(good, "eventname:TICK_5", "eventname:", 1), "empty eventname"},
		{"repeated field", good + " len:16", `field "len" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p headerParser
			_, err := p.parse([]byte(tt.line))
			if !errors.Is(err, ErrMalformedHeader) {
				t.Fatalf("err = %v, want ErrMalformedHeader", err)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Header != tt.line {
				t.Fatalf("error does not quote the header: %v", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %q, want it to mention %q", err, tt.reason)
			}
		})
	}
}

func TestProtocolErrorHintsAtDesync(t *testing.T) {
	var p headerParser
	_, err := p.parse([]byte("rld"))
	if !strings.Contains(err.Error(), "out of step") {
		t.Fatalf("err = %v, want a hint that the stream is out of step", err)
	}
	_, err = p.parse([]byte("ver:3.0 server:s"))
	if strings.Contains(err.Error(), "out of step") {
		t.Fatalf("a truncated header is not a desync: %v", err)
	}
}

func TestParseHeaderInternsRepeatedValues(t *testing.T) {
	var p headerParser
	line := []byte("ver:3.0 server:supervisor serial:21 pool:listener poolserial:10 eventname:TICK_5 len:15")
	if _, err := p.parse(line); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.parse(line); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("parsing a repeated header allocates %v times, want 0", allocs)
	}
}

// TestParseCanonicalTakesSupervisordsHeaders: every header of the capture
// from a real supervisord takes the fast path.
func TestParseCanonicalTakesSupervisordsHeaders(t *testing.T) {
	data := capture(t)
	var p headerParser
	n := 0
	for i := bytes.Index(data, []byte("ver:3.0 ")); i >= 0; n++ {
		data = data[i:]
		line, _, _ := bytes.Cut(data, []byte("\n"))
		if _, ok := p.parseCanonical(line); !ok {
			t.Errorf("fast path refused %q", line)
		}
		data = data[len(line):]
		i = bytes.Index(data, []byte("ver:3.0 "))
	}
	if n < 20 {
		t.Fatalf("%d headers in the capture", n)
	}
}

// TestHeaderTemplateTakesSupervisordsStream: after the first header of a
// kind, the capture's headers of the same kind match the template.
func TestHeaderTemplateTakesSupervisordsStream(t *testing.T) {
	var p headerParser
	matched := 0
	for _, line := range []string{
		"ver:3.0 server:supervisor serial:41 pool:memmon poolserial:7 eventname:TICK_60 len:15",
		"ver:3.0 server:supervisor serial:42 pool:memmon poolserial:8 eventname:TICK_60 len:15",
		"ver:3.0 server:supervisor serial:1000 pool:memmon poolserial:999 eventname:TICK_60 len:7",
		"ver:3.0 server:supervisor serial:1001 pool:memmon poolserial:1000 eventname:TICK_5 len:15",
		"ver:3.0 server:supervisor serial:1002 pool:memmon poolserial:1001 eventname:TICK_5 len:15",
	} {
		if _, ok := p.last.match([]byte(line)); ok {
			matched++
		}
		h, err := p.parse([]byte(line))
		if err != nil || h.String() != line {
			t.Fatalf("%q: %+v, %v", line, h, err)
		}
	}
	if matched != 3 {
		t.Fatalf("%d lines matched the template, want 3 (all but the first of each event type)", matched)
	}
}
