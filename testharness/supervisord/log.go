package supervisord

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"
)

// Log returns the main log's text so far.
func (s *Supervisord) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// LogSize returns the main log's current length, an offset for
// WaitLogSince that skips everything logged so far.
func (s *Supervisord) LogSize() int64 {
	fi, err := os.Stat(s.LogPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func since(text string, offset int64) string {
	if offset > int64(len(text)) {
		return ""
	}
	return text[offset:]
}

// WaitFile waits until the part of the file at path after offset matches
// re and returns the first match. A file that does not exist yet counts
// as empty. It polls, so it sees data written by other processes; it
// returns ctx's error, wrapped, when ctx ends first.
func WaitFile(ctx context.Context, path string, offset int64, re *regexp.Regexp) (string, error) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if m, ok := matchFile(path, offset, re); ok {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s has no match for %q: %w", path, re, ctx.Err())
		case <-tick.C:
		}
	}
}

func matchFile(path string, offset int64, re *regexp.Regexp) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "", false
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "", false
	}
	if loc := re.FindIndex(b); loc != nil {
		return string(b[loc[0]:loc[1]]), true
	}
	return "", false
}
