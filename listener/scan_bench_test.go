package listener

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// BenchmarkScanCodePoints scans the payload of make bench's
// 200-character log event, as readCodePoints does.
func BenchmarkScanCodePoints(b *testing.B) {
	p := []byte(log200)
	n := utf8.RuneCount(p)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if end, c := scanCodePoints(p, 0, n); end != len(p) || c != n {
			b.Fatal(end, c)
		}
	}
}

// BenchmarkScanCodePointsASCII scans a 400-byte ASCII log line.
func BenchmarkScanCodePointsASCII(b *testing.B) {
	p := []byte(strings.Repeat("GET /index.html 200 ", 20))
	n := len(p)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if end, c := scanCodePoints(p, 0, n); end != len(p) || c != n {
			b.Fatal(end, c)
		}
	}
}

// BenchmarkScanCodePointsEmoji scans the log event's payload with an
// emoji, a four-byte sequence, in its first quarter.
func BenchmarkScanCodePointsEmoji(b *testing.B) {
	at := len(log200) / 4
	p := []byte(log200[:at] + "🙂" + log200[at:])
	n := utf8.RuneCount(p)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if end, c := scanCodePoints(p, 0, n); end != len(p) || c != n {
			b.Fatal(end, c)
		}
	}
}
