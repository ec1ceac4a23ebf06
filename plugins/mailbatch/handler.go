package mailbatch

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// The pending batch is kept in the outbox in three parts: the lines, one
// list entry each, so that collecting a line writes that line only and
// costs the same however many are pending (see the package doc); the
// keys of the lines that already left in a batch, another list; and the
// count of ticks, a saved value.
const (
	// stateName is the outbox state that holds the count of ticks (and,
	// in stores written before the lists, the lines: see migrate).
	stateName = "batch"
	// linesList holds the pending lines, oldest first, keyed by event.
	linesList = "batch.lines"
	// recentList holds the keys of the last recentKeys lines mailed.
	recentList = "batch.recent"
)

// recentKeys is how many keys of lines already batched the outbox
// remembers, so that an event delivered again after its line left in a
// batch is not collected twice.
const recentKeys = 256

// batch is the saved part of the pending batch.
type batch struct {
	// Lines and Recent are where stores written by golance before the
	// lists kept the lines and the keys of lines mailed; migrate moves
	// them into linesList and recentList.
	Lines  []batchLine `json:"lines,omitempty"`
	Recent []string    `json:"recent,omitempty"`
	// Counted is the part of the interval the ticks since the last batch
	// make, in seconds (see cadence), kept here so that a restarted
	// listener continues the count and mails on the tick it would have
	// mailed on without the restart.
	Counted int64 `json:"counted,omitempty"`
	// Tick is the key of the last tick counted: a tick delivered again
	// (its listener killed after counting it, before its OK) is not
	// counted twice.
	Tick string `json:"tick,omitempty"`
}

// batchLine is one collected line and the event it came from, as stores
// before the lists kept it.
type batchLine struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

// migrate moves the lines and keys a store written before the lists keeps
// in the batch state into the lists, in one durable step.
func (m *handler) migrate() error {
	return m.ob.Update(context.Background(), func(tx *outbox.Tx) error {
		var b batch
		if _, err := tx.Load(stateName, &b); err != nil {
			return err
		}
		if len(b.Lines) == 0 && len(b.Recent) == 0 {
			return nil
		}
		for _, k := range b.Recent {
			if _, err := tx.Append(recentList, k, nil); err != nil {
				return err
			}
		}
		for _, l := range b.Lines {
			if _, err := tx.Append(linesList, l.Key, l.Text); err != nil {
				return err
			}
		}
		b.Lines, b.Recent = nil, nil
		return tx.Save(stateName, b)
	})
}

// handler is the batch mailers' handler. It collects lines on process
// state events into the pending batch, which the outbox keeps on disk
// with the count of ticks towards the interval, and when a tick completes
// the interval it turns the batch into a mail in the outbox before the
// tick's OK; the outbox delivers it in the background, so that a slow or
// unreachable mail server never holds up supervisord's events.
type handler struct {
	cfg     config
	cadence cadence
	period  time.Duration
	ob      *outbox.Outbox
	sink    *mail.Sink

	mu       sync.Mutex
	lastTick time.Time
	warned   bool // about missing ticks

	// Without a store (--outbox none) nothing survives the listener, and
	// the batch is sent in the background, since sending is then
	// delivering: counted is the count towards the interval, and sending
	// is non-nil while a batch is being sent, closed when done.
	counted int64
	sending chan struct{}
	// failing logs, once until it changes or recovers, a batch that
	// cannot be queued (without an outbox: sent), which is tried again
	// at every interval (with a store, at every tick).
	failing *log.Recurring
}

// newHandler returns the handler for cfg, its outbox open with the batch
// an earlier run left pending.
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
	m := &handler{cfg: cfg, cadence: cadence, period: period, lastTick: cfg.clock.Now(), sink: cfg.mail.Sink(),
		failing: log.NewRecurring(cfg.log, slog.LevelError, cfg.clock)}
	oc := cfg.outbox
	oc.Program, oc.Log, oc.Clock, oc.SyncRetry = cfg.kind.name, cfg.log, cfg.clock, cfg.retry
	oc.Sinks = map[string]outbox.Sink{mail.SinkName: m.sink}
	if m.ob, err = outbox.Open(oc); err != nil {
		return nil, err
	}
	if err := m.migrate(); err != nil {
		m.ob.Close(context.Background())
		return nil, fmt.Errorf("cannot read the pending batch: %w", err)
	}
	if cfg.spool != "" {
		if err := m.importSpool(cfg.spool); err != nil {
			m.ob.Close(context.Background())
			return nil, err
		}
	}
	m.logResumed()
	m.ob.Start()
	return m, nil
}

