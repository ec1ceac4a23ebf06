package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultSMTPTimeout bounds one SMTP delivery when neither SMTPConfig.Timeout
// nor the context sets a shorter limit.
const DefaultSMTPTimeout = time.Minute

// SMTPConfig describes an SMTP server and how to talk to it.
type SMTPConfig struct {
	// Host is "host" or "host:port" (IPv6 literals in brackets when a port
	// is given). The port defaults to 25; port 465 means implicit TLS.
	Host string
	// Username, if not empty, makes the client log in with AUTH (PLAIN,
	// LOGIN or CRAM-MD5, preferred in that order among those the server
	// offers).
	Username string
	// Password is the Username's password.
	Password string
	// PasswordOrigin says where Password came from ("file
	// /etc/golance/smtp", see secret.Secret.Origin), so that a rejected
	// login can point there.
	PasswordOrigin string
	// RequireTLS makes TLS mandatory: without STARTTLS (or implicit TLS)
	// the mail is not sent. Without it, STARTTLS is still used whenever the
	// server offers it. The plugins' --tls flag sets it.
	RequireTLS bool
	// ImplicitTLS speaks TLS from the first byte (SMTPS) instead of
	// upgrading with STARTTLS. It is implied by port 465.
	ImplicitTLS bool
	// TLSConfig, if set, is the base TLS configuration: tests put their own
	// CA in RootCAs. Nil means the system's roots. Certificates are always
	// verified unless this config says otherwise; ServerName defaults to
	// the host.
	TLSConfig *tls.Config
	// LocalName is the name sent with EHLO; empty means this host's name.
	LocalName string
	// Timeout bounds one Send (connection, dialogue and data) when the
	// context allows longer; zero means DefaultSMTPTimeout.
	Timeout time.Duration
}

// SMTP is a Sender that delivers to an SMTP server, one connection per
// message.
//
// Credentials are only ever sent over TLS, except to a server on the
// loopback interface (localhost, 127.0.0.0/8, ::1), where nobody can
// listen in; net/smtp's PlainAuth has the same rule.
type SMTP struct {
	cfg      SMTPConfig
	host     string // host name or IP, as in the certificate
	addr     string // host:port to dial
	implicit bool
}

// NewSMTP checks cfg and returns an SMTP sender for it. An unusable Host is
// the only error; the server is not contacted.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, port, err := splitHost(cfg.Host)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	if cfg.LocalName == "" {
		cfg.LocalName = localName()
	}
	return &SMTP{
		cfg:      cfg,
		host:     host,
		addr:     net.JoinHostPort(host, port),
		implicit: cfg.ImplicitTLS || port == "465",
	}, nil
}

// Addr returns the host:port the sender connects to.
func (s *SMTP) Addr() string { return s.addr }

// splitHost parses "host" or "host:port".
func splitHost(hostport string) (host, port string, err error) {
	bad := func(why string) error {
		return fmt.Errorf("invalid SMTP host %q: %s; give host or host:port, e.g. smtp.example.com:587", hostport, why)
	}
	switch {
	case hostport == "":
		return "", "", bad("it is empty")
	case strings.Contains(hostport, "://"):
		return "", "", bad("it is a URL")
	}
	host, port, err = net.SplitHostPort(hostport)
	if err != nil {
		// No port: a plain name or a bare IPv6 address.
		host, port = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), "25"
		if strings.Contains(host, ":") && net.ParseIP(host) == nil {
			return "", "", bad("it is neither host nor host:port")
		}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", bad("the port must be a number from 1 to 65535")
	}
	if host == "" {
		return "", "", bad("the host name is empty")
	}
	if net.ParseIP(host) == nil {
		for i := 0; i < len(host); i++ {
			if c := host[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
				return "", "", bad(fmt.Sprintf("%q is not allowed in a host name", c))
			}
		}
	}
	return host, port, nil
}

// localName returns this host's name for EHLO, if it is a plain name.
func localName() string {
	if h, err := os.Hostname(); err == nil && validDomain(h) {
		return h
	}
	return "localhost"
}

