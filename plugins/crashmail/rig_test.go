package crashmail

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"crashmail": Main})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}

// testCtx ends with the test, and within a bound so that a stuck wait
// fails instead of hanging.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer collects log output written from the handler's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lateSource forwards to an rpc.Client made once the emulated
// supervisord, and so its socket, exists: the pool's handler has to be
// built before that.
type lateSource struct{ c atomic.Pointer[rpc.Client] }

func (l *lateSource) GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error) {
	return l.c.Load().GetProcessInfo(ctx, name)
}

func (l *lateSource) TailProcessStderrLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error) {
	return l.c.Load().TailProcessStderrLog(ctx, name, offset, length)
}

func (l *lateSource) TailProcessStdoutLog(ctx context.Context, name string, offset, length int) (rpc.LogTail, error) {
	return l.c.Load().TailProcessStdoutLog(ctx, name, offset, length)
}

func (l *lateSource) ReadLog(ctx context.Context, offset, length int) (string, error) {
	return l.c.Load().ReadLog(ctx, offset, length)
}

// fastRetry is mail's default policy on an instant clock.
func fastRetry(c *clock.Fake) retry.Policy {
	if c == nil {
		c = clock.NewInstant(time.Unix(1e9, 0))
	}
	p := mail.DefaultRetryPolicy()
	p.Clock, p.Jitter = c, retry.NoJitter
	return p
}

// rig is crashmail served in-process by the emulated supervisord, mailing
// to a real SMTP server.
type rig struct {
	sup *testharness.Supervisor
	srv *mailserver.Server
	log *syncBuffer
}

type rigConfig struct {
	cfg      Config // Sender, From, To, Log, Retry and FailDelay get test defaults
	srv      []mailserver.Option
	events   []listener.EventType
	programs []testharness.Program
	groups   []testharness.Group
	rpc      bool // details from the emulated XML-RPC server
}

func newRig(t *testing.T, rc rigConfig) *rig {
	t.Helper()
	r := &rig{srv: mailserver.NewServer(t, rc.srv...), log: &syncBuffer{}}
	cfg := rc.cfg
	if cfg.Sender == nil {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: r.srv.Addr(), TLSConfig: r.srv.ClientTLSConfig()})
		must(t, err)
		cfg.Sender = s
	}
	if cfg.From == "" {
		cfg.From = "supervisor@example.com"
	}
	if cfg.To == nil {
		cfg.To = []string{"ops@example.com"}
	}
	if cfg.Retry.MaxElapsed == 0 {
		cfg.Retry = fastRetry(nil)
	}
	if cfg.FailDelay == 0 {
		cfg.FailDelay = -1
	}
	cfg.Log = log.New(r.log)
	if cfg.Hostname == "" {
		cfg.Hostname = "app1.example.com"
	}
	late := &lateSource{}
	if rc.rpc {
		cfg.Supervisor = late
	}
	m, err := New(cfg)
	must(t, err)
	events := rc.events
	if events == nil {
		events = []listener.EventType{listener.ProcessState}
	}
	r.sup = testharness.Start(t, testharness.Config{
		RPC:      rc.rpc,
		Programs: rc.programs,
		Groups:   rc.groups,
		Pools: []testharness.Pool{{
			Name: "crashmail", Events: events, Handler: m, BufferSize: 100,
			ProcessConfig: testharness.ProcessConfig{Priority: 100},
		}},
	})
	if rc.rpc {
		c, err := rpc.New(r.sup.ServerURL(), rpc.WithHTTPClient(r.sup.HTTPClient()))
		must(t, err)
		late.c.Store(c)
	}
	must(t, r.sup.WaitListenerState(testCtx(t), "crashmail", testharness.ListenerReady))
	return r
}

// exit makes the virtual process namespec exit with code.
func (r *rig) exit(t *testing.T, namespec string, code int) {
	t.Helper()
	p := r.sup.Process(namespec)
	if p == nil {
		t.Fatalf("no process %q", namespec)
	}
	must(t, p.Exit(code))
}

// idle waits until every event was answered and returns the mails.
func (r *rig) idle(t *testing.T) []mailserver.Message {
	t.Helper()
	must(t, r.sup.WaitIdle(testCtx(t)))
	return r.srv.Messages()
}

// results returns crashmail's answers, in order.
func (r *rig) results() []string {
	var out []string
	for _, res := range r.sup.Transcript().Results("crashmail") {
		out = append(out, res.Body)
	}
	return out
}

// subjects returns the decoded subjects of msgs.
func subjects(t *testing.T, msgs []mailserver.Message) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		s, err := m.Subject()
		must(t, err)
		out = append(out, s)
	}
	return out
}

func bodyOf(t *testing.T, m mailserver.Message) string {
	t.Helper()
	b, err := m.Body()
	must(t, err)
	return b
}

// firstLines returns the first body line of each message.
func firstLines(t *testing.T, msgs []mailserver.Message) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		first, _, _ := strings.Cut(bodyOf(t, m), "\n")
		out = append(out, first)
	}
	return out
}
