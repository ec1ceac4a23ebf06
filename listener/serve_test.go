package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func envelopeSerial(serial uint64, name EventType, payload string) string {
	return fmt.Sprintf("ver:3.0 server:s serial:%d pool:p poolserial:%d eventname:%s len:%d\n%s",
		serial, serial, name, utf8.RuneCountInString(payload), payload)
}

func quietLogger() Option { return WithLogger(slog.New(slog.DiscardHandler)) }

func withStderr(w io.Writer) Option { return func(c *config) { c.stderr = w } }

// serveAll runs Serve over the given stream and returns what the listener
// wrote.
func serveAll(t *testing.T, stream string, h Handler, opts ...Option) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := Serve(context.Background(), strings.NewReader(stream), &out, h, append([]Option{quietLogger()}, opts...)...)
	return out.String(), err
}

func TestServeAnswers(t *testing.T) {
	stream := envelopeSerial(1, Tick5, "when:1") + envelopeSerial(2, Tick5, "when:2") +
		envelopeSerial(3, Tick5, "when:3") + envelopeSerial(4, Tick5, "when:4")
	h := HandlerFunc(func(ctx context.Context, ev Event) error {
		switch ev.Serial {
		case 2:
			return errors.New("try again")
		case 3:
			return Reply([]byte("héllo"))
		}
		return nil
	})
	out, err := serveAll(t, stream, h)
	if err != nil {
		t.Fatal(err)
	}
	want := "READY\n" + "RESULT 2\nOKREADY\n" + "RESULT 4\nFAILREADY\n" + "RESULT 6\nhélloREADY\n" + "RESULT 2\nOKREADY\n"
	if out != want {
		t.Fatalf("wrote %q\nwant  %q", out, want)
	}
}

func TestServePanicRejectsAndKeepsServing(t *testing.T) {
	stream := envelopeSerial(1, ProcessStateExited, "processname:a groupname:a from_state:RUNNING expected:0 pid:1") +
		envelopeSerial(2, Tick5, "when:2")
	var stderr bytes.Buffer
	var handled []uint64
	h := HandlerFunc(func(ctx context.Context, ev Event) error {
		handled = append(handled, ev.Serial)
		if ev.Serial == 1 {
			var m map[string]int
			//lint:ignore SA5000 the test needs a runtime error's panic
			m["boom"]++
		}
		return nil
	})
	out, err := serveAll(t, stream, h, withStderr(&stderr))
	if err != nil {
		t.Fatal(err)
	}
	if out != "READY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\n" {
		t.Fatalf("wrote %q", out)
	}
	if len(handled) != 2 {
		t.Fatalf("handled %v", handled)
	}
	if s := stderr.String(); !strings.Contains(s, "panic handling serial 1 (PROCESS_STATE_EXITED): assignment to entry in nil map") ||
		!strings.Contains(s, "serve_test.go") {
		t.Fatalf("stderr lacks the panic and its stack:\n%s", s)
	}
}

