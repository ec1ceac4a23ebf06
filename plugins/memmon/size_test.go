package memmon

import (
	"errors"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	good := map[string]uint64{
		// supervisord's byte_size, which superlance uses.
		"0": 0, "250": 250, "10kB": 10 << 10, "50MB": 50 << 20, "1GB": 1 << 30, "1gb": 1 << 30, "1 MB": 1 << 20, " 2mb ": 2 << 20,
		// What superlance refuses and memmon accepts.
		"1G": 1 << 30, "1m": 1 << 20, "512K": 512 << 10, "1.5GB": 3 << 29, "1.5MB": 3 << 19, "0.5k": 512,
	}
	for in, want := range good {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "1.5", "1TB", "1.2.3MB", ".5MB", "5.MB", "1e3", "0x10", "abc", "99999999999999999999", "9999999999GB", "1 000"} {
		if got, err := parseSize(in); !errors.Is(err, errBadValue) {
			t.Errorf("parseSize(%q) = %d, %v; want errBadValue", in, got, err)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	t.Parallel()
	// superlance's tests: 1, 1s, 2m, 3h, 1d, and 1y refused.
	good := map[string]time.Duration{"1": time.Second, "1s": time.Second, "2m": 2 * time.Minute, "3h": 3 * time.Hour, "1d": 24 * time.Hour, "0": 0, "90M": 90 * time.Minute}
	for in, want := range good {
		if got, err := parseSeconds(in); err != nil || got != want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got, _ := parseSeconds(formatSeconds(want)); got != want {
			t.Errorf("formatSeconds(%v) = %q does not read back", want, formatSeconds(want))
		}
	}
	for _, in := range []string{"", "1y", "1w", "-1", "1.5h", "h", "99999999999999d"} {
		if _, err := parseSeconds(in); !errors.Is(err, errBadValue) {
			t.Errorf("parseSeconds(%q): %v, want errBadValue", in, err)
		}
	}
}
