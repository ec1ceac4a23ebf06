// Package mailbatch holds the batch mailers crashmailbatch, fatalmailbatch
// and crashsms, drop-in replacements for superlance's. Each collects one
// kind of process state event into a batch of lines and mails the batch
// once per interval, counted in supervisord's TICK events. They share one
// engine, the Monitor, and differ only in their Kind.
//
// Nothing is dropped: a batch whose mail fails is kept, merged with the
// lines collected since, and sent again at the next interval; a batch
// still pending when the listener is stopped (SIGTERM) or supervisord goes
// away (end of input) is sent before the listener exits. With a spool
// file, the lines also survive the listener being killed.
package mailbatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// Config configures a Monitor.
type Config struct {
	// Kind says which events are collected and how they are worded.
	Kind Kind
	// Selector picks the processes reported on; nil means every process.
	Selector *selection.Selector
	// TickEvent is the tick that paces the batches; "" means TICK_60.
	TickEvent listener.EventType
	// Interval is the time between batches, counted in TickEvent ticks
	// and rounded to whole seconds (see Cadence).
	Interval time.Duration

	// From, To and Subject address the mail. To needs at least one
	// recipient. Subject "" means no Subject header: callers pass
	// Kind.DefaultSubject unless told otherwise.
	From    string
	To      []string
	Subject string
	// Sender delivers the mail; required.
	Sender mail.Sender
	// Retry bounds the attempts to send one batch. A Policy without
	// MaxAttempts or MaxElapsed means mail.DefaultRetryPolicy() (keeping
	// its Clock and OnRetry).
	Retry retry.Policy

	// Spool, if set, is a file that holds the pending lines on disk (see
	// Spool).
	Spool string

	// Now is the clock for the lines' timestamps; nil means time.Now.
	Now func() time.Time
	// Log receives each collected line and one line per batch sent or
	// failed; nil discards.
	Log *slog.Logger
}

// Monitor is the batch mailers' handler. It collects lines on process
// state events and sends them from a background goroutine when a tick
// completes the interval, so that a slow or unreachable mail server never
// holds up supervisord's events. Call Flush, then Close, once serving
// ends.
type Monitor struct {
	cfg     Config
	cadence *Cadence
	period  time.Duration

	mu       sync.Mutex
	lines    []string // pending, oldest first
	spool    *Spool
	lastTick time.Time
	warned   bool // about missing ticks

	sending chan struct{} // non-nil while a batch is being sent; closed when done
}

// New returns a Monitor for cfg, with the lines a spool kept from an
// earlier run already pending.
func New(cfg Config) (*Monitor, error) {
	if cfg.Sender == nil {
		return nil, errors.New("mailbatch: Config.Sender is nil")
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("mailbatch: Config.To lists no recipient")
	}
	if cfg.Kind.Word == nil {
		return nil, errors.New("mailbatch: Config.Kind is not set")
	}
	if cfg.TickEvent == "" {
		cfg.TickEvent = listener.Tick60
	}
	cadence, err := NewCadence(cfg.TickEvent, cfg.Interval)
	if err != nil {
		return nil, err
	}
	if cfg.Retry.MaxAttempts <= 0 && cfg.Retry.MaxElapsed <= 0 {
		p := mail.DefaultRetryPolicy()
		p.OnRetry, p.Clock = cfg.Retry.OnRetry, cfg.Retry.Clock
		cfg.Retry = p
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = log.Discard()
	}
	period, _ := cfg.TickEvent.TickPeriod()
	m := &Monitor{cfg: cfg, cadence: cadence, period: period, lastTick: cfg.Now()}
	if cfg.Spool != "" {
		s, lines, err := OpenSpool(cfg.Spool)
		if err != nil {
			return nil, err
		}
		m.spool, m.lines = s, lines
		if len(lines) > 0 {
			cfg.Log.Info(fmt.Sprintf("%d line(s) left pending by an earlier run read back from spool %s", len(lines), s.Path()))
		}
	}
	return m, nil
}