func TestServeTimeout(t *testing.T) {
	stream := envelopeSerial(1, Tick5, "when:1") + envelopeSerial(2, Tick5, "when:2") + envelopeSerial(3, Tick5, "when:3")
	release := make(chan struct{})
	var logs bytes.Buffer
	h := HandlerFunc(func(ctx context.Context, ev Event) error {
		switch ev.Serial {
		case 1: // honours its context
			<-ctx.Done()
			return ctx.Err()
		case 2: // ignores it
			<-release
		}
		if _, ok := ctx.Deadline(); !ok {
			return errors.New("no deadline in the handler's context")
		}
		return nil
	})
	var out bytes.Buffer
	err := Serve(context.Background(), strings.NewReader(stream), &out, h,
		WithTimeout(20*time.Millisecond), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "READY\nRESULT 4\nFAILREADY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\n" {
		t.Fatalf("wrote %q", got)
	}
	if !strings.Contains(logs.String(), "handler did not finish in time (limit 20ms)") {
		t.Fatalf("log lacks the timeout:\n%s", logs.String())
	}
}

func TestServeDeduplicatesSerials(t *testing.T) {
	e := func(serial uint64) string { return envelopeSerial(serial, Tick5, fmt.Sprint("when:", serial)) }
	tests := []struct {
		name    string
		stream  []uint64
		fail    map[uint64]int // fail the first n deliveries of a serial
		opts    []Option
		handled []uint64
	}{
		{"repeat acknowledged without handling", []uint64{1, 2, 1, 2, 3}, nil, nil, []uint64{1, 2, 3}},
		{"rejected serial is handled again", []uint64{5, 5, 5}, map[uint64]int{5: 1}, nil, []uint64{5, 5}},
		{"turned off", []uint64{1, 1}, nil, []Option{WithoutDedup()}, []uint64{1, 1}},
		{"bounded window", []uint64{1, 2, 3, 1, 3}, nil, []Option{WithDedupWindow(2)}, []uint64{1, 2, 3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stream strings.Builder
			for _, s := range tt.stream {
				stream.WriteString(e(s))
			}
			var handled []uint64
			failed := map[uint64]int{}
			h := HandlerFunc(func(ctx context.Context, ev Event) error {
				handled = append(handled, ev.Serial)
				if failed[ev.Serial] < tt.fail[ev.Serial] {
					failed[ev.Serial]++
					return errors.New("not yet")
				}
				return nil
			})
			out, err := serveAll(t, stream.String(), h, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(handled) != fmt.Sprint(tt.handled) {
				t.Fatalf("handled %v, want %v", handled, tt.handled)
			}
			if n := strings.Count(out, "RESULT"); n != len(tt.stream) {
				t.Fatalf("%d results for %d deliveries: %q", n, len(tt.stream), out)
			}
		})
	}
}

func TestSerialSetIsBounded(t *testing.T) {
	s := newSerialSet(3)
	for i := uint64(0); i < 1000; i++ {
		s.add(i)
	}
	if !s.contains(999) || !s.contains(997) || s.contains(996) || cap(s.serials) != 6 {
		t.Fatalf("set holds %v (capacity %d)", s.serials[s.start:], cap(s.serials))
	}
	s.add(999) // already present: no eviction
	if !s.contains(997) {
		t.Fatal("re-adding a present serial evicted another")
	}
}

// TestSerialSetOutOfOrder: a serial acknowledged after higher ones (it was
// rejected first) is remembered; the lowest are forgotten first.
func TestSerialSetOutOfOrder(t *testing.T) {
	s := newSerialSet(4)
	for _, n := range []uint64{10, 12, 13, 11, 14, 12} {
		s.add(n)
	}
	var got []uint64
	for n := uint64(8); n <= 15; n++ {
		if s.contains(n) {
			got = append(got, n)
		}
	}
	if fmt.Sprint(got) != "[11 12 13 14]" {
		t.Fatalf("remembers %v, want [11 12 13 14]", got)
	}
}

// TestSerialSetMatchesAWindow compares the set, over a long stream of
// mostly rising, sometimes repeated or late serials, with the highest n
// serials added so far, computed the slow way.
func TestSerialSetMatchesAWindow(t *testing.T) {
	const n = 16
	s := newSerialSet(n)
	var added []uint64
	rng := rand.New(rand.NewPCG(1, 2))
	next := uint64(100)
	for step := 0; step < 5000; step++ {
		serial := next
		switch rng.IntN(10) {
		case 0:
			serial = next - uint64(rng.IntN(40)) // late or repeated
		default:
			next++
		}
		if !slices.Contains(added, serial) {
			added = append(added, serial)
		}
		s.add(serial)
		slices.Sort(added)
		if len(added) > n {
			added = added[len(added)-n:]
		}
		for probe := next - 60; probe <= next; probe++ {
			if s.contains(probe) != slices.Contains(added, probe) {
				t.Fatalf("step %d: contains(%d) = %v; window %v", step, probe, s.contains(probe), added)
			}
		}
	}
}

func TestServeLifecycleErrors(t *testing.T) {
	ok := HandlerFunc(func(context.Context, Event) error { return nil })
	tests := []struct {
		name   string
		stream string
		want   error
		out    string
	}{
		{"EOF between events", envelopeSerial(1, Tick5, "when:1"), nil, "READY\nRESULT 2\nOKREADY\n"},
		{"EOF at once", "", nil, "READY\n"},
		{"malformed header", "ver:3.0 server:s garbage\n", ErrMalformedHeader, "READY\n"},
		{"negative len", strings.Replace(envelopeSerial(1, Tick5, "when:1"), "len:6", "len:-6", 1), ErrMalformedHeader, "READY\n"},
		{"EOF inside payload", envelopeSerial(1, Tick5, "when:1")[:70], ErrTruncated, "READY\n"},
		{"too large", envelopeSerial(1, Tick5, "when:1"), ErrPayloadTooLarge, "READY\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []Option{}
			if tt.want == ErrPayloadTooLarge {
				opts = append(opts, WithMaxPayload(5))
			}
			out, err := serveAll(t, tt.stream, ok, opts...)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if out != tt.out {
				t.Fatalf("wrote %q, want %q", out, tt.out)
			}
		})
	}
}

func TestServeByteLengthsOption(t *testing.T) {
	payload := "type:t\nü"
	stream := fmt.Sprintf("ver:3.0 server:s serial:1 pool:p poolserial:1 eventname:REMOTE_COMMUNICATION len:%d\n%s", len(payload), payload)
	var got string
	h := HandlerFunc(func(ctx context.Context, ev Event) error { got = ev.Payload; return nil })
	if _, err := serveAll(t, stream, h, WithByteLengths()); err != nil || got != payload {
		t.Fatalf("err=%v payload=%q", err, got)
	}
}

// pipeSupervisor plays supervisord over real pipes, one event at a time.
type pipeSupervisor struct {
	t       *testing.T
	toLis   *os.File // supervisord writes events here
	fromLis *os.File // and reads results here
	lisIn   *os.File
	lisOut  *os.File
}

func newPipeSupervisor(t *testing.T) *pipeSupervisor {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inR.Close(); inW.Close(); outR.Close(); outW.Close() })
	return &pipeSupervisor{t: t, toLis: inW, fromLis: outR, lisIn: inR, lisOut: outW}
}

