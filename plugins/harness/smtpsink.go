package harness

import (
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSink is the built-in SMTP server a scenario's listener mails to: it
// accepts every message and keeps it, with the point of the transcript it
// arrived at. It is go-smtp's server, as internal/testkit/mailserver's is;
// that one is bound to a testing.TB, which a shipped command has not.
type smtpSink struct {
	srv  *smtp.Server
	ln   net.Listener
	pos  func() int
	mu   sync.Mutex
	msgs []arrival
}

// causalHold is how long a sink holds a message or request before noting
// where in the transcript it arrived, and answering. A listener that
// answered OK before sending it wrote the answer first, but the harness
// reads that answer on another goroutine, which a loaded machine may run
// later: after the hold it has. A listener that waits for the answer
// before its OK cannot have written it during the hold.
const causalHold = 100 * time.Millisecond

// arrival is one message or request a sink received.
type arrival struct {
	at   int    // the transcript's length when it arrived
	text string // the message, or the request as "METHOD URI" and body
	pid  int    // the listener that sent it (peer.go), 0 if unknown
}

func newSMTPSink(pos func() int) (*smtpSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &smtpSink{ln: ln, pos: pos}
	k.srv = smtp.NewServer(k)
	k.srv.Domain = "localhost"
	k.srv.ReadTimeout = time.Minute
	k.srv.WriteTimeout = time.Minute
	k.srv.AllowInsecureAuth = true
	// A listener killed mid-session (durable) is no error of the harness's.
	k.srv.ErrorLog = log.New(io.Discard, "", 0)
	go k.srv.Serve(ln) //nolint:errcheck // ends with Close
	return k, nil
}

func (k *smtpSink) addr() string { return k.ln.Addr().String() }

func (k *smtpSink) close() { k.srv.Close() }

func (k *smtpSink) messages() []arrival {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]arrival(nil), k.msgs...)
}

// NewSession implements smtp.Backend. It reads which listener is
// connecting while the client waits for the greeting.
func (k *smtpSink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &sinkSession{k: k, pid: senderOf(c.Conn())}, nil
}

type sinkSession struct {
	k    *smtpSink
	pid  int
	from string
	to   []string
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data keeps the message before the server answers 250, so that the
// transcript position is before anything the listener does next.
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(causalHold)
	s.k.mu.Lock()
	s.k.msgs = append(s.k.msgs, arrival{at: s.k.pos(), text: string(b), pid: s.pid})
	s.k.mu.Unlock()
	return nil
}