// HandleEvent collects the events of the handler's kind for selected
// processes and counts the ticks. A collected event is acknowledged once
// its line is in the pending batch, on disk; if the outbox cannot be
// written, in memory, and the outbox says so.
func (m *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	now := m.cfg.clock.Now()
	ps, line, ok, err := m.cfg.kind.line(ev, now)
	if err != nil {
		log.MalformedEvent(m.cfg.log, ev, err)
		return nil
	}
	if ok {
		if !m.cfg.selector.Selects(ps.GroupName, ps.ProcessName) {
			return nil
		}
		return m.add(ctx, outbox.EventKey(ev), line, now)
	}
	if ev.EventName == m.cfg.tickEvent {
		m.mu.Lock()
		m.lastTick, m.warned = now, false
		m.mu.Unlock()
		m.tick(ctx, ev)
	}
	return nil
}

// tick counts ev towards the interval and, when it completes it, turns the
// pending batch into a mail in the outbox: the count and the mail are one
// durable step, before the tick's OK, so that a listener killed at any
// point neither starts the interval again nor loses the batch. Without a
// store the count is kept in memory, as the batch is, and the batch is
// sent in the background.
//
// A tick that cannot be counted is still acknowledged: its lines stay
// pending, and the next tick tries again, whereas a rejected tick would
// come back at once and, with a store that cannot be written and a mail
// server that is down, again and again.
func (m *handler) tick(ctx context.Context, ev listener.Event) {
	on := string(ev.EventName)
	if t, err := ev.Tick(); err == nil {
		on += fmt.Sprintf(" when:%d", t.When.Unix())
	}
	if m.ob.Mode() != outbox.Durable {
		m.mu.Lock()
		var due bool
		m.counted, due = m.cadence.count(m.counted)
		m.mu.Unlock()
		if due {
			m.startSend(on)
		}
		return
	}
	key := outbox.EventKey(ev)
	due, n := false, 0
	err := m.ob.Update(ctx, func(tx *outbox.Tx) error {
		var b batch
		if _, err := tx.Load(stateName, &b); err != nil {
			return err
		}
		if b.Tick == key {
			return nil // delivered again: counted already
		}
		b.Tick = key
		if b.Counted, due = m.cadence.count(b.Counted); due {
			var err error
			if n, err = m.enqueue(tx); err != nil {
				return err
			}
		}
		return tx.Save(stateName, b)
	})
	switch {
	case err != nil && due:
		m.failing.FailAs(retry.Cause(err).Error(), fmt.Sprintf("could not queue the batch for %s on %s: %v; its lines are kept, and the next %s tries again", m.cfg.mail, on, err, m.cfg.tickEvent))
	case err != nil:
		m.failing.FailAs(retry.Cause(err).Error(), fmt.Sprintf("could not count %s towards the interval: %v; the next %s tries again", on, err, m.cfg.tickEvent))
	default:
		m.queued(n, on)
	}
}

// add puts line in the pending batch, unless its event is already there.
func (m *handler) add(ctx context.Context, key, line string, now time.Time) error {
	added := false
	err := m.ob.Update(ctx, func(tx *outbox.Tx) error {
		if tx.Has(recentList, key) {
			return nil // delivered again: its line left in a batch already
		}
		var err error
		added, err = tx.Append(linesList, key, line) // not added: collected already
		return err
	})
	if err != nil {
		m.cfg.log.Error(fmt.Sprintf("could not keep %q: %v; rejecting the event so that supervisord delivers it again", line, err))
		return err
	}
	if !added {
		return nil
	}
	m.cfg.log.Info(line)
	// superlance users who subscribed to another tick than -e names
	// waited for mail forever (superlance issue #97): say so.
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.warned && now.Sub(m.lastTick) > 2*m.period+time.Minute {
		m.warned = true
		m.cfg.log.Warn(fmt.Sprintf("no %s event received for %s; batches are only sent on %s: subscribe to it (events=PROCESS_STATE,%s) or change -e/--tickEvent",
			m.cfg.tickEvent, now.Sub(m.lastTick).Round(time.Second), m.cfg.tickEvent, m.cfg.tickEvent))
	}
	return nil
}

// saved returns the count of ticks towards the interval.
func (m *handler) saved() batch {
	var b batch
	_, _ = m.ob.LoadState(stateName, &b)
	return b
}

// pending returns the lines waiting for the next interval, oldest first.
func (m *handler) pending() []string {
	var out []string
	for _, e := range m.ob.Entries(linesList) {
		var text string
		if e.Decode(&text) == nil {
			out = append(out, text)
		}
	}
	return out
}

// logResumed says what an earlier run left in the outbox: lines pending,
// and the ticks of the interval it counted, which this run continues.
func (m *handler) logResumed() {
	n, ticks := len(m.ob.Entries(linesList)), m.cadence.ticks(m.saved().Counted)
	counted := fmt.Sprintf("%d of the %d %s of the interval counted", ticks, m.cadence.every(), m.cfg.tickEvent)
	switch {
	case n > 0 && ticks > 0:
		m.cfg.log.Info(fmt.Sprintf("%d line(s) left pending by an earlier run, in the %s; %s", n, m.ob, counted))
	case n > 0:
		m.cfg.log.Info(fmt.Sprintf("%d line(s) left pending by an earlier run, in the %s", n, m.ob))
	case ticks > 0:
		m.cfg.log.Info(fmt.Sprintf("%s by an earlier run, in the %s", counted, m.ob))
	}
}

