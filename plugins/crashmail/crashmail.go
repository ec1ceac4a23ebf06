// Package crashmail is a supervisord event listener that mails when a
// process exits unexpectedly: a drop-in replacement for superlance's
// crashmail that honours -p and -a, refuses to start without a recipient,
// can send through SMTP as well as sendmail, adds the host, exit status,
// uptime and the end of the process's logs to the mail, and acknowledges a
// crash only once its mail was accepted, so that no alert is lost.
package crashmail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// Defaults for the zero fields of a Config.
const (
	DefaultTailLines      = 10
	DefaultDetailsTimeout = 10 * time.Second
	DefaultFailDelay      = 10 * time.Second
)

// Config configures a Mailer.
type Config struct {
	// Selector picks the processes to mail about; nil means every process.
	Selector *selection.Selector
	// OptionalHeader, when set, prefixes the subject as "<header>: ".
	OptionalHeader string

	// From is the sender address; "" lets sendmail fill it in.
	From string
	// To lists the recipients; at least one is required.
	To []string
	// Sender delivers the mail; required.
	Sender mail.Sender
	// Retry says how long one delivery is retried before the event is
	// rejected. A Policy without MaxAttempts or MaxElapsed means
	// mail.DefaultRetryPolicy() (keeping its Clock and OnRetry), because
	// the listener holds supervisord's events while it retries.
	Retry retry.Policy
	// FailDelay is the least time between receiving an event again and
	// rejecting it again after another failed delivery. supervisord
	// redelivers a rejected event at once, so without it a mail that
	// fails for good (a rejected login) would be retried in a tight loop.
	// The first failure of an event is answered at once. Zero means
	// DefaultFailDelay; negative means none.
	FailDelay time.Duration

	// Supervisor is asked for the process's exit status, uptime and logs
	// (*rpc.Client, or crashinfo.Unreachable to say why it cannot be);
	// nil leaves those out of the mail.
	Supervisor crashinfo.Source
	// TailLines is how many lines of the end of each log (stderr, then
	// stdout) the mail quotes; zero means none.
	TailLines int
	// DetailsTimeout bounds the questions to Supervisor for one event;
	// zero means DefaultDetailsTimeout. Past it, the mail goes without
	// the details rather than not at all.
	DetailsTimeout time.Duration

	// Stopping, when closed, tells the Mailer that the listener was asked
	// to stop: an event that keeps failing is then rejected without
	// waiting out FailDelay, so that the listener exits promptly.
	Stopping <-chan struct{}

	// Hostname is named in the mail; "" means os.Hostname().
	Hostname string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives one line per mail sent, retried or failed; nil discards.
	Log *slog.Logger
}

