package log

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golance/golance/plugins/internal/asctime"
)

// Handler is a slog.Handler writing one line per record in supervisord's
// main-log format (see the package doc). It is safe for concurrent use,
// and so are the handlers WithAttrs and WithGroup derive from it: they
// share its writer and its lock.
type Handler struct {
	out    *output
	level  slog.Leveler
	attrs  []byte // preformatted " key=value" pairs from WithAttrs
	prefix string // the open groups, "a.b."
}

// output is the writer shared by a Handler and those derived from it.
type output struct {
	mu sync.Mutex
	w  io.Writer
	// holds counts the Holds under way; while any is, lines gather in
	// held instead of being written.
	holds int
	held  []byte
}

// NewHandler returns a Handler writing records at level and above to w.
func NewHandler(w io.Writer, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{out: &output{w: w}, level: level}
}

// Enabled reports whether level is at or above the handler's.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// Handle writes r as one line, in one Write.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	// The line is formatted outside the lock, since an attribute's
	// LogValue may log; into a pooled buffer, since a tick's hundreds of
	// lines would otherwise each allocate one.
	bp := lineBuffers.Get().(*[]byte)
	defer putLineBuffer(bp)
	b := h.appendLine((*bp)[:0], r)
	*bp = b
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	if h.out.holds > 0 {
		h.out.held = append(h.out.held, b...)
		return nil
	}
	_, err := h.out.w.Write(b)
	return err
}

// appendLine appends r, formatted as one line, to b.
func (h *Handler) appendLine(b []byte, r slog.Record) []byte {
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b = appendHead(b, t, r.Level)
	b = appendText(b, r.Message)
	b = append(b, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, h.prefix, a)
		return true
	})
	return append(b, '\n')
}

// appendHead appends a line's time and level, and the space before its
// message.
func appendHead(b []byte, t time.Time, level slog.Level) []byte {
	b = asctime.Append(b, t)
	b = append(b, ' ')
	b = append(b, levelName(level)...)
	return append(b, ' ')
}

// info writes msg, printable ASCII, as a line at level Info without
// attributes (see Line).
func (h *Handler) info(msg []byte) {
	now := time.Now()
	out := h.out
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.holds > 0 {
		out.held = append(appendHead(out.held, now, slog.LevelInfo), msg...)
		out.held = append(out.held, '\n')
		return
	}
	bp := lineBuffers.Get().(*[]byte)
	defer putLineBuffer(bp)
	b := append(appendHead((*bp)[:0], now, slog.LevelInfo), msg...)
	*bp = append(b, '\n')
	out.w.Write(*bp)
}

// lineBuffers are the buffers Handle formats lines in.
var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// putLineBuffer returns a buffer to lineBuffers, unless a long line made
// it too large to keep.
func putLineBuffer(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		lineBuffers.Put(bp)
	}
}

// Hold makes the lines l logs from now on, from any goroutine, wait until
// release is called, which writes them all in one Write. l's handler must
// be a Handler (or derived from one); for any other, Hold does nothing.
//
// A listener holds its lines while it handles an event: supervisord wakes
// up for every write to a listener's stderr, and each wake-up costs its
// single thread a pass over all its processes (about 3 ms with 500
// processes), during which it reads no answer. memmon's 500 "RSS of ..."
// lines, written one by one, made supervisord wake three times in a tick
// instead of once.
func Hold(l *slog.Logger) (release func()) {
	h, ok := l.Handler().(*Handler)
	if !ok {
		return func() {}
	}
	out := h.out
	out.mu.Lock()
	out.holds++
	out.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			out.mu.Lock()
			defer out.mu.Unlock()
			if out.holds--; out.holds > 0 || len(out.held) == 0 {
				return
			}
			makeRoom(out.w, len(out.held))
			out.w.Write(out.held)
			out.held = out.held[:0]
		})
	}
}

// WithAttrs returns a handler that adds attrs to every line.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]byte(nil), h.attrs...)
	for _, a := range attrs {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

// WithGroup returns a handler that qualifies the keys of later attributes
// with name: "name.key".
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// appendText appends s with every control character made a space.
func appendText(b []byte, s string) []byte {
	if printableASCII(s) {
		return append(b, s...)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			r = ' '
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}

// printableASCII reports that s holds only printable ASCII characters,
// which appendText copies as they are: nearly every line.
func printableASCII[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// appendAttr appends " key=value", groups flattened into dotted keys and
// empty attributes left out, as slog's handlers do.
func appendAttr(b []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			b = appendAttr(b, prefix, g)
		}
		return b
	}
	b = append(b, ' ')
	b = appendValue(b, prefix+a.Key)
	b = append(b, '=')
	return appendValue(b, valueText(a.Value))
}

// valueText renders a value; times in supervisord's format.
func valueText(v slog.Value) string {
	switch v.Kind() {
	case slog.KindTime:
		return asctime.Format(v.Time())
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return err.Error()
		}
		return fmt.Sprint(v.Any())
	}
	return v.String()
}

// appendValue appends s, quoted when it would not read back as one word.
func appendValue(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	return strings.ContainsFunc(s, func(r rune) bool {
		return r == '=' || r == '"' || r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r)
	})
}
