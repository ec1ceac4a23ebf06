package orderedstartup

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
)

// mailQueueSize bounds the reports waiting for the mail server. Startup
// problems come in handfuls; past this, reports are logged but not
// mailed.
const mailQueueSize = 32

// A Mailer mails the starter's reports from a goroutine of its own, so
// that a slow or unreachable mail server never holds up startup: every
// report is on stderr at once, and the mail follows.
type Mailer struct {
	sender  mail.Sender
	to      []string
	prefix  string
	policy  retry.Policy
	log     io.Writer
	stopped chan struct{}

	mu     sync.Mutex // guards queue against a Notify after Close
	queue  chan mail.Message
	closed bool
}

// NewMailer starts a Mailer sending to the recipients to through sender,
// each message retried as policy allows. prefix starts every subject;
// failures to send are logged to log.
func NewMailer(sender mail.Sender, to []string, prefix string, policy retry.Policy, log io.Writer) *Mailer {
	m := &Mailer{sender: sender, to: to, prefix: prefix, policy: policy, log: log,
		queue: make(chan mail.Message, mailQueueSize), stopped: make(chan struct{})}
	go m.loop()
	return m
}

// Notify queues a report. It never blocks: with the queue full the report
// is only logged.
func (m *Mailer) Notify(subject, body string) {
	msg := mail.Message{To: m.to, Subject: m.prefix + subject, Body: body, Date: time.Now()}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	select {
	case m.queue <- msg:
	default:
		fmt.Fprintf(m.log, "%s WARN too many reports waiting for the mail server: not mailing %q\n", asctime.Format(time.Now()), msg.Subject)
	}
}

func (m *Mailer) loop() {
	defer close(m.stopped)
	for msg := range m.queue {
		if err := mail.Deliver(context.Background(), m.sender, msg, m.policy); err != nil {
			fmt.Fprintf(m.log, "%s ERROR could not mail %q to %v: %v\n", asctime.Format(time.Now()), msg.Subject, m.to, err)
		}
	}
}

// Close sends what is queued, waiting at most wait, and stops the Mailer.
func (m *Mailer) Close(wait time.Duration) {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.queue)
	}
	m.mu.Unlock()
	select {
	case <-m.stopped:
	case <-time.After(wait):
		fmt.Fprintf(m.log, "%s WARN gave up waiting for the mail server after %s: reports may not have been mailed\n", asctime.Format(time.Now()), wait)
	}
}

// lockedWriter serializes writes from the starter and the mailer to one
// stream.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
