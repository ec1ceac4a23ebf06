package testharness

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

// minimalListener is the least a listener can do: READY, then for each
// event read the header and payload (ASCII, so len counts bytes) and
// answer OK together with the next READY.
func minimalListener(_ context.Context, stdin io.Reader, stdout, _ io.Writer) error {
	in := bufio.NewReader(stdin)
	if _, err := io.WriteString(stdout, "READY\n"); err != nil {
		return err
	}
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return nil
		}
		i := strings.LastIndex(line, "len:")
		n, err := strconv.Atoi(strings.TrimSpace(line[i+4:]))
		if err != nil {
			return err
		}
		if _, err := in.Discard(n); err != nil {
			return err
		}
		if _, err := io.WriteString(stdout, "RESULT 2\nOKREADY\n"); err != nil {
			return err
		}
	}
}

// benchmarkDispatch notifies b.N events into one pool and waits until its
// listener has answered them all; the metric is the harness's dispatch
// rate over real pipes. supervisord itself manages about 2,000 events/s.
func benchmarkDispatch(b *testing.B, pool Pool) {
	pool.Name = "bench"
	pool.Events = []listener.EventType{listener.RemoteCommunication}
	pool.BufferSize = b.N + 1
	s := Start(b, Config{Pools: []Pool{pool}, WaitTimeout: 10 * time.Minute})
	ctx := context.Background()
	if err := s.WaitListenerState(ctx, "bench", ListenerReady); err != nil {
		b.Fatal(err)
	}
	ev := NewRemoteCommunicationEvent("bench", "payload")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.Notify(ev)
	}
	if err := s.WaitResults(ctx, "bench", b.N); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if s.Transcript().WentUnknown("bench") {
		b.Fatal("the listener went UNKNOWN")
	}
}

// BenchmarkDispatchMinimal drives a hand-written minimal listener.
func BenchmarkDispatchMinimal(b *testing.B) {
	benchmarkDispatch(b, Pool{ProcessConfig: ProcessConfig{Run: minimalListener}})
}

// BenchmarkDispatchServe drives listener.Serve with a handler that does
// nothing.
func BenchmarkDispatchServe(b *testing.B) {
	benchmarkDispatch(b, Pool{Handler: listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })})
}
