package crashmail

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
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"crashmail": Main})
}

func TestScripts(t *testing.T) {
	t.Parallel()
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

var must = rig.Must

// fastRetry is mail's default policy on an instant clock.
func fastRetry(c *clock.Fake) retry.Policy {
	if c == nil {
		c = clock.NewInstant(time.Unix(1e9, 0))
	}
	p := mail.DefaultRetryPolicy()
	p.Clock, p.Jitter = c, retry.NoJitter
	return p
}

// mailRig is crashmail served in-process by the emulated supervisord,
// mailing to a real SMTP server.
type mailRig struct {
	*rig.Rig
	srv *mailserver.Server
	log *rig.Buffer
	h   *handler
}

type rigConfig struct {
	cfg      config      // mail, retry, failDelay, hostname and log get test defaults
	sender   mail.Sender // instead of SMTP to srv
	source   crashinfo.Source
	srv      []mailserver.Option
	events   []listener.EventType
	programs []testharness.Program
	groups   []testharness.Group
	rpc      bool // details from the emulated XML-RPC server
	// outbox is the outbox directory: "" for a new one, outbox.None to
	// deliver before answering.
	outbox string
}

func newRig(t testing.TB, rc rigConfig) *mailRig {
	t.Helper()
	r := &mailRig{srv: mailserver.NewServer(t, rc.srv...), log: &rig.Buffer{}}
	cfg := rc.cfg
	d := &mailcli.Delivery{Sender: rc.sender, From: "supervisor@example.com", To: []string{"ops@example.com"}}
	if d.Sender == nil {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: r.srv.Addr(), TLSConfig: r.srv.ClientTLSConfig()})
		must(t, err)
		d.Sender, d.Target = s, "SMTP server "+r.srv.Addr()
	}
	cfg.mail = d
	if cfg.retry.MaxElapsed == 0 {
		cfg.retry = fastRetry(nil)
	}
	if cfg.failDelay == 0 {
		cfg.failDelay = -1
	}
	if cfg.hostname == "" {
		cfg.hostname = "app1.example.com"
	}
	cfg.log = log.New(r.log)
	cfg.outbox.Dir = rc.outbox
	if cfg.outbox.Dir == "" {
		cfg.outbox.Dir = t.TempDir()
	}
	if cfg.outbox.Retry.Initial == 0 {
		cfg.outbox.Retry = retry.Policy{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	}
	r.Rig = rig.Start(t, rig.Config{
		Pool:     "crashmail",
		Events:   rc.events,
		RPC:      rc.rpc,
		Programs: rc.programs,
		Groups:   rc.groups,
		Handler: func(rr *rig.Rig) listener.Handler {
			source := rc.source
			if rc.rpc {
				source = rr.Client
			}
			h, err := newHandler(cfg, source)
			must(t, err)
			t.Cleanup(func() { h.Shutdown(context.Background()) })
			r.h = h
			return h
		},
	})
	return r
}

// exit makes the virtual process namespec exit with code.
func (r *mailRig) exit(t *testing.T, namespec string, code int) {
	t.Helper()
	r.Exit(namespec, code)
}

// idle waits until every event was answered and every mail left the
// outbox, and returns the mails.
func (r *mailRig) idle(t *testing.T) []mailserver.Message {
	t.Helper()
	r.Idle()
	rig.Eventually(t, "the outbox to be empty", func() string {
		return strconv.Itoa(r.h.ob.Pending()[mail.SinkName].Items)
	}, "^0$")
	return r.srv.Messages()
}

// results returns crashmail's answers, in order.
func (r *mailRig) results() []string { return r.Results() }

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