// Send delivers m: it connects, upgrades to TLS if possible, logs in if a
// Username is set, and hands the message over. It honours ctx throughout;
// see the package documentation for the errors.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	r, err := m.render()
	if err != nil {
		return err
	}
	if r.from == "" {
		return invalid(nil, "mail has no From address, which SMTP needs; give a sender address")
	}
	if len(r.local) > 0 {
		return invalid(nil, "%q is a local mailbox name, which SMTP cannot deliver; give a full address such as %s@example.com, or send through sendmail", r.local[0], r.local[0])
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return s.fail(ctx, "connect", err)
	}
	// Cancelling ctx must unblock a read from a server that went quiet: a
	// deadline in the past fails every pending and future I/O at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return s.fail(ctx, "greeting", err)
	}
	defer c.Close()
	if err := s.open(ctx, c); err != nil {
		return err
	}
	if err := s.transfer(ctx, c, r); err != nil {
		return err
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// dial connects, completing the TLS handshake for implicit TLS.
func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, s.fail(ctx, "connect", err)
	}
	if !s.implicit {
		return conn, nil
	}
	tc := tls.Client(conn, s.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, s.fail(ctx, "TLS handshake", err)
	}
	return tc, nil
}

// open runs EHLO, STARTTLS and AUTH.
func (s *SMTP) open(ctx context.Context, c *smtp.Client) error {
	if err := c.Hello(s.cfg.LocalName); err != nil {
		return s.fail(ctx, "EHLO", err)
	}
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return s.fail(ctx, "STARTTLS", err)
			}
		}
	}
	_, encrypted := c.TLSConnectionState()
	if s.cfg.RequireTLS && !encrypted {
		return permanent(ErrTLSRequired, nil,
			"SMTP server %s does not offer STARTTLS, but TLS is required (--tls); use a server with TLS, or port 465 for implicit TLS", s.addr)
	}
	if s.cfg.Username == "" {
		return nil
	}
	if !encrypted && !isLoopback(s.host) {
		return permanent(ErrTLSRequired, nil,
			"SMTP server %s does not offer STARTTLS; refusing to send the password of user %q unencrypted; use a server with TLS, or port 465 for implicit TLS", s.addr, s.cfg.Username)
	}
	ok, offered := c.Extension("AUTH")
	if !ok {
		return permanent(ErrAuth, nil,
			"SMTP server %s does not support AUTH, but user %q was given; drop the user name or use a server that accepts logins", s.addr, s.cfg.Username)
	}
	auth := s.chooseAuth(strings.Fields(strings.ToUpper(offered)))
	if auth == nil {
		return permanent(ErrAuth, nil,
			"SMTP server %s offers no login method golance supports (it offers %s; golance knows PLAIN, LOGIN, CRAM-MD5)", s.addr, offered)
	}
	if err := c.Auth(auth); err != nil {
		return s.authFailed(ctx, err)
	}
	return nil
}

