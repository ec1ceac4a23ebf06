package httpok

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

// syncBuffer is a log shared by the event loop and the restarts.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is an HTTP server whose answer a test sets.
type server struct {
	*httptest.Server
	status   atomic.Int32
	body     atomic.Value // string
	requests atomic.Int32
	agents   chan string
}

func newServer(t *testing.T, status int, body string) *server {
	t.Helper()
	s := &server{agents: make(chan string, 100)}
	s.status.Store(int32(status))
	s.body.Store(body)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	select {
	case s.agents <- r.Header.Get("User-Agent"):
	default:
	}
	w.WriteHeader(int(s.status.Load()))
	fmt.Fprint(w, s.body.Load().(string))
}

func sleeper(name string, cfg testharness.ProcessConfig) testharness.Program {
	cfg.Command = []string{"sleep", "3600"}
	return testharness.Program{Name: name, ProcessConfig: cfg}
}

// world is an emulated supervisord running an in-process httpok pool.
type world struct {
	t    *testing.T
	s    *testharness.Supervisor
	c    *Checker
	log  *syncBuffer
	mail string
}

type setup struct {
	programs []testharness.Program
	cfg      Config
}

// start runs the programs under an emulated supervisord with an httpok
// pool subscribed to TICK_5.
func start(t *testing.T, st setup) *world {
	t.Helper()
	w := &world{t: t, log: &syncBuffer{}, mail: t.TempDir()}
	var handler listener.HandlerFunc = func(ctx context.Context, ev listener.Event) error { return w.c.HandleEvent(ctx, ev) }
	w.s = testharness.Start(t, testharness.Config{
		RPC:      true,
		Programs: st.programs,
		Pools: []testharness.Pool{{Name: "httpok", Events: []listener.EventType{listener.Tick5}, Handler: handler,
			ProcessConfig: testharness.ProcessConfig{Priority: 1}}},
	})
	client, err := rpc.New(w.s.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.cfg
	cfg.Supervisor = client
	cfg.Log = w.log
	cfg.SelfGroup, cfg.SelfName = "httpok", "httpok"
	if cfg.RetryInterval == 0 {
		cfg.RetryInterval = 20 * time.Millisecond
	}
	if cfg.Email != "" {
		sender, err := mail.NewSendmail(fakeSendmail(t, w.mail))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Mailer = sender
		cfg.MailRetry = retry.Policy{MaxAttempts: 1}
	}
	w.c, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.c.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return w
}

// fakeSendmail writes a sendmail stand-in that stores each message in its
// own file under dir, and returns the command that runs it.
func fakeSendmail(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sendmail")
	// Written aside and renamed, so that a mail is never seen half written.
	script := "#!/bin/sh\ncat > \"" + dir + "/.part.$$\" && mv \"" + dir + "/.part.$$\" \"" + dir + "/mail.$$\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path + " -t -i"
}

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

// tick sends one TICK_5 and waits until httpok has answered it.
func (w *world) tick() {
	w.t.Helper()
	before := len(w.s.Transcript().Results("httpok"))
	w.s.Tick(listener.Tick5)
	if err := w.s.WaitResults(w.ctx(), "httpok", before+1); err != nil {
		w.t.Fatalf("%v\nlog:\n%s", err, w.log)
	}
	if r := w.s.Transcript().Results("httpok"); !r[len(r)-1].OK {
		w.t.Fatalf("tick not acknowledged: %+v", r[len(r)-1])
	}
}

// settle waits for the restarts and mail under way by shutting the
// checker's restarter down; the world is done after.
func (w *world) settle() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.c.Shutdown(ctx); err != nil {
		w.t.Fatal(err)
	}
}

func restartsIn(tr *testharness.Transcript, process string) int {
	n := 0
	states := tr.ProcessStates(process)
	for i, st := range states {
		if st == listener.StateRunning && slices.ContainsFunc(states[:i], func(p listener.State) bool {
			return p == listener.StateStopped || p == listener.StateExited
		}) {
			n++
		}
	}
	return n
}

func (w *world) restarts(process string) int { return restartsIn(w.s.Transcript(), process) }

func (w *world) stops(process string) int {
	n := 0
	for _, st := range w.s.Transcript().ProcessStates(process) {
		if st == listener.StateStopping {
			n++
		}
	}
	return n
}

// waitLog waits until the log matches pattern.
func (w *world) waitLog(pattern string) {
	w.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(20 * time.Second)
	for !re.MatchString(w.log.String()) {
		if time.Now().After(deadline) {
			w.t.Fatalf("log does not match %q:\n%s", pattern, w.log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mailed is one message the fake sendmail received.
type mailed struct{ subject, body string }

// mails returns the mails received so far.
func (w *world) mails() []mailed {
	files, _ := filepath.Glob(filepath.Join(w.mail, "mail.*"))
	var out []mailed
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			w.t.Fatal(err)
		}
		head, body, _ := strings.Cut(string(b), "\n\n")
		var m mailed
		for _, h := range strings.Split(head, "\n") {
			if s, ok := strings.CutPrefix(h, "Subject: "); ok {
				m.subject = s
			}
		}
		m.body = strings.TrimSuffix(body, "\n")
		out = append(out, m)
	}
	return out
}