// startSend sends the pending lines as one mail, due on the tick on, in
// the background (without a store, queueing is sending), unless a batch
// is already being sent; lines it does not take wait for the next
// interval.
func (m *handler) startSend(on string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sending != nil {
		m.cfg.log.Info("the previous batch is still being sent; the lines since wait for the next interval")
		return
	}
	done := make(chan struct{})
	m.sending = done
	go func() {
		defer func() {
			m.mu.Lock()
			m.sending = nil
			m.mu.Unlock()
			close(done)
		}()
		_ = m.send(context.Background(), on)
	}()
}

// send turns the pending batch into a mail in the outbox, in one step: a
// crash between the two leaves either the batch or the mail, never both
// or neither. on is the tick the batch is due on, or "" when the listener
// stops. Without an outbox the mail is sent first, and the batch kept
// (and merged with the lines collected next) if it cannot be.
func (m *handler) send(ctx context.Context, on string) error {
	n := 0
	err := m.ob.Update(ctx, func(tx *outbox.Tx) error {
		var err error
		n, err = m.enqueue(tx)
		return err
	})
	if err != nil {
		m.failing.FailAs(retry.Cause(err).Error(), fmt.Sprintf("could not send the batch to %s: %v; keeping the lines for the next interval", m.cfg.mail, err))
		return err
	}
	m.queued(n, on)
	return nil
}

// enqueue turns the pending lines into one mail in tx and takes them out
// of the batch, remembering their keys; it returns how many lines the
// mail has (0: nothing pending, nothing queued).
func (m *handler) enqueue(tx *outbox.Tx) (int, error) {
	lines := tx.Entries(linesList)
	if len(lines) == 0 {
		return 0, nil
	}
	texts := make([]string, len(lines))
	for i, l := range lines {
		if err := l.Decode(&texts[i]); err != nil {
			return 0, err
		}
	}
	it, err := m.sink.Item("batch/"+lines[0].Key, mail.Message{
		From:    m.cfg.mail.From,
		To:      m.cfg.mail.To,
		Subject: m.cfg.subject,
		Body:    strings.Join(texts, "\n") + "\n",
		Date:    m.cfg.clock.Now(),
	})
	if err != nil {
		return 0, err
	}
	if it.Subject == "" {
		it.Subject = fmt.Sprintf("a batch of %d line(s)", len(texts))
	}
	tx.Enqueue(it)
	// Only the last recentKeys can be remembered: appending the keys of
	// a longer batch would cost as many entries as the Trim then drops.
	for _, l := range lines[max(0, len(lines)-recentKeys):] {
		if _, err := tx.Append(recentList, l.Key, nil); err != nil {
			return 0, err
		}
	}
	tx.Trim(recentList, recentKeys)
	tx.Trim(linesList, 0)
	return len(texts), nil
}

// queued logs a batch of n lines queued, on the tick on ("" when the
// listener stops); n = 0 is nothing to say.
func (m *handler) queued(n int, on string) {
	if n == 0 {
		return
	}
	m.failing.Recover(fmt.Sprintf("the batches to %s go again", m.cfg.mail))
	if on != "" {
		on = ", on " + on
	}
	m.cfg.log.Info(fmt.Sprintf("queued a batch of %d line(s) for %s, subject %q%s", n, strings.Join(m.cfg.mail.To, ", "), m.cfg.subject, on))
}

// waitIdle waits until no batch is being queued, or ctx ends.
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

// Stop ends a synchronous delivery's retries at once (SIGTERM).
func (m *handler) Stop() { m.ob.Stop() }

// Shutdown queues the pending lines as a last batch, lets a delivery
// under way finish briefly, and closes the outbox, where whatever is
// undelivered waits for the next start. The listener calls it once
// serving has ended (SIGTERM, or the end of its input).
func (m *handler) Shutdown(ctx context.Context) error {
	err := m.flush(ctx)
	if cerr := m.ob.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// flush queues every pending line now, after the batch under way if any.
func (m *handler) flush(ctx context.Context) error {
	if err := m.waitIdle(ctx); err != nil {
		return m.unsent(err)
	}
	if err := m.send(ctx, ""); err != nil {
		return m.unsent(err)
	}
	return nil
}

func (m *handler) unsent(err error) error {
	n := len(m.pending())
	if m.ob.Mode() == outbox.Durable {
		return fmt.Errorf("%d pending line(s) not sent, kept in the %s for the next start: %w", n, m.ob, err)
	}
	return fmt.Errorf("%d pending line(s) not sent and lost (keep them across restarts with an --outbox): %w", n, err)
}
