// Package mailserver runs a real SMTP server in the test process, for the
// tests of package mail and of every plugin that sends mail.
//
// The server listens on 127.0.0.1, records each message exactly as it
// arrived, and can be told to offer or insist on STARTTLS, speak implicit
// TLS, require a login, refuse messages or recipients, or go down and come
// back. Its TLS certificate is made fresh for each server by a throwaway CA
// that clients trust through ClientTLSConfig, or, for plugin binaries run
// as subprocesses, through the SSL_CERT_FILE environment variable set to
// CAFile.
//
//	srv := mailserver.NewServer(t, mailserver.WithSTARTTLS(), mailserver.WithAuth("bob", "s3cret"))
//	... run the plugin with -H srv.Addr() ...
//	msgs, err := srv.Wait(ctx, 1)
package mailserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	startTLS    bool
	requireTLS  bool
	implicitTLS bool
	user        string
	password    string
	mechanisms  []string
}

// WithSTARTTLS makes the server offer STARTTLS. Logins are then only
// accepted after it, as real servers do.
func WithSTARTTLS() Option { return func(o *options) { o.startTLS = true } }

// WithRequireTLS makes the server offer STARTTLS and refuse MAIL FROM with
// "530 5.7.0 Must issue a STARTTLS command first" until it has been used.
func WithRequireTLS() Option {
	return func(o *options) { o.startTLS, o.requireTLS = true, true }
}

// WithImplicitTLS makes the server speak TLS from the first byte (SMTPS,
// normally port 465).
func WithImplicitTLS() Option { return func(o *options) { o.implicitTLS = true } }

// WithAuth makes the server require a login as user with password before
// MAIL FROM, offering the given SASL mechanisms ("PLAIN", "LOGIN"; PLAIN if
// none are given). A wrong login gets "535 5.7.8 Authentication failed".
func WithAuth(user, password string, mechanisms ...string) Option {
	return func(o *options) {
		o.user, o.password = user, password
		o.mechanisms = mechanisms
		if len(o.mechanisms) == 0 {
			o.mechanisms = []string{sasl.Plain}
		}
	}
}

// Message is one message the server received.
type Message struct {
	// From and To are the envelope addresses (MAIL FROM, RCPT TO).
	From string
	To   []string
	// Data is the message as it arrived after DATA, with the SMTP dot
	// stuffing undone and the CRLF line endings kept.
	Data []byte
	// TLS reports whether the session was encrypted.
	TLS bool
	// User is the name the client logged in as, or "".
	User string
}

// Server is a running SMTP server. Its methods are safe for concurrent use.
type Server struct {
	t    testing.TB
	opts options
	ca   *testCA

	mu              sync.Mutex
	addr            string
	srv             *smtp.Server
	ln              net.Listener
	messages        []Message
	refused         []Message
	refusals        []*smtp.SMTPError
	rcptRefusals    map[string]*smtp.SMTPError
	connections     int
	stalls          int           // messages to keep without answering their DATA
	stalled         chan struct{} // closed when the test ends, releasing them
	changed         chan struct{} // closed and replaced whenever messages grows
	caFile          string
	serverTLSConfig *tls.Config
}

// NewServer starts a server on a free port of 127.0.0.1; it stops when the
// test ends. It fails the test if it cannot start.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, rcptRefusals: map[string]*smtp.SMTPError{}, changed: make(chan struct{}), stalled: make(chan struct{})}
	t.Cleanup(func() { close(s.stalled) })
	for _, o := range opts {
		o(&s.opts)
	}
	ca, err := newTestCA()
	if err != nil {
		t.Fatalf("mailserver: making the test certificate: %v", err)
	}
	s.ca = ca
	s.serverTLSConfig = &tls.Config{Certificates: []tls.Certificate{ca.leaf}}
	s.addr = "127.0.0.1:0"
	if err := s.start(); err != nil {
		t.Fatalf("mailserver: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Addr returns the server's host:port, for SMTPConfig.Host or a plugin's
// -H flag. It stays the same across Stop and Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ClientTLSConfig returns a TLS configuration that trusts the server's
// certificate (and nothing else), for SMTPConfig.TLSConfig.
func (s *Server) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.ca.pool}
}

// RootCAs returns a pool holding the CA that signed the server's
// certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.ca.pool }

