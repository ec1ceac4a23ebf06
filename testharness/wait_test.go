package testharness

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func TestWaitStderr(t *testing.T) {
	s := Start(t, Config{Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick5}}}, WaitTimeout: 500 * time.Millisecond})
	p := s.Process("p")
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.Write(Stderr, []byte("starting\nready on port 8080\n"))
	}()
	m, err := s.WaitStderr(context.Background(), "p", regexp.MustCompile(`port \d+`))
	if err != nil || m != "port 8080" {
		t.Fatalf("match %q, err %v", m, err)
	}
	_, err = s.WaitStderr(context.Background(), "p", regexp.MustCompile(`never`))
	if err == nil || !strings.Contains(err.Error(), "ready on port 8080") {
		t.Fatalf("a timeout must say what stderr held: %v", err)
	}
}
