package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEnvelopeMatchesSupervisord rebuilds every event of the capture taken
// from a real supervisord 4.2.5 (every event type, and log text with é, €,
// ü and emoji) and compares the bytes.
func TestEnvelopeMatchesSupervisord(t *testing.T) {
	capture, err := os.ReadFile("../../listener/testdata/captures/supervisord-4.2.5.bin")
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for rest := capture; len(rest) > 0; events++ {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			t.Fatalf("capture ends inside a header: %q", rest)
		}
		fields := map[string]string{}
		for _, tok := range strings.Split(string(rest[:nl]), " ") {
			k, v, _ := strings.Cut(tok, ":")
			fields[k] = v
		}
		n, err := strconv.Atoi(fields["len"])
		if err != nil {
			t.Fatalf("header %q: %v", rest[:nl], err)
		}
		end := nl + 1
		for ; n > 0; n-- {
			_, size := utf8.DecodeRune(rest[end:])
			end += size
		}
		want := rest[:end]
		rest = rest[end:]

		serial, _ := strconv.ParseUint(fields["serial"], 10, 64)
		poolSerial, _ := strconv.ParseUint(fields["poolserial"], 10, 64)
		e := newEnvelope(fields["server"], fields["pool"], fields["eventname"], string(want[nl+1:]))
		if got := e.bytes(serial, poolSerial); !bytes.Equal(got, want) {
			t.Errorf("envelope\n got %q\nwant %q", got, want)
		}
	}
	if events < 20 {
		t.Fatalf("only %d events in the capture", events)
	}
}

func TestEnvelopeReusesItsBuffer(t *testing.T) {
	e := newEnvelope("supervisor", "bench", "TICK_5", "when:1795239755")
	first := string(e.bytes(9, 9))
	if want := "ver:3.0 server:supervisor serial:9 pool:bench poolserial:9 eventname:TICK_5 len:15\nwhen:1795239755"; first != want {
		t.Fatalf("got %q", first)
	}
	if allocs := testing.AllocsPerRun(100, func() { e.bytes(123456, 654321) }); allocs != 0 {
		t.Fatalf("%v allocations per envelope", allocs)
	}
}