// expect reads until the listener has written want.
func (p *pipeSupervisor) expect(want string) {
	p.t.Helper()
	buf := make([]byte, len(want))
	p.fromLis.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(p.fromLis, buf); err != nil {
		p.t.Fatalf("waiting for %q: %v", want, err)
	}
	if string(buf) != want {
		p.t.Fatalf("listener wrote %q, want %q", buf, want)
	}
}

func TestServeStopsWhileWaitingForAnEvent(t *testing.T) {
	p := newPipeSupervisor(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, p.lisIn, p.lisOut, HandlerFunc(func(context.Context, Event) error { return nil }), quietLogger())
	}()
	p.expect("READY\n")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled while reading")
	}
}

func TestServeFinishesTheEventInHandWhenStopped(t *testing.T) {
	p := newPipeSupervisor(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var handlerErr error
	var mu sync.Mutex
	h := HandlerFunc(func(hctx context.Context, ev Event) error {
		close(started)
		time.Sleep(50 * time.Millisecond) // stop arrives meanwhile
		mu.Lock()
		handlerErr = hctx.Err()
		mu.Unlock()
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, p.lisIn, p.lisOut, h, quietLogger()) }()
	p.expect("READY\n")
	p.toLis.WriteString(envelopeSerial(1, Tick5, "when:1"))
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.lisOut.Close()
	rest, _ := io.ReadAll(p.fromLis)
	if string(rest) != "RESULT 2\nOK" {
		t.Fatalf("after stop the listener wrote %q, want the result and no READY", rest)
	}
	mu.Lock()
	defer mu.Unlock()
	if handlerErr != nil {
		t.Fatalf("the handler's context was cancelled by the stop: %v", handlerErr)
	}
}

func TestServeLockstepOverPipes(t *testing.T) {
	p := newPipeSupervisor(t)
	var got []string
	h := HandlerFunc(func(ctx context.Context, ev Event) error {
		l, err := ev.ProcessLog()
		got = append(got, l.Data)
		return err
	})
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), p.lisIn, p.lisOut, h, quietLogger()) }()
	lines := []string{"héllo wörld\n", "5€ 🙂\n", strings.Repeat("ü", 40000)}
	p.expect("READY\n")
	for i, l := range lines {
		p.toLis.WriteString(envelopeSerial(uint64(i), ProcessLogStdout, "processname:a groupname:a pid:1 channel:stdout\n"+l))
		p.expect("RESULT 2\nOKREADY\n")
	}
	p.toLis.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(lines) {
		t.Fatal("log data changed in transit")
	}
}

func TestMux(t *testing.T) {
	var calls []string
	m := NewMux()
	m.HandleFunc(ProcessState, func(ctx context.Context, ev Event) error {
		calls = append(calls, "state:"+string(ev.EventName))
		return nil
	})
	m.HandleFunc(ProcessStateExited, func(ctx context.Context, ev Event) error { calls = append(calls, "exited"); return errors.New("x") })
	m.HandleFunc(AnyEvent, func(ctx context.Context, ev Event) error {
		calls = append(calls, "any:"+string(ev.EventName))
		return nil
	})
	ctx := context.Background()
	if err := m.HandleEvent(ctx, event(ProcessStateExited, "")); err == nil {
		t.Error("exited handler's error lost")
	}
	m.HandleEvent(ctx, event(ProcessStateRunning, ""))
	m.HandleEvent(ctx, event(Tick5, ""))
	m.HandleEvent(ctx, event("CUSTOM", ""))
	if got := strings.Join(calls, ","); got != "exited,state:PROCESS_STATE_RUNNING,any:TICK_5,any:CUSTOM" {
		t.Fatalf("calls %s", got)
	}
	if err := NewMux().HandleEvent(ctx, event(Tick5, "")); err != nil {
		t.Fatal("an unrouted event must be acknowledged")
	}
}
