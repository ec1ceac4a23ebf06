package mailbatch

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	cmds := map[string]func(){}
	for _, k := range Kinds {
		cmds[k.Name] = k.Main
	}
	testscript.Main(m, cmds)
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}

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

// rig is a batch mailer served in-process by the emulated supervisord,
// mailing to a real SMTP server. Ticks are notified by the test.
type rig struct {
	sup *testharness.Supervisor
	srv *mailserver.Server
	mon *Monitor
	log *syncBuffer
}

type rigConfig struct {
	cfg      Config // Kind defaults to CrashMailBatch; Sender, From, To, Subject, Log and Retry get test defaults
	events   []listener.EventType
	programs []testharness.Program
	backoff  time.Duration
}

func newRig(t *testing.T, rc rigConfig) *rig {
	t.Helper()
	r := &rig{srv: mailserver.NewServer(t), log: &syncBuffer{}}
	cfg := rc.cfg
	if cfg.Kind.Word == nil {
		cfg.Kind = CrashMailBatch
	}
	if cfg.Sender == nil {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: r.srv.Addr()})
		must(t, err)
		cfg.Sender = s
	}
	if cfg.From == "" {
		cfg.From = "supervisor@example.com"
	}
	if cfg.To == nil {
		cfg.To = []string{"ops@example.com", "dev@example.com"}
	}
	if cfg.Subject == "" {
		cfg.Subject = cfg.Kind.DefaultSubject
	}
	if cfg.Retry.MaxElapsed == 0 {
		p := mail.DefaultRetryPolicy()
		p.Clock, p.Jitter = clock.NewInstant(time.Unix(1e9, 0)), retry.NoJitter
		cfg.Retry = p
	}
	cfg.Log = log.New(r.log)
	mon, err := New(cfg)
	must(t, err)
	t.Cleanup(func() { mon.Close() })
	r.mon = mon
	events := rc.events
	if events == nil {
		events = []listener.EventType{listener.ProcessState, listener.Tick60}
	}
	r.sup = testharness.Start(t, testharness.Config{
		Programs:    rc.programs,
		BackoffUnit: rc.backoff,
		Pools: []testharness.Pool{{
			Name: "batch", Events: events, Handler: mon, BufferSize: 100,
			ProcessConfig: testharness.ProcessConfig{Priority: 100},
		}},
	})
	must(t, r.sup.WaitListenerState(testCtx(t), "batch", testharness.ListenerReady))
	return r
}

func (r *rig) exit(t *testing.T, namespec string, code int) {
	t.Helper()
	p := r.sup.Process(namespec)
	if p == nil {
		t.Fatalf("no process %q", namespec)
	}
	must(t, p.Exit(code))
}

// tick notifies n ticks of typ and waits until they were handled and any
// batch they started was sent (or given up).
func (r *rig) tick(t *testing.T, typ listener.EventType, n int) {
	t.Helper()
	for range n {
		r.sup.Tick(typ)
		must(t, r.sup.WaitIdle(testCtx(t)))
		must(t, r.mon.WaitIdle(testCtx(t)))
	}
}

// idle waits until every event was answered.
func (r *rig) idle(t *testing.T) {
	t.Helper()
	must(t, r.sup.WaitIdle(testCtx(t)))
}

func bodyOf(t *testing.T, m mailserver.Message) string {
	t.Helper()
	b, err := m.Body()
	must(t, err)
	return b
}

// lines returns the body of m as lines, each with its leading asctime
// replaced by "T" (and a trailing one by " T"), so that tests can compare
// them exactly.
func lines(t *testing.T, m mailserver.Message) []string {
	t.Helper()
	var out []string
	for l := range strings.SplitSeq(strings.TrimSuffix(bodyOf(t, m), "\n"), "\n") {
		out = append(out, asctimeRE.ReplaceAllString(l, "T"))
	}
	return out
}
