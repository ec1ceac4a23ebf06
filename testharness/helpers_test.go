package testharness

import (
	"context"
	"testing"
	"time"
)

// testCtx is a context that ends with the test, bounded so a stuck wait
// fails quickly.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// proc returns the handle of namespec or fails the test.
func procOf(t *testing.T, s *Supervisor, namespec string) *Process {
	t.Helper()
	p := s.Process(namespec)
	if p == nil {
		t.Fatalf("no process %q", namespec)
	}
	return p
}

// say makes a virtual listener write protocol bytes.
func say(t *testing.T, p *Process, data string) {
	t.Helper()
	if err := p.Write(Stdout, []byte(data)); err != nil {
		t.Fatalf("%s writing %q: %v", p.Namespec(), data, err)
	}
}

// Listener states, short, for tables of state sequences.
const (
	A = ListenerAcknowledged
	R = ListenerReady
	B = ListenerBusy
	U = ListenerUnknown
)
