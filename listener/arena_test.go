package listener

import (
	"bytes"
	"strings"
	"testing"
)

// Payloads handed out from one block stay what they were while the
// following events fill the block and the next: a handler may keep any.
func TestArenaPayloadsStayPut(t *testing.T) {
	var stream bytes.Buffer
	var want []string
	for i := range 3 * arenaChunk / 40 {
		p := strings.Repeat(string(rune('a'+i%26)), 1+i%60) + "é"
		want = append(want, p)
		stream.WriteString(envelope(ProcessLogStdout, p))
	}
	big := strings.Repeat("x", arenaLargest+1)
	want = append(want, big, "")
	stream.WriteString(envelope(ProcessLogStdout, big) + envelope(ProcessLogStdout, ""))
	r := NewReader(&stream)
	var got []string
	for range want {
		ev, err := r.ReadEvent()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Payload)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("payload %d is %q after the rest were read, want %q", i, got[i], want[i])
		}
	}
}

func TestArenaKeepsLargePayloadsApart(t *testing.T) {
	var a arena
	small := a.string([]byte("tick"))
	a.string(bytes.Repeat([]byte("y"), arenaLargest+1))
	if len(a.block) != len("tick") || small != "tick" {
		t.Fatalf("a large payload went into the block: %d bytes used", len(a.block))
	}
}