// Mailer is the crashmail handler: it mails each unexpected exit of a
// selected process and ignores every other event.
type Mailer struct {
	cfg Config

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

// New returns a Mailer for cfg.
func New(cfg Config) (*Mailer, error) {
	if cfg.Sender == nil {
		return nil, errors.New("crashmail: Config.Sender is nil")
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("crashmail: Config.To lists no recipient")
	}
	if cfg.Retry.MaxAttempts <= 0 && cfg.Retry.MaxElapsed <= 0 {
		// Unbounded retries would hold supervisord's events forever.
		p := mail.DefaultRetryPolicy()
		p.OnRetry, p.Clock = cfg.Retry.OnRetry, cfg.Retry.Clock
		cfg.Retry = p
	}
	if cfg.FailDelay == 0 {
		cfg.FailDelay = DefaultFailDelay
	}
	if cfg.DetailsTimeout <= 0 {
		cfg.DetailsTimeout = DefaultDetailsTimeout
	}
	if cfg.Hostname == "" {
		cfg.Hostname, _ = os.Hostname()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = log.Discard()
	}
	return &Mailer{cfg: cfg}, nil
}

// HandleEvent mails about PROCESS_STATE_EXITED events with expected:0 for
// selected processes and acknowledges everything else untouched, so that
// subscribing to PROCESS_STATE works as well as PROCESS_STATE_EXITED. It
// returns nil for a crash only once the mail was accepted by the SMTP
// server or the sendmail command exited 0; otherwise it returns an error,
// the event is rejected and supervisord delivers it again.
func (m *Mailer) HandleEvent(ctx context.Context, ev listener.Event) error {
	if ev.EventName != listener.ProcessStateExited {
		return nil
	}
	received := time.Now()
	ps, err := ev.ProcessState()
	if err != nil {
		// Redelivering a payload that cannot be parsed cannot help.
		m.cfg.Log.Warn(fmt.Sprintf("ignoring event %d: %v", ev.Serial, err))
		return nil
	}
	if ps.Expected || !m.cfg.Selector.Selects(ps.GroupName, ps.ProcessName) {
		return nil
	}

	msg := m.message(ctx, ev, ps)
	to := strings.Join(m.cfg.To, ", ")
	m.cfg.Log.Info(fmt.Sprintf("unexpected exit of %s (pid %d), mailing %s", ps.Namespec(), ps.PID, to))

	policy := m.cfg.Retry
	if policy.OnRetry == nil {
		policy.OnRetry = func(attempt int, err error, wait time.Duration) {
			m.cfg.Log.Warn(fmt.Sprintf("mail about %s not sent (attempt %d): %v; trying again in %s",
				ps.Namespec(), attempt, err, wait.Round(100*time.Millisecond)))
		}
	}
	err = mail.Deliver(ctx, m.cfg.Sender, msg, policy)
	if err == nil {
		m.forget(ev)
		m.cfg.Log.Info(fmt.Sprintf("mailed %s: %s", to, msg.Subject))
		return nil
	}
	m.cfg.Log.Error(fmt.Sprintf("could not mail %s about %s: %v; rejecting the event so that supervisord delivers it again",
		to, ps.Namespec(), err))
	if m.failed(ev) > 1 {
		m.pace(ctx, received)
	}
	return fmt.Errorf("mail about %s not sent: %w", ps.Namespec(), err)
}

// pace waits until FailDelay has passed since received, so that an event
// that keeps failing comes back at most once per FailDelay.
func (m *Mailer) pace(ctx context.Context, received time.Time) {
	if wait := m.cfg.FailDelay - time.Since(received); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-m.cfg.Stopping:
		}
	}
}

// failed counts a failed delivery of ev's mail and returns how many there
// were.
func (m *Mailer) failed(ev listener.Event) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pending == nil || m.pending.key != eventKey(ev) {
		return 1
	}
	m.pending.failures++
	return m.pending.failures
}

// message returns the mail for a crash: the one already built if this is
// a redelivery of an event whose mail failed, else a new one.
func (m *Mailer) message(ctx context.Context, ev listener.Event, ps listener.ProcessStateEvent) mail.Message {
	key := eventKey(ev)
	m.mu.Lock()
	if p := m.pending; p != nil && p.key == key {
		m.mu.Unlock()
		return p.msg
	}
	m.mu.Unlock()

	at := m.cfg.Now()
	var d crashinfo.Details
	if m.cfg.Supervisor != nil {
		dctx, cancel := context.WithTimeout(ctx, m.cfg.DetailsTimeout)
		d = crashinfo.Fetch(dctx, m.cfg.Supervisor, ps, crashinfo.Options{TailLines: m.cfg.TailLines})
		cancel()
	} else {
		d.InfoErr = errors.New("crashmail has no connection to supervisord")
	}
	msg := mail.Message{
		From:      m.cfg.From,
		To:        m.cfg.To,
		Subject:   Subject(m.cfg.OptionalHeader, ps.ProcessName, at),
		Body:      body(ps, at, m.cfg.Hostname, d),
		Date:      at,
		MessageID: messageID(at, ev.Serial, m.cfg.Hostname),
	}
	m.mu.Lock()
	m.pending = &pendingMail{key: key, msg: msg}
	m.mu.Unlock()
	return msg
}

// forget drops the kept mail once it was delivered.
func (m *Mailer) forget(ev listener.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pending != nil && m.pending.key == eventKey(ev) {
		m.pending = nil
	}
}

// eventKey identifies one event across redeliveries: supervisord
// redelivers it with the same serials and payload.
func eventKey(ev listener.Event) string {
	return fmt.Sprintf("%s/%d/%d/%s", ev.Pool, ev.Serial, ev.PoolSerial, ev.Payload)
}

// messageID makes a Message-ID unique to one crash mail.
func messageID(at time.Time, serial uint64, host string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	domain := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, host)
	if strings.Trim(domain, ".-") == "" || strings.Contains(domain, "..") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		domain = "localhost"
	}
	return fmt.Sprintf("<crashmail.%d.%d.%s@%s>", at.UnixNano(), serial, hex.EncodeToString(b[:]), domain)
}
