package orderedstartup

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/retry"
)

// mailQueueSize bounds the reports waiting for the mail server. Startup
// problems come in handfuls; past this, reports are logged but not
// mailed.
const mailQueueSize = 32

// A reportMailer mails the handler's reports from a goroutine of its own,
// so that a slow or unreachable mail server never holds up startup: every
// report is on stderr at once, and the mail follows.
type reportMailer struct {
	d       *mailcli.Delivery
	prefix  string
	policy  retry.Policy
	log     *slog.Logger
	stopped chan struct{}

	mu     sync.Mutex // guards queue against a notify after close
	queue  chan mail.Message
	closed bool
}

// newReportMailer starts a reportMailer sending as d says, each message
// retried as policy allows. prefix starts every subject; failures to send
// are logged to log.
func newReportMailer(d *mailcli.Delivery, prefix string, policy retry.Policy, log *slog.Logger) *reportMailer {
	m := &reportMailer{d: d, prefix: prefix, policy: policy, log: log,
		queue: make(chan mail.Message, mailQueueSize), stopped: make(chan struct{})}
	go m.loop()
	return m
}

// notify queues a report. It never blocks: with the queue full the report
// is only logged.
func (m *reportMailer) notify(subject, body string) {
	msg := mail.Message{From: m.d.From, To: m.d.To, Subject: m.prefix + subject, Body: body, Date: time.Now()}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	select {
	case m.queue <- msg:
	default:
		m.log.Warn(fmt.Sprintf("too many reports waiting for the mail server: not mailing %q", msg.Subject))
	}
}

func (m *reportMailer) loop() {
	defer close(m.stopped)
	for msg := range m.queue {
		m.send(context.Background(), msg)
	}
}

// send delivers one report and logs a failure.
func (m *reportMailer) send(ctx context.Context, msg mail.Message) {
	if err := mail.Deliver(ctx, m.d.Sender, msg, m.policy); err != nil {
		m.log.Error(fmt.Sprintf("could not mail %q to %s: %v", msg.Subject, strings.Join(m.d.To, ", "), err))
	}
}

// close sends what is queued, waiting at most wait, and stops the mailer.
func (m *reportMailer) close(wait time.Duration) {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.queue)
	}
	m.mu.Unlock()
	select {
	case <-m.stopped:
	case <-time.After(wait):
		m.log.Warn(fmt.Sprintf("gave up waiting for the mail server after %s: reports may not have been mailed", wait))
	}
}
