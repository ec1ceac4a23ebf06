package log

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/asctime"
)

// countingWriter records each Write as one chunk.
type countingWriter struct {
	mu     sync.Mutex
	chunks []string
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.chunks = append(w.chunks, string(p))
	return len(p), nil
}

var at = time.Date(2026, 12, 2, 7, 12, 22, 123e6, time.Local)

// record logs one record with a fixed time through h.
func record(h slog.Handler, level slog.Level, msg string, attrs ...slog.Attr) {
	r := slog.NewRecord(at, level, msg, 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(context.Background(), r)
}

func TestLineFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewHandler(&buf, LevelTrace-1)
	record(h, slog.LevelInfo, "mailed ops@example.com: web crashed at 2026-12-02 07:12:22,120")
	record(h, slog.LevelWarn, "smtp server localhost:25 refused", slog.Int("attempt", 2), slog.Duration("wait", 1500*time.Millisecond))
	record(h, slog.LevelError, "could not mail", slog.Any("err", errors.New(`550 "no" such=user`)), slog.String("to", ""))
	record(h, slog.LevelDebug, "debug")
	record(h, LevelCritical, "critical")
	record(h, LevelTrace, "trace")
	record(h, LevelTrace-1, "blather")
	record(h, slog.LevelInfo, "when", slog.Time("at", at), slog.Bool("ok", true))
	want := `2026-12-02 07:12:22,123 INFO mailed ops@example.com: web crashed at 2026-12-02 07:12:22,120
2026-12-02 07:12:22,123 WARN smtp server localhost:25 refused attempt=2 wait=1.5s
2026-12-02 07:12:22,123 ERRO could not mail err="550 \"no\" such=user" to=""
2026-12-02 07:12:22,123 DEBG debug
2026-12-02 07:12:22,123 CRIT critical
2026-12-02 07:12:22,123 TRAC trace
2026-12-02 07:12:22,123 BLAT blather
2026-12-02 07:12:22,123 INFO when at="2026-12-02 07:12:22,123" ok=true
`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// A process name or a server reply with control characters cannot break
// an entry into lines, nor forge one.
func TestControlCharactersBecomeSpaces(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewHandler(&buf, nil)
	record(h, slog.LevelInfo, "process web\r\n2026-01-01 00:00:00,000 CRIT forged\tline\x00\x7f\u0085end", slog.String("reply", "a\nb"))
	want := "2026-12-02 07:12:22,123 INFO process web  2026-01-01 00:00:00,000 CRIT forged line   end reply=\"a\\nb\"\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestLevelFilter(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := New(&buf)
	l.Debug("not shown")
	l.Info("shown")
	if got := buf.String(); strings.Contains(got, "not shown") || !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO shown\n$`).MatchString(got) {
		t.Errorf("got %q", got)
	}
	if !New(&buf).Enabled(context.Background(), slog.LevelWarn) || New(&buf).Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled disagrees with the Info level")
	}
	Discard().Error("nowhere") // must not panic
}

// Info writes what slog's Info writes, and nothing below the handler's
// level.
func TestInfo(t *testing.T) {
	t.Parallel()
	var viaSlog, viaInfo, quiet bytes.Buffer
	New(&viaSlog).Info("RSS of web:web is 1234")
	Info(New(&viaInfo), "RSS of web:web is 1234")
	Info(slog.New(NewHandler(&quiet, slog.LevelWarn)), "not shown")
	stamp := regexp.MustCompile(`^[-\d]+ [:,\d]+ `)
	if a, b := stamp.ReplaceAllString(viaSlog.String(), ""), stamp.ReplaceAllString(viaInfo.String(), ""); a != b || a != "INFO RSS of web:web is 1234\n" {
		t.Errorf("Info wrote %q, slog's Info %q", viaInfo.String(), viaSlog.String())
	}
	if quiet.Len() != 0 {
		t.Errorf("Info below the level wrote %q", quiet.String())
	}
	Info(Discard(), "nowhere") // must not panic
}

// Line writes what Info writes, held or not, with or without attributes,
// for messages that are printable ASCII and for those that are not.
func TestLine(t *testing.T) {
	t.Parallel()
	stamp := regexp.MustCompile(`(?m)^[-\d]+ [:,\d]+ `)
	for _, msg := range []string{"RSS of web:web is 1234", "RSS of caf\u00e9:tab\there is 1"} {
		var viaInfo, viaLine, heldLine, quiet bytes.Buffer
		Info(New(&viaInfo).With("k", "v"), msg)
		Info(New(&viaInfo), msg)
		Line(New(&viaLine).With("k", "v"), []byte(msg))
		Line(New(&viaLine), []byte(msg))
		held := New(&heldLine)
		release := Hold(held)
		Line(held.With("k", "v"), []byte(msg))
		Line(held, []byte(msg))
		if heldLine.Len() != 0 {
			t.Errorf("Line wrote %q while held", heldLine.String())
		}
		release()
		Line(slog.New(NewHandler(&quiet, slog.LevelWarn)), []byte(msg))
		want := stamp.ReplaceAllString(viaInfo.String(), "")
		for _, got := range []string{viaLine.String(), heldLine.String()} {
			if got := stamp.ReplaceAllString(got, ""); got != want {
				t.Errorf("Line wrote %q, Info %q", got, want)
			}
		}
		if quiet.Len() != 0 {
			t.Errorf("Line below the level wrote %q", quiet.String())
		}
	}
	Line(Discard(), []byte("nowhere"))
}

// The stamp is the record's time, in the local zone as supervisord writes
// it; a record without a time gets the time it is written.
func TestTime(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewHandler(&buf, nil)
	r := slog.NewRecord(at.UTC(), slog.LevelInfo, "utc", 0)
	_ = h.Handle(context.Background(), r)
	before := time.Now()
	_ = h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "zero", 0))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if want := asctime.Format(at) + " INFO utc"; lines[0] != want {
		t.Errorf("got %q, want %q", lines[0], want)
	}
	stamp, err := asctime.Parse(lines[1][:len(asctime.Layout)])
	if err != nil || stamp.Before(before.Truncate(time.Millisecond)) || time.Since(stamp) > time.Minute {
		t.Errorf("zero time stamped %q (%v)", lines[1], err)
	}
}

func TestAttrsAndGroups(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(NewHandler(&buf, nil)).With("pool", "crashmail").WithGroup("mail")
	l.Info("sent", "to", "ops@example.com", slog.Group("smtp", "host", "localhost:25"), slog.Group("empty"), slog.Attr{})
	want := "INFO sent pool=crashmail mail.to=ops@example.com mail.smtp.host=localhost:25\n"
	if got := buf.String(); !strings.HasSuffix(got, want) {
		t.Errorf("got %q, want suffix %q", got, want)
	}
}

// Every entry is one Write, whole, from any goroutine and any derived
// handler.
func TestOneWritePerEntry(t *testing.T) {
	t.Parallel()
	w := &countingWriter{}
	base := New(w)
	derived := base.With("k", "v")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				base.Info("0123456789")
				derived.Warn("abc")
			}
		})
	}
	wg.Wait()
	if len(w.chunks) != 800 {
		t.Fatalf("%d writes, want 800", len(w.chunks))
	}
	line := regexp.MustCompile(`^[-\d]+ [:,\d]+ (INFO 0123456789|WARN abc k=v)\n$`)
	for _, c := range w.chunks {
		if !line.MatchString(c) {
			t.Fatalf("chunk %q", c)
		}
	}
}

func TestOr(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := New(&buf)
	if Or(l) != l || Or(nil) == nil {
		t.Fatal("Or")
	}
	Or(nil).Error("nowhere")
}

// Held lines, from every logger sharing the handler, wait for the release
// and go out in one Write, in order; then lines are written one by one
// again. A second release, or a Hold on a foreign handler, does nothing.
func TestHold(t *testing.T) {
	t.Parallel()
	w := &countingWriter{}
	l := New(w)
	other := l.With("k", "v")
	release := Hold(l)
	l.Info("one")
	other.Info("two")
	if len(w.chunks) != 0 {
		t.Fatalf("written while held: %q", w.chunks)
	}
	inner := Hold(other)
	inner()
	if len(w.chunks) != 0 {
		t.Fatalf("written while the outer hold is on: %q", w.chunks)
	}
	release()
	release()
	l.Info("three")
	held := regexp.MustCompile(`^[-\d]+ [:,\d]+ INFO one\n[-\d]+ [:,\d]+ INFO two k=v\n$`)
	if len(w.chunks) != 2 || !held.MatchString(w.chunks[0]) || !strings.HasSuffix(w.chunks[1], " INFO three\n") {
		t.Fatalf("writes %q, want the two held lines in one, then the third", w.chunks)
	}
	Hold(Discard())()
}