// transfer runs MAIL FROM, RCPT TO and DATA. Recipients the server refuses
// for good are skipped; if any are, the message still goes to the others
// and the error reported afterwards is permanent, so that a retry does not
// deliver it twice.
func (s *SMTP) transfer(ctx context.Context, c *smtp.Client, r *rendered) error {
	if err := c.Mail(r.from); err != nil {
		return s.fail(ctx, "MAIL FROM", err)
	}
	var refused []string
	accepted := 0
	for _, to := range r.to {
		err := c.Rcpt(to)
		var te *textproto.Error
		if errors.As(err, &te) && te.Code/100 == 5 {
			refused = append(refused, fmt.Sprintf("%s (%d %s)", to, te.Code, te.Msg))
			continue
		}
		if err != nil {
			return s.fail(ctx, "RCPT TO <"+to+">", err)
		}
		accepted++
	}
	if accepted == 0 {
		return permanent(ErrRejected, nil, "SMTP server %s refused every recipient: %s", s.addr, strings.Join(refused, ", "))
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(ctx, "DATA", err)
	}
	if _, err := w.Write(r.data); err != nil {
		return s.fail(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return s.fail(ctx, "end of DATA", err)
	}
	if len(refused) > 0 {
		return permanent(ErrRejected, nil, "SMTP server %s accepted the mail for %d recipient(s) but refused %s", s.addr, accepted, strings.Join(refused, ", "))
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

func (s *SMTP) chooseAuth(offered []string) smtp.Auth {
	has := func(mech string) bool {
		for _, o := range offered {
			if o == mech {
				return true
			}
		}
		return false
	}
	switch {
	case has("PLAIN"):
		return plainAuth{s.cfg.Username, s.cfg.Password}
	case has("LOGIN"):
		return &loginAuth{username: s.cfg.Username, password: s.cfg.Password}
	case has("CRAM-MD5"):
		return smtp.CRAMMD5Auth(s.cfg.Username, s.cfg.Password)
	}
	return nil
}

// authFailed reports a rejected login, pointing at where the password came
// from.
func (s *SMTP) authFailed(ctx context.Context, err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return s.fail(ctx, "AUTH", err)
	}
	hint := "check the user name and password"
	if s.cfg.PasswordOrigin != "" {
		hint = "check the user name and the password (from " + s.cfg.PasswordOrigin + ")"
	}
	const format = "SMTP server %s rejected the login of user %q: %d %s; %s"
	if te.Code/100 == 4 {
		return newFailure(ErrAuth, err, format, s.addr, s.cfg.Username, te.Code, te.Msg, hint)
	}
	return permanent(ErrAuth, err, format, s.addr, s.cfg.Username, te.Code, te.Msg, hint)
}

// fail turns an error from one stage of the dialogue into one clear line,
// marked permanent when retrying cannot help.
func (s *SMTP) fail(ctx context.Context, stage string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return newFailure(nil, errors.Join(ctxErr, err), "SMTP server %s timed out during %s", s.addr, stage)
		}
		return newFailure(nil, errors.Join(ctxErr, err), "sending mail to SMTP server %s was cancelled during %s", s.addr, stage)
	}
	var (
		te       *textproto.Error
		certErr  *tls.CertificateVerificationError
		hostErr  x509.HostnameError
		authErr  x509.UnknownAuthorityError
		invalErr x509.CertificateInvalidError
		dnsErr   *net.DNSError
	)
	switch {
	case errors.As(err, &te):
		const format = "SMTP server %s refused %s: %d %s"
		if te.Code/100 == 5 {
			return permanent(ErrRejected, err, format, s.addr, stage, te.Code, te.Msg)
		}
		return newFailure(nil, err, format, s.addr, stage, te.Code, te.Msg)
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &invalErr):
		return permanent(ErrCertificate, err,
			"TLS certificate of SMTP server %s is not trusted: %v; install the CA that signed it in the system trust store (or set SSL_CERT_FILE), or use the host name the certificate names", s.addr, err)
	case errors.As(err, &dnsErr):
		return newFailure(nil, err, "cannot resolve SMTP host %q: %v; check the host name", s.host, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return newFailure(nil, err, "cannot connect to SMTP server %s: connection refused; check the host:port and that the server is running", s.addr)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's deadline is the context's, whose timer may just
		// not have fired yet.
		return newFailure(nil, errors.Join(context.DeadlineExceeded, err), "SMTP server %s timed out during %s", s.addr, stage)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return newFailure(nil, err, "SMTP server %s closed the connection during %s", s.addr, stage)
	case stage == "connect":
		return newFailure(nil, err, "cannot connect to SMTP server %s: %v", s.addr, err)
	}
	return newFailure(nil, err, "SMTP %s with server %s failed: %v", stage, s.addr, err)
}

// isLoopback reports whether host names this machine's loopback interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// plainAuth is AUTH PLAIN (RFC 4616). Unlike net/smtp's PlainAuth it does
// not check for TLS itself: SMTP.open decides that, for every mechanism.
type plainAuth struct{ username, password string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge after AUTH PLAIN")
	}
	return nil, nil
}

// loginAuth is the obsolete but widespread AUTH LOGIN: the server prompts
// for the user name, then the password. The prompt texts vary between
// servers, so only their order counts.
type loginAuth struct {
	username, password string
	step               int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	a.step = 0
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.username), nil
	case 2:
		return []byte(a.password), nil
	}
	return nil, errors.New("unexpected third server challenge during AUTH LOGIN")
}
