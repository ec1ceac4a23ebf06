package crashmail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// handler mails each unexpected exit of a selected process and ignores
// every other event. The mail is made durable in the outbox, with the
// facts of the moment of the crash, and the event answered; the outbox
// delivers it in the background. Without an outbox (--outbox none, or a
// store that cannot be used) the event is answered only once the mail was
// accepted.
type handler struct {
	cfg config
	// supervisor is asked for the process's exit status, uptime and logs
	// (*rpc.Client, or crashinfo.Unreachable to say why it cannot be);
	// nil leaves those out of the mail.
	supervisor crashinfo.Source
	// asking logs, once until it changes or recovers, why supervisord
	// cannot be asked: a wrong password or a missing socket is a
	// configuration problem the log must show, not only each mail.
	asking *log.Recurring
	// mailing logs, once until it changes or recovers, that mail cannot
	// go and events are rejected for it: without an outbox, supervisord
	// delivers a rejected event again and again while the server is down.
	mailing *log.Recurring
	ob      *outbox.Outbox
	sink    *mail.Sink

	stopOnce sync.Once
	stopped  chan struct{}

	mu sync.Mutex
	// pending is, without an outbox, the mail of the last event whose
	// delivery failed, so that its redelivery sends the very same message
	// (same Date, same details; the Message-ID is the event's anyway).
	pending *pendingMail
}

type pendingMail struct {
	item     outbox.Item
	failures int
}

// newHandler returns the handler for cfg, its outbox open and delivering
// what an earlier run left.
func newHandler(cfg config, supervisor crashinfo.Source) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := &handler{cfg: cfg, supervisor: supervisor, sink: cfg.mail.Sink(), stopped: make(chan struct{}),
		asking:  log.NewRecurring(cfg.log, slog.LevelWarn, cfg.clock),
		mailing: log.NewRecurring(cfg.log, slog.LevelError, cfg.clock)}
	oc := cfg.outbox
	oc.Program, oc.Log, oc.Clock, oc.SyncRetry = "crashmail", cfg.log, cfg.clock, cfg.retry
	oc.Sinks = map[string]outbox.Sink{mail.SinkName: h.sink}
	ob, err := outbox.Open(oc)
	if err != nil {
		return nil, err
	}
	h.ob = ob
	ob.Start()
	return h, nil
}

// HandleEvent mails about PROCESS_STATE_EXITED events with expected:0 for
// selected processes and acknowledges everything else untouched, so that
// subscribing to PROCESS_STATE works as well as PROCESS_STATE_EXITED. It
// returns nil for a crash once its mail is in the outbox (or, without
// one, was accepted by the SMTP server or sendmail); otherwise it returns
// an error, the event is rejected and supervisord delivers it again.
func (h *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	if ev.EventName != listener.ProcessStateExited {
		return nil
	}
	received := time.Now()
	ps, err := ev.ProcessState()
	if err != nil {
		log.MalformedEvent(h.cfg.log, ev, err)
		return nil
	}
	if ps.Expected || !h.cfg.selector.Selects(ps.GroupName, ps.ProcessName) {
		return nil
	}
	key := outbox.EventKey(ev)
	if h.ob.Seen(mail.SinkName, key) {
		return nil // a redelivery of an event whose mail is queued or sent
	}
	h.mu.Lock()
	again := h.pending != nil && h.pending.item.Key == key // a redelivery of a rejected event, said already
	h.mu.Unlock()
	it, err := h.item(ctx, key, ps)
	if err != nil {
		// A mail that cannot be rendered never will be.
		h.cfg.log.Error(fmt.Sprintf("cannot mail about %s: %v", ps.Namespec(), err))
		return nil
	}
	if !again {
		h.cfg.log.Info(fmt.Sprintf("unexpected exit of %s (pid %d), mailing %s", ps.Namespec(), ps.PID, strings.Join(h.cfg.mail.To, ", ")))
	}
	err = h.ob.Update(ctx, func(tx *outbox.Tx) error { tx.Enqueue(it); return nil })
	if err == nil {
		h.forget(key)
		h.mailing.Recover(fmt.Sprintf("mail to %s goes again", h.cfg.mail))
		return nil
	}
	h.mailing.FailAs(retry.Cause(err).Error(), fmt.Sprintf("could not mail %s about %s: %v; rejecting the event so that supervisord delivers it again",
		h.cfg.mail, ps.Namespec(), err))
	if h.failed(key) > 1 {
		h.pace(ctx, received)
	}
	return fmt.Errorf("mail about %s not sent: %w", ps.Namespec(), err)
}

// Stop ends a synchronous delivery's retries at once (SIGTERM).
func (h *handler) Stop() {
	h.stopOnce.Do(func() { close(h.stopped) })
	h.ob.Stop()
}

// Shutdown lets a delivery under way finish briefly and closes the
// outbox; what is undelivered waits there for the next start.
func (h *handler) Shutdown(ctx context.Context) error { return h.ob.Close(ctx) }

// pace waits until failDelay has passed since received, so that an event
// that keeps failing comes back at most once per failDelay.
func (h *handler) pace(ctx context.Context, received time.Time) {
	if wait := h.cfg.failDelay - time.Since(received); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-h.stopped:
		}
	}
}

// failed counts a failed delivery of key's mail and returns how many
// there were.
func (h *handler) failed(key string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending == nil || h.pending.item.Key != key {
		return 1
	}
	h.pending.failures++
	return h.pending.failures
}

// item returns the outbox item of a crash: the one already built if this
// is a redelivery of an event whose mail failed, else a new one, with the
// facts of now.
func (h *handler) item(ctx context.Context, key string, ps listener.ProcessStateEvent) (outbox.Item, error) {
	h.mu.Lock()
	if p := h.pending; p != nil && p.item.Key == key {
		h.mu.Unlock()
		return p.item, nil
	}
	h.mu.Unlock()

	at := h.cfg.clock.Now()
	var d crashinfo.Details
	if h.supervisor != nil {
		dctx, cancel := context.WithTimeout(ctx, h.cfg.detailsTimeout)
		d = crashinfo.Fetch(dctx, h.supervisor, ps, crashinfo.Options{TailLines: h.cfg.tailLines})
		cancel()
		h.noteAsking(d.InfoErr)
	} else {
		d.InfoErr = errors.New("crashmail has no connection to supervisord")
	}
	it, err := h.sink.Item(key, mail.Message{
		From:    h.cfg.mail.From,
		To:      h.cfg.mail.To,
		Subject: subject(h.cfg.header, ps.ProcessName, at),
		Body:    body(ps, at, h.cfg.hostname, d),
		Date:    at,
	})
	if err != nil {
		return outbox.Item{}, err
	}
	h.mu.Lock()
	h.pending = &pendingMail{item: it}
	h.mu.Unlock()
	return it, nil
}

// noteAsking logs whether supervisord could be asked about a crash: the
// first failure, a different one, and the recovery.
func (h *handler) noteAsking(err error) {
	if err != nil {
		// The same failure of another call (getState at the start,
		// getProcessInfo at a crash) is the same problem: the key leaves
		// out the method that starts the rpc package's messages.
		key := err.Error()
		if _, rest, ok := strings.Cut(key, ": "); ok && strings.HasPrefix(key, "supervisor.") {
			key = rest
		}
		h.asking.FailAs(key, fmt.Sprintf("%v; mails will carry only what the event says", err))
		return
	}
	h.asking.Recover("supervisord answers again: mails carry the exit status, uptime and logs")
}

// forget drops the kept mail once it is queued or delivered.
func (h *handler) forget(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending != nil && h.pending.item.Key == key {
		h.pending = nil
	}
}
