package mailcli

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Log writes a plugin's log lines to its standard error, which supervisord
// keeps as the listener's stderr log. Each entry is one line (control
// characters from process names or server replies cannot break it) written
// in a single Write, so entries from concurrent goroutines never mix. It is
// safe for concurrent use; the zero value discards everything.
type Log struct {
	mu sync.Mutex
	w  io.Writer
}

// NewLog returns a Log writing to w (nil discards).
func NewLog(w io.Writer) *Log { return &Log{w: w} }

// Printf writes one line.
func (l *Log) Printf(format string, args ...any) {
	if l == nil || l.w == nil {
		return
	}
	line := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, fmt.Sprintf(format, args...))
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, line+"\n")
}

// Slog returns a *slog.Logger writing to the same place without
// timestamps, for listener.WithLogger.
func (l *Log) Slog() *slog.Logger {
	var w io.Writer = io.Discard
	if l != nil && l.w != nil {
		w = lockedWriter{l}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime}))
}

type lockedWriter struct{ l *Log }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.w.Write(p)
}
