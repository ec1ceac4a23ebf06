package mailbatch

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	cmds := map[string]func(){}
	for _, k := range kinds {
		cmds[k.name] = func() { Main(k.name) }
	}
	testscript.Main(m, cmds)
}

func TestScripts(t *testing.T) {
	t.Parallel()
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

var must = rig.Must

// batchRig is a batch mailer served in-process by the emulated
// supervisord, mailing to a real SMTP server. Ticks are notified by the
// test.
type batchRig struct {
	*rig.Rig
	srv *mailserver.Server
	mon *handler
	log *rig.Buffer
}

type rigConfig struct {
	cfg      config // kind defaults to crashMailBatch; mail, subject, log and retry get test defaults
	events   []listener.EventType
	programs []testharness.Program
	backoff  time.Duration
	// outbox is the outbox directory: "" for a new one, outbox.None for
	// none.
	outbox string
}

func newRig(t *testing.T, rc rigConfig) *batchRig {
	t.Helper()
	r := &batchRig{srv: mailserver.NewServer(t), log: &rig.Buffer{}}
	cfg := rc.cfg
	if cfg.kind.word == nil {
		cfg.kind = crashMailBatch
	}
	s, err := mail.NewSMTP(mail.SMTPConfig{Host: r.srv.Addr()})
	must(t, err)
	cfg.mail = &mailcli.Delivery{Sender: s, From: "supervisor@example.com", To: []string{"ops@example.com", "dev@example.com"}}
	if cfg.subject == "" {
		cfg.subject = cfg.kind.defaultSubject
	}
	if cfg.retry.MaxElapsed == 0 {
		p := mail.DefaultRetryPolicy()
		p.Clock, p.Jitter = clock.NewInstant(time.Unix(1e9, 0)), retry.NoJitter
		cfg.retry = p
	}
	cfg.log = log.New(r.log)
	cfg.outbox.Dir = rc.outbox
	if cfg.outbox.Dir == "" {
		cfg.outbox.Dir = t.TempDir()
	}
	cfg.outbox.Retry = retry.Policy{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	events := rc.events
	if events == nil {
		events = []listener.EventType{listener.ProcessState, listener.Tick60}
	}
	r.Rig = rig.Start(t, rig.Config{
		Pool: "batch", Events: events, Programs: rc.programs, BackoffUnit: rc.backoff,
		Handler: func(*rig.Rig) listener.Handler {
			mon, err := newHandler(cfg)
			must(t, err)
			r.mon = mon
			t.Cleanup(func() { mon.Shutdown(context.Background()) })
			return mon
		},
	})
	return r
}

func (r *batchRig) exit(t *testing.T, namespec string, code int) {
	t.Helper()
	r.Exit(namespec, code)
}

// tick notifies n ticks of typ and waits until they were handled and any
// batch they started was sent (or given up).
func (r *batchRig) tick(t *testing.T, typ listener.EventType, n int) {
	t.Helper()
	for range n {
		r.Sup.Tick(typ)
		must(t, r.Sup.WaitIdle(rig.Context(t)))
		must(t, r.mon.waitIdle(rig.Context(t)))
	}
}

// settle waits until the outbox has delivered every mail it holds.
func (r *batchRig) settle(t *testing.T) {
	t.Helper()
	rig.Eventually(t, "the outbox to be empty", func() string {
		return strconv.Itoa(r.mon.ob.Pending()[mail.SinkName].Items)
	}, "^0$")
}

// queued returns how many mails wait in the outbox.
func (r *batchRig) queued() int { return r.mon.ob.Pending()[mail.SinkName].Items }

// idle waits until every event was answered.
func (r *batchRig) idle(t *testing.T) {
	t.Helper()
	must(t, r.Sup.WaitIdle(rig.Context(t)))
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
