package listener

import (
	"context"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// loopback plays supervisord in memory without goroutines: every write
// from the listener (READY, or a result followed by READY) queues the next
// event for it to read, with the next serial. The benchmarks built on it
// measure the serve loop itself, without the operating system's pipes;
// `make bench` measures over real pipes.
type loopback struct {
	name        EventType
	payload     string
	byteLengths bool
	sameSerial  bool
	serial      uint64
	left        int
	len         int // the header's len, counted once
	buf         []byte
	pending     []byte
}

func (l *loopback) Write(p []byte) (int, error) {
	if len(l.pending) == 0 && l.left > 0 {
		l.left--
		if !l.sameSerial {
			l.serial++
		}
		if l.len == 0 {
			l.len = utf8.RuneCountInString(l.payload)
			if l.byteLengths {
				l.len = len(l.payload)
			}
		}
		h := Header{Ver: "3.0", Server: "supervisor", Serial: l.serial, Pool: "bench", PoolSerial: l.serial, EventName: l.name, Len: l.len}
		l.buf = append(h.AppendText(l.buf[:0]), '\n')
		l.buf = append(l.buf, l.payload...)
		l.pending = l.buf
	}
	return len(p), nil
}

func (l *loopback) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

var nopHandler = HandlerFunc(func(ctx context.Context, ev Event) error { return nil })

func benchmarkServe(b *testing.B, lb *loopback, h Handler, opts ...Option) {
	b.ReportAllocs()
	lb.left = b.N
	b.ResetTimer()
	if err := Serve(context.Background(), lb, lb, h, append([]Option{quietLogger()}, opts...)...); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// log200 is a log event whose data is 200 characters of mixed-width UTF-8,
// as in `make bench`.
var log200 = "processname:web groupname:web pid:4242 channel:stdout\n" + strings.Repeat("é€a", 66) + "bc\n"

func BenchmarkServeTick(b *testing.B) {
	benchmarkServe(b, &loopback{name: Tick5, payload: "when:1795239755"}, nopHandler)
}

func BenchmarkServeTickWithoutDedup(b *testing.B) {
	benchmarkServe(b, &loopback{name: Tick5, payload: "when:1795239755"}, nopHandler, WithoutDedup())
}

func BenchmarkServeTickRepeatedSerial(b *testing.B) {
	benchmarkServe(b, &loopback{name: Tick5, payload: "when:1795239755", sameSerial: true}, nopHandler)
}

func BenchmarkServeTickTyped(b *testing.B) {
	var last int64
	h := HandlerFunc(func(ctx context.Context, ev Event) error {
		t, err := ev.Tick()
		last = t.When.Unix()
		return err
	})
	benchmarkServe(b, &loopback{name: Tick5, payload: "when:1795239755"}, h)
	_ = last
}

func BenchmarkServeLog200UTF8(b *testing.B) {
	benchmarkServe(b, &loopback{name: ProcessLogStdout, payload: log200}, nopHandler)
}

func BenchmarkServeLog200UTF8ByteLengths(b *testing.B) {
	benchmarkServe(b, &loopback{name: ProcessLogStdout, payload: log200, byteLengths: true}, nopHandler, WithByteLengths())
}

func TestServeAllocationsPerTick(t *testing.T) {
	// The target: at most one allocation per TICK event in steady
	// state, with deduplication on, as by default; the payload's string
	// comes from the reader's arena, so there are far fewer.
	const events = 1000
	lb := &loopback{name: Tick5, payload: "when:1795239755"}
	opts := []Option{quietLogger()}
	allocs := testing.AllocsPerRun(5, func() {
		lb.left = events
		if err := Serve(context.Background(), lb, lb, nopHandler, opts...); err != nil {
			t.Fatal(err)
		}
	})
	// Setting up a Serve call (reader, writer, dedup ring) costs a fixed
	// number of allocations; what matters is the cost per event.
	perEvent := (allocs - setupAllocs(t, opts)) / events
	if perEvent > 0.1 {
		t.Fatalf("%.3f allocations per TICK event, want well under 1", perEvent)
	}
}

func TestLog200IsTwoHundredCharacters(t *testing.T) {
	data := log200[strings.IndexByte(log200, '\n')+1:]
	if n := utf8.RuneCountInString(strings.TrimSuffix(data, "\n")); n != 200 {
		t.Fatalf("log200 holds %d characters", n)
	}
}

func setupAllocs(t *testing.T, opts []Option) float64 {
	lb := &loopback{name: Tick5, payload: "when:1795239755"}
	return testing.AllocsPerRun(5, func() {
		lb.left = 0
		if err := Serve(context.Background(), lb, lb, nopHandler, opts...); err != nil {
			t.Fatal(err)
		}
	})
}