// CAFile returns the path of a PEM file holding the CA certificate. A Go
// program started with SSL_CERT_FILE set to it trusts the server (and only
// it), which is how tests make plugin binaries accept the server's TLS.
func (s *Server) CAFile() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.caFile == "" {
		path := filepath.Join(s.t.TempDir(), "mailserver-ca.pem")
		if err := os.WriteFile(path, s.ca.pem, 0o644); err != nil {
			s.t.Fatalf("mailserver: writing the CA file: %v", err)
		}
		s.caFile = path
	}
	return s.caFile
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Refused returns the messages that were received in full but refused
// because of Refuse, oldest first.
func (s *Server) Refused() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refused)
}

// Connections returns how many connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Wait blocks until at least n messages have been accepted and returns all
// of them, or returns ctx's error with those received so far.
func (s *Server) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		msgs, changed := slices.Clone(s.messages), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			return msgs, ctx.Err()
		case <-changed:
		}
	}
}

// Refuse makes the server answer the next n messages, once their data has
// arrived, with code (4xx for a temporary failure, 5xx for a permanent one)
// and text, instead of accepting them.
func (s *Server) Refuse(n, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.refusals = append(s.refusals, smtpError(code, text))
	}
}

// Stall makes the server keep the next n messages, as delivered, and never
// answer their DATA: the client cannot tell whether they were taken. This
// is what a client killed in the middle of a DATA exchange leaves behind:
// a message the server holds and the client believes unsent.
func (s *Server) Stall(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalls += n
}

// RefuseRecipient makes the server answer RCPT TO for addr with code and
// text from now on.
func (s *Server) RefuseRecipient(addr string, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptRefusals[strings.ToLower(addr)] = smtpError(code, text)
}

// Stop closes the listener and every connection: until Start, connecting
// fails with "connection refused". Stop is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Close the listener here too: srv only learns of it once its
		// Serve goroutine has started, which may not have happened yet.
		_ = ln.Close()
		_ = srv.Close()
	}
}

// Start listens again on the server's address after Stop. It fails the test
// if the address cannot be had.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("mailserver: restarting: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.addr = ln.Addr().String()
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailserver.localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if s.opts.startTLS || s.opts.implicitTLS {
		srv.TLSConfig = s.serverTLSConfig
	}
	// A server that can encrypt takes logins only once it has; one that
	// cannot takes them in the clear, as a loopback relay might.
	srv.AllowInsecureAuth = !s.opts.startTLS && !s.opts.implicitTLS
	if s.opts.implicitTLS {
		ln = tls.NewListener(ln, s.serverTLSConfig)
	}
	s.srv, s.ln = srv, ln
	go func() { _ = srv.Serve(ln) }()
	return nil
}

func smtpError(code int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text}
}

// backend makes one session per connection.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.connections++
	b.s.mu.Unlock()
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, tls: isTLS}, nil
}

// session records one transaction at a time.
type session struct {
	s    *Server
	tls  bool
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	return ss.s.opts.mechanisms
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !slices.Contains(ss.s.opts.mechanisms, mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(username, password string) error {
		if username != ss.s.opts.user || password != ss.s.opts.password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}
	if mech == sasl.Login {
		return &loginServer{check: check}, nil
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		return check(username, password)
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.requireTLS && !ss.tls {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	if ss.s.opts.user != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	refusal := ss.s.rcptRefusals[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if refusal != nil {
		return refusal
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := Message{From: ss.from, To: slices.Clone(ss.to), Data: data, TLS: ss.tls, User: ss.user}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refusals) > 0 {
		refusal := s.refusals[0]
		s.refusals = s.refusals[1:]
		s.refused = append(s.refused, msg)
		return refusal
	}
	s.messages = append(s.messages, msg)
	close(s.changed)
	s.changed = make(chan struct{})
	if s.stalls > 0 {
		s.stalls--
		stalled := s.stalled
		s.mu.Unlock()
		<-stalled
		s.mu.Lock()
		return smtpError(421, "stalled until the test ended")
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	check    func(username, password string) error
	username string
	step     int
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	l.step++
	switch l.step {
	case 1:
		if response == nil {
			return []byte("Username:"), false, nil
		}
		// An initial response carries the user name already.
		l.step++
		l.username = string(response)
		return []byte("Password:"), false, nil
	case 2:
		l.username = string(response)
		return []byte("Password:"), false, nil
	case 3:
		return nil, true, l.check(l.username, string(response))
	}
	return nil, true, errors.New("unexpected AUTH LOGIN response")
}
