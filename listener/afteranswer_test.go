package listener

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// A function given to AfterAnswer runs once the event's answer is
// written, whatever the answer, and before the next event is handled.
func TestAfterAnswerRunsAfterTheAnswer(t *testing.T) {
	stream := envelopeSerial(1, Tick5, "when:1") + envelopeSerial(2, Tick5, "when:2") + envelopeSerial(3, Tick5, "when:3")
	// The handler runs on Serve's goroutine, between its writes.
	var out bytes.Buffer
	var seen []string
	h := HandlerFunc(func(ctx context.Context, ev Event) error {
		seen = append(seen, "handle "+out.String())
		if !AfterAnswer(ctx, func() { seen = append(seen, "after "+out.String()) }) {
			t.Error("AfterAnswer refused Serve's context")
		}
		if ev.Serial == 2 {
			return errors.New("again")
		}
		return nil
	})
	if err := Serve(context.Background(), strings.NewReader(stream), &out, h, quietLogger()); err != nil {
		t.Fatal(err)
	}
	a1 := "READY\nRESULT 2\nOKREADY\n"
	a2 := a1 + "RESULT 4\nFAILREADY\n"
	a3 := a2 + "RESULT 2\nOKREADY\n"
	want := []string{"handle READY\n", "after " + a1, "handle " + a1, "after " + a2, "handle " + a2, "after " + a3}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("saw %q\nwant %q", seen, want)
	}
}

// Stopped while it handles an event, Serve answers it without READY and
// still runs what the handler put after the answer; and a failed answer
// does not skip it either.
func TestAfterAnswerRunsWhenServeStopsOrFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := 0
	h := HandlerFunc(func(hctx context.Context, ev Event) error {
		AfterAnswer(hctx, func() { ran++ })
		cancel()
		return nil
	})
	var out bytes.Buffer
	if err := Serve(ctx, strings.NewReader(envelopeSerial(1, Tick5, "when:1")), &out, h, quietLogger()); err != nil {
		t.Fatal(err)
	}
	if ran != 1 || out.String() != "READY\nRESULT 2\nOK" {
		t.Fatalf("ran %d times, wrote %q", ran, out.String())
	}

	ran = 0
	h = HandlerFunc(func(hctx context.Context, ev Event) error {
		AfterAnswer(hctx, func() { ran++ })
		return nil
	})
	w := &failAfter{n: len("READY\n")}
	if err := Serve(context.Background(), strings.NewReader(envelopeSerial(1, Tick5, "when:1")), w, h, quietLogger()); err == nil {
		t.Fatal("a failed answer was not reported")
	}
	if ran != 1 {
		t.Fatalf("ran %d times after a failed answer", ran)
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("broken pipe")
	}
	w.n -= len(p)
	return len(p), nil
}

// Outside Serve, AfterAnswer refuses, and the caller runs the function.
func TestAfterAnswerOutsideServe(t *testing.T) {
	if AfterAnswer(context.Background(), func() { t.Error("ran") }) {
		t.Fatal("AfterAnswer accepted a context Serve did not give")
	}
}

// Registering nothing costs an event nothing.
func TestAfterAnswerAllocatesNothingUnused(t *testing.T) {
	a := new(afterAnswer)
	if n := testing.AllocsPerRun(100, a.runAll); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	f := func() {}
	a.funcs = append(a.funcs, f)
	a.runAll()
	if n := testing.AllocsPerRun(100, func() { a.funcs = append(a.funcs, f); a.runAll() }); n != 0 {
		t.Fatalf("%v allocations per registered function", n)
	}
}
