package mailbatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/mail"
)

// handler is the batch mailers' handler. It collects lines on process
// state events and sends them from a background goroutine when a tick
// completes the interval, so that a slow or unreachable mail server never
// holds up supervisord's events. Call Flush, then Close, once serving
// ends.
type handler struct {
	cfg     config
	cadence *cadence
	period  time.Duration

	mu       sync.Mutex
	lines    []string // pending, oldest first
	spool    *spool
	lastTick time.Time
	warned   bool // about missing ticks

	sending chan struct{} // non-nil while a batch is being sent; closed when done
}

// newHandler returns the handler for cfg, with the lines a spool kept
// from an earlier run already pending.
func newHandler(cfg config) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cadence, err := newCadence(cfg.tickEvent, cfg.interval)
	if err != nil {
		return nil, err
	}
	period, _ := cfg.tickEvent.TickPeriod()
	m := &handler{cfg: cfg, cadence: cadence, period: period, lastTick: cfg.clock.Now()}
	if cfg.spool != "" {
		s, lines, err := openSpool(cfg.spool)
		if err != nil {
			return nil, err
		}
		m.spool, m.lines = s, lines
		if len(lines) > 0 {
			cfg.log.Info(fmt.Sprintf("%d line(s) left pending by an earlier run read back from spool %s", len(lines), s.name))
		}
	}
	return m, nil
}

// HandleEvent collects the events of the handler's kind for selected
// processes and counts the ticks. A collected event is acknowledged once
// its line is pending (and, with a spool, on disk); if the spool cannot be
// written, the event is rejected, so that supervisord delivers it again.
func (m *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	now := m.cfg.clock.Now()
	if ps, line, ok := m.cfg.kind.line(ev, now); ok {
		if !m.cfg.selector.Selects(ps.GroupName, ps.ProcessName) {
			return nil
		}
		return m.add(ctx, line, now)
	}
	if ev.EventName == m.cfg.tickEvent {
		m.mu.Lock()
		m.lastTick, m.warned = now, false
		due := m.cadence.tick()
		m.mu.Unlock()
		if due {
			m.startSend()
		}
	}
	return nil
}

// spoolFailDelay paces the redeliveries of an event whose line cannot be
// written to the spool (a full disk): supervisord redelivers a rejected
// event at once.
const spoolFailDelay = time.Second

func (m *handler) add(ctx context.Context, line string, now time.Time) error {
	if err := m.keep(line, now); err != nil {
		m.cfg.log.Error(fmt.Sprintf("could not keep %q: %v; rejecting the event so that supervisord delivers it again", line, err))
		t := time.NewTimer(spoolFailDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return err
	}
	return nil
}

// keep adds line to the pending batch, and to the spool first.
func (m *handler) keep(line string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.spool != nil {
		if err := m.spool.append(line); err != nil {
			return err
		}
	}
	m.lines = append(m.lines, line)
	m.cfg.log.Info(line)
	// superlance users who subscribed to another tick than -e names
	// waited for mail forever (superlance issue #97): say so.
	if !m.warned && now.Sub(m.lastTick) > 2*m.period+time.Minute {
		m.warned = true
		m.cfg.log.Warn(fmt.Sprintf("no %s event received for %s; batches are only sent on %s: subscribe to it (events=PROCESS_STATE,%s) or change -e/--tickEvent",
			m.cfg.tickEvent, now.Sub(m.lastTick).Round(time.Second), m.cfg.tickEvent, m.cfg.tickEvent))
	}
	return nil
}

// pending returns the lines waiting to be sent, oldest first.
func (m *handler) pending() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.lines...)
}

// startSend sends the pending lines in the background unless a send is
// already under way; lines it does not take wait for the next interval.
func (m *handler) startSend() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.lines) == 0 {
		return
	}
	if m.sending != nil {
		m.cfg.log.Info(fmt.Sprintf("the previous batch is still being sent; %d line(s) wait for the next interval", len(m.lines)))
		return
	}
	lines := append([]string(nil), m.lines...)
	done := make(chan struct{})
	m.sending = done
	go func() {
		defer func() {
			m.mu.Lock()
			m.sending = nil
			m.mu.Unlock()
			close(done)
		}()
		_ = m.send(context.Background(), lines)
	}()
}

// send mails lines as one batch and, once the mail is accepted, removes
// them from the pending lines (and the spool).
func (m *handler) send(ctx context.Context, lines []string) error {
	msg := mail.Message{
		From:    m.cfg.mail.From,
		To:      m.cfg.mail.To,
		Subject: m.cfg.subject,
		Body:    strings.Join(lines, "\n") + "\n",
	}
	to := strings.Join(m.cfg.mail.To, ", ")
	policy := m.cfg.retry
	if policy.OnRetry == nil {
		policy.OnRetry = func(attempt int, err error, wait time.Duration) {
			m.cfg.log.Warn(fmt.Sprintf("batch of %d line(s) not sent (attempt %d): %v; trying again in %s",
				len(lines), attempt, err, wait.Round(100*time.Millisecond)))
		}
	}
	if err := mail.Deliver(ctx, m.cfg.mail.Sender, msg, policy); err != nil {
		m.cfg.log.Error(fmt.Sprintf("could not send the batch of %d line(s) to %s: %v; keeping the lines for the next interval",
			len(lines), to, err))
		return err
	}
	m.cfg.log.Info(fmt.Sprintf("sent a batch of %d line(s) to %s, subject %q", len(lines), to, m.cfg.subject))

	m.mu.Lock()
	defer m.mu.Unlock()
	// Lines collected meanwhile were appended after the ones sent.
	m.lines = append([]string(nil), m.lines[min(len(lines), len(m.lines)):]...)
	if m.spool != nil {
		if err := m.spool.rewrite(m.lines); err != nil {
			// The mail went; at worst the next run sends these lines again.
			m.cfg.log.Warn(fmt.Sprintf("%v; lines already sent may be sent again after a restart", err))
		}
	}
	return nil
}

// waitIdle waits until no batch is being sent, or ctx ends.
func (m *handler) waitIdle(ctx context.Context) error {
	m.mu.Lock()
	done := m.sending
	m.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown sends every pending line, after the send under way if any,
// retrying until ctx ends, and releases the spool. The listener calls it
// once serving has ended (SIGTERM, or the end of its input), so that no
// batch is left unsent.
func (m *handler) Shutdown(ctx context.Context) error {
	err := m.flush(ctx)
	return errors.Join(err, m.close())
}

// flush sends every pending line now, after the send under way if any,
// retrying until ctx ends.
func (m *handler) flush(ctx context.Context) error {
	if err := m.waitIdle(ctx); err != nil {
		return m.unsent(err)
	}
	lines := m.pending()
	if len(lines) == 0 {
		return nil
	}
	if err := m.send(ctx, lines); err != nil {
		return m.unsent(err)
	}
	return nil
}

func (m *handler) unsent(err error) error {
	n := len(m.pending())
	if m.spool != nil {
		return fmt.Errorf("%d pending line(s) not sent, kept in spool %s for the next start: %w", n, m.spool.name, err)
	}
	return fmt.Errorf("%d pending line(s) not sent and lost (keep them across restarts with --spool): %w", n, err)
}

// close releases the spool.
func (m *handler) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.spool == nil {
		return nil
	}
	err := m.spool.close()
	m.spool = nil
	return err
}
