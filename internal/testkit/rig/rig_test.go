package rig

import (
	"context"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// ticker counts ticks and is shut down once.
type ticker struct {
	ticks, shutdowns atomic.Int32
	client           bool
}

func (h *ticker) HandleEvent(ctx context.Context, ev listener.Event) error {
	if ev.EventName.Is(listener.Tick) {
		h.ticks.Add(1)
	}
	return nil
}

func (h *ticker) Shutdown(ctx context.Context) error {
	h.shutdowns.Add(1)
	return nil
}

func TestRigRunsAHandler(t *testing.T) {
	t.Parallel()
	h := &ticker{}
	r := Start(t, Config{
		Pool:     "ticker",
		Events:   []listener.EventType{listener.Tick5, listener.ProcessState},
		RPC:      true,
		Programs: []testharness.Program{{Name: "web"}},
		Handler: func(r *Rig) listener.Handler {
			h.client = r.Client != nil
			return h
		},
	})
	r.Tick(listener.Tick5)
	r.Tick(listener.Tick5)
	r.Exit("web", 1)
	r.Idle()
	if h.ticks.Load() != 2 || !h.client || r.Pool() != "ticker" {
		t.Fatalf("ticks %d, client %v", h.ticks.Load(), h.client)
	}
	for _, res := range r.Results() {
		if res != "OK" {
			t.Fatalf("results %q", r.Results())
		}
	}
	if n := r.Restarts("web"); n != 1 {
		t.Errorf("web restarted %d times, want 1 (autorestart)", n)
	}
	r.Settle()
	r.Settle()
	if n := h.shutdowns.Load(); n != 1 {
		t.Errorf("shut down %d times, want once", n)
	}
}

func TestSendmail(t *testing.T) {
	t.Parallel()
	s := NewSendmail(t)
	for _, subject := range []string{"b", "a"} {
		cmd := exec.Command("sh", "-c", s.Command())
		cmd.Stdin = strings.NewReader("To: root, ops@example.com\nSubject: " + subject + "\n\nline 1\nline 2\n")
		Must(t, cmd.Run())
	}
	m := s.Wait(2)
	if m[0].Subject != "a" || m[1].To != "root, ops@example.com" || m[1].Body != "line 1\nline 2" {
		t.Errorf("mails %+v", m)
	}
}

func TestExampleCommand(t *testing.T) {
	t.Parallel()
	args, env := ExampleCommand(t, "[eventlistener:x]\ncommand=crashmail -m ops@example.com -o \"[web 1]\" --password-file /etc/pw\nenvironment=A=\"b c\"\n",
		map[string]string{"/etc/pw": "/tmp/pw"})
	if strings.Join(args, "|") != "crashmail|-m|ops@example.com|-o|[web 1]|--password-file|/tmp/pw" || strings.Join(env, "|") != "A=b c" {
		t.Errorf("args %q env %q", args, env)
	}
}

func TestBufferAndEventually(t *testing.T) {
	t.Parallel()
	var b Buffer
	go b.Write([]byte("2026-12-02 07:12:22,123 INFO mailed ops\n"))
	if m := Eventually(t, "the log", b.Messages, `(?m)^mailed \w+$`); m != "mailed ops" {
		t.Errorf("match %q", m)
	}
}
