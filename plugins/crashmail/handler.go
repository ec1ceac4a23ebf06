package crashmail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/mail"
)

// handler mails each unexpected exit of a selected process and ignores
// every other event.
type handler struct {
	cfg config
	// supervisor is asked for the process's exit status, uptime and logs
	// (*rpc.Client, or crashinfo.Unreachable to say why it cannot be);
	// nil leaves those out of the mail.
	supervisor crashinfo.Source
	// stopping, when closed, says that the listener was asked to stop:
	// an event that keeps failing is then rejected without waiting out
	// failDelay, so that the listener exits promptly.
	stopping <-chan struct{}

	mu sync.Mutex
	// pending is the mail of the last event whose delivery failed, so that
	// its redelivery sends the very same message (same Date, same
	// Message-ID, same details): a recipient whose server had in fact
	// accepted the first attempt sees a duplicate it can recognise.
	pending *pendingMail
}

type pendingMail struct {
	key      string
	msg      mail.Message
	failures int
}

// newHandler returns the handler for cfg.
func newHandler(cfg config, supervisor crashinfo.Source, stopping <-chan struct{}) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &handler{cfg: cfg, supervisor: supervisor, stopping: stopping}, nil
}

// HandleEvent mails about PROCESS_STATE_EXITED events with expected:0 for
// selected processes and acknowledges everything else untouched, so that
// subscribing to PROCESS_STATE works as well as PROCESS_STATE_EXITED. It
// returns nil for a crash only once the mail was accepted by the SMTP
// server or the sendmail command exited 0; otherwise it returns an error,
// the event is rejected and supervisord delivers it again.
func (h *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	if ev.EventName != listener.ProcessStateExited {
		return nil
	}
	received := time.Now()
	ps, err := ev.ProcessState()
	if err != nil {
		// Redelivering a payload that cannot be parsed cannot help.
		h.cfg.log.Warn(fmt.Sprintf("ignoring event %d: %v", ev.Serial, err))
		return nil
	}
	if ps.Expected || !h.cfg.selector.Selects(ps.GroupName, ps.ProcessName) {
		return nil
	}

	msg := h.message(ctx, ev, ps)
	to := strings.Join(h.cfg.mail.To, ", ")
	h.cfg.log.Info(fmt.Sprintf("unexpected exit of %s (pid %d), mailing %s", ps.Namespec(), ps.PID, to))

	policy := h.cfg.retry
	if policy.OnRetry == nil {
		policy.OnRetry = func(attempt int, err error, wait time.Duration) {
			h.cfg.log.Warn(fmt.Sprintf("mail about %s not sent (attempt %d): %v; trying again in %s",
				ps.Namespec(), attempt, err, wait.Round(100*time.Millisecond)))
		}
	}
	err = mail.Deliver(ctx, h.cfg.mail.Sender, msg, policy)
	if err == nil {
		h.forget(ev)
		h.cfg.log.Info(fmt.Sprintf("mailed %s: %s", to, msg.Subject))
		return nil
	}
	h.cfg.log.Error(fmt.Sprintf("could not mail %s about %s: %v; rejecting the event so that supervisord delivers it again",
		to, ps.Namespec(), err))
	if h.failed(ev) > 1 {
		h.pace(ctx, received)
	}
	return fmt.Errorf("mail about %s not sent: %w", ps.Namespec(), err)
}

// Shutdown returns at once: every mail is sent, or given up, within
// HandleEvent.
func (h *handler) Shutdown(ctx context.Context) error { return nil }

// pace waits until failDelay has passed since received, so that an event
// that keeps failing comes back at most once per failDelay.
func (h *handler) pace(ctx context.Context, received time.Time) {
	if wait := h.cfg.failDelay - time.Since(received); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-h.stopping:
		}
	}
}

// failed counts a failed delivery of ev's mail and returns how many there
// were.
func (h *handler) failed(ev listener.Event) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending == nil || h.pending.key != eventKey(ev) {
		return 1
	}
	h.pending.failures++
	return h.pending.failures
}

// message returns the mail for a crash: the one already built if this is
// a redelivery of an event whose mail failed, else a new one.
func (h *handler) message(ctx context.Context, ev listener.Event, ps listener.ProcessStateEvent) mail.Message {
	key := eventKey(ev)
	h.mu.Lock()
	if p := h.pending; p != nil && p.key == key {
		h.mu.Unlock()
		return p.msg
	}
	h.mu.Unlock()

	at := h.cfg.clock.Now()
	var d crashinfo.Details
	if h.supervisor != nil {
		dctx, cancel := context.WithTimeout(ctx, h.cfg.detailsTimeout)
		d = crashinfo.Fetch(dctx, h.supervisor, ps, crashinfo.Options{TailLines: h.cfg.tailLines})
		cancel()
	} else {
		d.InfoErr = errors.New("crashmail has no connection to supervisord")
	}
	msg := mail.Message{
		From:      h.cfg.mail.From,
		To:        h.cfg.mail.To,
		Subject:   subject(h.cfg.header, ps.ProcessName, at),
		Body:      body(ps, at, h.cfg.hostname, d),
		Date:      at,
		MessageID: messageID(at, ev.Serial, h.cfg.hostname),
	}
	h.mu.Lock()
	h.pending = &pendingMail{key: key, msg: msg}
	h.mu.Unlock()
	return msg
}

// forget drops the kept mail once it was delivered.
func (h *handler) forget(ev listener.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending != nil && h.pending.key == eventKey(ev) {
		h.pending = nil
	}
}

// eventKey identifies one event across redeliveries: supervisord
// redelivers it with the same serials and payload.
func eventKey(ev listener.Event) string {
	return fmt.Sprintf("%s/%d/%d/%s", ev.Pool, ev.Serial, ev.PoolSerial, ev.Payload)
}
