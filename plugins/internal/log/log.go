// Package log writes golance's own log lines, in every binary, in the
// format of supervisord's main log, so that a listener's stderr log
// (which supervisord keeps as a file next to its own) reads like
// supervisord's:
//
//	2026-12-02 07:12:22,123 INFO mailed ops@example.com: web crashed at ...
//	2026-12-02 07:12:22,124 WARN smtp server localhost:25 refused: ... attempt=2
//
// The time is local, in package asctime's format; the level is spelled as
// supervisord spells it (DEBG, INFO, WARN, ERRO, CRIT); control characters
// in the message become spaces, so that one entry is one line, written in
// one Write (the lines of a Hold together); attributes follow as
// key=value, quoted when needed. Message texts that superlance's plugins
// print (memmon's "RSS of web:web is 1234", httpok's "bad restarted")
// are the message part, unchanged.
//
// A failure that repeats at every tick is logged once, again when its text
// changes, and one line when it is over: see Recurring. An event a plugin
// cannot read gets one line, worded alike in every plugin: see
// MalformedEvent.
//
//	log.go        New, Info and Line, the levels
//	handler.go    Handler, the slog.Handler; Hold, lines written at once
//	recurring.go  Recurring, the repeated-failure helper
//	malformed.go  MalformedEvent, the line for an event that cannot be read
package log

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// Levels beyond slog's four, as supervisord has them: CRIT above ERRO,
// TRAC below DEBG.
const (
	LevelTrace    = slog.Level(-8)
	LevelCritical = slog.Level(12)
)

// New returns a logger writing golance's lines to w (a plugin's standard
// error) at level Info and above.
func New(w io.Writer) *slog.Logger {
	return slog.New(NewHandler(w, slog.LevelInfo))
}

// Info logs msg at level Info, as l.Info(msg) does but without the
// caller's program counter, which no handler here writes and which costs
// slog a walk of the stack per line: for a plugin's hundreds of lines a
// tick (memmon's "RSS of ...").
func Info(l *slog.Logger, msg string) {
	ctx := context.Background()
	if h := l.Handler(); h.Enabled(ctx, slog.LevelInfo) {
		_ = h.Handle(ctx, slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0))
	}
}

// Line logs msg at level Info, as Info(l, string(msg)) does, from bytes it
// does not keep. To a Handler of no attributes it goes straight into the
// held lines (Hold) or the writer, without the string, slog's record and
// the pooled buffer Info costs: for memmon's hundreds of "RSS of ..."
// lines a tick, made in one reused buffer.
func Line(l *slog.Logger, msg []byte) {
	if h, ok := l.Handler().(*Handler); ok && len(h.attrs) == 0 && printableASCII(msg) {
		if h.Enabled(context.Background(), slog.LevelInfo) {
			h.info(msg)
		}
		return
	}
	Info(l, string(msg))
}

// Discard returns a logger that writes nothing.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Or returns l, or a logger that writes nothing when l is nil: what a
// zero log setting means.
func Or(l *slog.Logger) *slog.Logger {
	if l == nil {
		return Discard()
	}
	return l
}

// levelName spells a level as supervisord's loggers do.
func levelName(l slog.Level) string {
	switch {
	case l >= LevelCritical:
		return "CRIT"
	case l >= slog.LevelError:
		return "ERRO"
	case l >= slog.LevelWarn:
		return "WARN"
	case l >= slog.LevelInfo:
		return "INFO"
	case l >= slog.LevelDebug:
		return "DEBG"
	case l >= LevelTrace:
		return "TRAC"
	}
	return "BLAT"
}