// HandleEvent collects the events of the Monitor's Kind for selected
// processes and counts the ticks. A collected event is acknowledged once
// its line is pending (and, with a spool, on disk); if the spool cannot be
// written, the event is rejected, so that supervisord delivers it again.
func (m *Monitor) HandleEvent(ctx context.Context, ev listener.Event) error {
	now := m.cfg.Now()
	if ps, line, ok := m.cfg.Kind.line(ev, now); ok {
		if !m.cfg.Selector.Selects(ps.GroupName, ps.ProcessName) {
			return nil
		}
		return m.add(ctx, line, now)
	}
	if ev.EventName == m.cfg.TickEvent {
		m.mu.Lock()
		m.lastTick, m.warned = now, false
		due := m.cadence.Tick()
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

func (m *Monitor) add(ctx context.Context, line string, now time.Time) error {
	if err := m.keep(line, now); err != nil {
		m.cfg.Log.Error(fmt.Sprintf("could not keep %q: %v; rejecting the event so that supervisord delivers it again", line, err))
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
func (m *Monitor) keep(line string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.spool != nil {
		if err := m.spool.Append(line); err != nil {
			return err
		}
	}
	m.lines = append(m.lines, line)
	m.cfg.Log.Info(line)
	// superlance users who subscribed to another tick than -e names
	// waited for mail forever (superlance issue #97): say so.
	if !m.warned && now.Sub(m.lastTick) > 2*m.period+time.Minute {
		m.warned = true
		m.cfg.Log.Warn(fmt.Sprintf("no %s event received for %s; batches are only sent on %s: subscribe to it (events=PROCESS_STATE,%s) or change -e/--tickEvent",
			m.cfg.TickEvent, now.Sub(m.lastTick).Round(time.Second), m.cfg.TickEvent, m.cfg.TickEvent))
	}
	return nil
}

// Pending returns the lines waiting to be sent, oldest first.
func (m *Monitor) Pending() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.lines...)
}

// startSend sends the pending lines in the background unless a send is
// already under way; lines it does not take wait for the next interval.
func (m *Monitor) startSend() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.lines) == 0 {
		return
	}
	if m.sending != nil {
		m.cfg.Log.Info(fmt.Sprintf("the previous batch is still being sent; %d line(s) wait for the next interval", len(m.lines)))
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
func (m *Monitor) send(ctx context.Context, lines []string) error {
	msg := mail.Message{
		From:    m.cfg.From,
		To:      m.cfg.To,
		Subject: m.cfg.Subject,
		Body:    strings.Join(lines, "\n") + "\n",
	}
	to := strings.Join(m.cfg.To, ", ")
	policy := m.cfg.Retry
	if policy.OnRetry == nil {
		policy.OnRetry = func(attempt int, err error, wait time.Duration) {
			m.cfg.Log.Warn(fmt.Sprintf("batch of %d line(s) not sent (attempt %d): %v; trying again in %s",
				len(lines), attempt, err, wait.Round(100*time.Millisecond)))
		}
	}
	if err := mail.Deliver(ctx, m.cfg.Sender, msg, policy); err != nil {
		m.cfg.Log.Error(fmt.Sprintf("could not send the batch of %d line(s) to %s: %v; keeping the lines for the next interval",
			len(lines), to, err))
		return err
	}
	m.cfg.Log.Info(fmt.Sprintf("sent a batch of %d line(s) to %s, subject %q", len(lines), to, m.cfg.Subject))

	m.mu.Lock()
	defer m.mu.Unlock()
	// Lines collected meanwhile were appended after the ones sent.
	m.lines = append([]string(nil), m.lines[min(len(lines), len(m.lines)):]...)
	if m.spool != nil {
		if err := m.spool.Rewrite(m.lines); err != nil {
			// The mail went; at worst the next run sends these lines again.
			m.cfg.Log.Warn(fmt.Sprintf("%v; lines already sent may be sent again after a restart", err))
		}
	}
	return nil
}

// WaitIdle waits until no batch is being sent, or ctx ends.
func (m *Monitor) WaitIdle(ctx context.Context) error {
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

// Flush sends every pending line now, after the send under way if any,
// retrying until ctx ends. The listener calls it once serving has ended
// (SIGTERM, or the end of its input), so that no batch is left unsent.
func (m *Monitor) Flush(ctx context.Context) error {
	if err := m.WaitIdle(ctx); err != nil {
		return m.unsent(err)
	}
	lines := m.Pending()
	if len(lines) == 0 {
		return nil
	}
	if err := m.send(ctx, lines); err != nil {
		return m.unsent(err)
	}
	return nil
}

func (m *Monitor) unsent(err error) error {
	n := len(m.Pending())
	if m.spool != nil {
		return fmt.Errorf("%d pending line(s) not sent, kept in spool %s for the next start: %w", n, m.spool.Path(), err)
	}
	return fmt.Errorf("%d pending line(s) not sent and lost (keep them across restarts with --spool): %w", n, err)
}

// Close releases the spool. Call it after Flush.
func (m *Monitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.spool == nil {
		return nil
	}
	err := m.spool.Close()
	m.spool = nil
	return err
}
