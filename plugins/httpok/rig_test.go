package httpok

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/golance/golance/testharness"
)

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

// mailTo, as config.mail, makes the world mail root and ops@example.com
// through its sendmail stand-in, as -m "root,ops@example.com" does.
var mailTo = &mailcli.Delivery{To: []string{"root", "ops@example.com"}}

// self is the process the tests' httpok runs as.
var self = selection.Self{Group: "httpok", Name: "httpok"}

// sel returns httpok's selection of specs (-p), or of every process
// (-a) without specs.
func sel(specs ...string) *selection.Selector {
	s, err := selection.New(selection.Spec{Programs: specs, Any: len(specs) == 0,
		Empty: selection.EmptyNone, Policy: selection.SelfNever, Self: self, ProcessOnly: true})
	if err != nil {
		panic(err)
	}
	return s
}

// world is an emulated supervisord running an in-process httpok pool.
type world struct {
	*rig.Rig
	t    *testing.T
	c    *handler
	log  *rig.Buffer
	mail *rig.Sendmail
}

type setup struct {
	programs []testharness.Program
	events   []listener.EventType // the pool's subscriptions; TICK_5 if nil
	cfg      config               // mail: mailTo mails through the world's sendmail
}

// start runs the programs under an emulated supervisord with an httpok
// pool subscribed to TICK_5.
func start(t *testing.T, st setup) *world {
	t.Helper()
	w := &world{t: t, log: &rig.Buffer{}, mail: rig.NewSendmail(t)}
	cfg := st.cfg
	cfg.log = log.New(w.log)
	if cfg.retryInterval == 0 {
		cfg.retryInterval = 20 * time.Millisecond
	}
	if cfg.mail != nil {
		sender, err := mail.NewSendmail(w.mail.Command())
		rig.Must(t, err)
		d := *cfg.mail
		d.Sender = sender
		cfg.mail = &d
		cfg.mailRetry = retry.Policy{MaxAttempts: 1}
	}
	cfg.outbox.Dir = t.TempDir()
	cfg.outbox.Retry = retry.Policy{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	events := st.events
	if events == nil {
		events = []listener.EventType{listener.Tick5}
	}
	w.Rig = rig.Start(t, rig.Config{
		Pool: "httpok", Events: events, RPC: true, Programs: st.programs,
		Handler: func(r *rig.Rig) listener.Handler {
			c, err := newHandler(cfg, r.Client)
			rig.Must(t, err)
			w.c = c
			return c
		},
	})
	return w
}

func (w *world) ctx() context.Context { return rig.Context(w.t) }

// tick sends one TICK_5 and waits until httpok has answered it.
func (w *world) tick() { w.Tick(listener.Tick5) }

// settle waits for the restarts and mail under way by shutting the
// handler down; the world is done after.
func (w *world) settle() { w.Settle() }

func (w *world) restarts(process string) int { return w.Restarts(process) }

func (w *world) stops(process string) int { return w.Stops(process) }

// waitLog waits until the log's messages match pattern.
func (w *world) waitLog(pattern string) {
	w.t.Helper()
	rig.Eventually(w.t, "httpok's log", w.log.Messages, pattern)
}

// mails returns the mails received so far.
func (w *world) mails() []rig.Mail { return w.mail.Mails() }
