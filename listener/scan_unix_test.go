//go:build unix

package listener

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// TestScanCodePointsStaysInItsSlice puts text right after and right
// before a page no one may read: a scanner that looked before its slice's
// first byte or beyond its last would crash the test.
func TestScanCodePointsStaysInItsSlice(t *testing.T) {
	page := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, 3*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mprotect(mem[2*page:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{strings.Repeat("é€a", 40), "日" + strings.Repeat("é", 60), "\xe2\x82" + strings.Repeat("a€", 30)} {
		n := utf8.RuneCountInString(text)
		first := mem[page : page+len(text)]
		copy(first, text)
		last := mem[2*page-len(text) : 2*page]
		copy(last, text)
		for _, p := range [][]byte{first, last} {
			if end, counted := scanCodePoints(p, 0, n+1); end != len(p) || counted != n {
				t.Errorf("%q: scan gives (%d, %d), want (%d, %d)", text, end, counted, len(p), n)
			}
		}
	}
}
