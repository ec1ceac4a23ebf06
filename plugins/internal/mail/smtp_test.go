package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/plugins/internal/retry"
)

// newSender returns an SMTP sender for srv, trusting its certificate, with
// cfg's other fields.
func newSender(t *testing.T, srv *mailserver.Server, cfg SMTPConfig) *SMTP {
	t.Helper()
	cfg.Host = srv.Addr()
	if cfg.TLSConfig == nil {
		cfg.TLSConfig = srv.ClientTLSConfig()
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

// wantError checks an error's text, kind and permanence.
func wantError(t *testing.T, err error, kind error, isPermanent bool, text string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if err.Error() != text {
		t.Errorf("err = %q\nwant  %q", err, text)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("errors.Is(err, %v) = false", kind)
	}
	if got := retry.IsPermanent(err); got != isPermanent {
		t.Errorf("permanent = %v, want %v", got, isPermanent)
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

func TestSMTPDeliversExactBytes(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	m := testMessage()
	m.Subject = "Prozess wëb:01 abgestürzt\r\nBcc: victim@example.net"
	m.Body = "line one\n.\n..leading dots\nüber\n"
	if err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if want := render(t, m); string(got.Data) != string(want) {
		t.Errorf("received:\n%q\nsent:\n%q", got.Data, want)
	}
	if got.From != "sup@example.com" || strings.Join(got.To, ",") != "ops@example.com,dev@example.org" {
		t.Errorf("envelope = %s -> %v", got.From, got.To)
	}
	if got.TLS {
		t.Error("TLS without STARTTLS on offer")
	}
	if s, err := got.Subject(); err != nil || s != "Prozess wëb:01 abgestürzt Bcc: victim@example.net" {
		t.Errorf("Subject = %q, %v", s, err)
	}
	if b, err := got.Body(); err != nil || b != "line one\n.\n..leading dots\nüber\n" {
		t.Errorf("Body = %q, %v", b, err)
	}
	h, err := got.Header()
	if err != nil || h.Get("Bcc") != "" {
		t.Errorf("injected Bcc header arrived: %q (%v)", h.Get("Bcc"), err)
	}
}

func TestSMTPUsesSTARTTLSWhenOffered(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithSTARTTLS())
	if err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS {
		t.Fatalf("messages = %+v; want one, over TLS", msgs)
	}
}

func TestSMTPRequireTLS(t *testing.T) {
	t.Parallel()
	t.Run("offered", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t, mailserver.WithRequireTLS())
		if err := newSender(t, srv, SMTPConfig{RequireTLS: true}).Send(context.Background(), testMessage()); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS {
			t.Fatalf("messages = %+v; want one, over TLS", msgs)
		}
	})
	t.Run("not offered", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t)
		err := newSender(t, srv, SMTPConfig{RequireTLS: true}).Send(context.Background(), testMessage())
		wantError(t, err, ErrTLSRequired, true, "SMTP server "+srv.Addr()+
			" does not offer STARTTLS, but TLS is required (--tls); use a server with TLS, or port 465 for implicit TLS")
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages sent in the clear", n)
		}
	})
}

func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithImplicitTLS(), mailserver.WithAuth("bob", "s3cret"))
	s := newSender(t, srv, SMTPConfig{ImplicitTLS: true, RequireTLS: true, Username: "bob", Password: "s3cret"})
	if err := s.Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "bob" {
		t.Fatalf("messages = %+v; want one, over TLS, from bob", msgs)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		opt    mailserver.Option
		cfg    SMTPConfig
		prefix string
	}{
		{"STARTTLS", mailserver.WithSTARTTLS(), SMTPConfig{}, "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{"implicit", mailserver.WithImplicitTLS(), SMTPConfig{ImplicitTLS: true}, "tls: failed to verify certificate: x509: certificate signed by unknown authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mailserver.NewServer(t, tt.opt)
			// Trust nothing at all.
			tt.cfg.TLSConfig = &tls.Config{RootCAs: x509.NewCertPool()}
			err := newSender(t, srv, tt.cfg).Send(context.Background(), testMessage())
			wantError(t, err, ErrCertificate, true, "TLS certificate of SMTP server "+srv.Addr()+" is not trusted: "+tt.prefix+
				"; install the CA that signed it in the system trust store (or set SSL_CERT_FILE), or use the host name the certificate names")
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages sent despite the bad certificate", n)
			}
		})
	}
}

func TestSMTPCertificateForAnotherHost(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithSTARTTLS())
	cfg := srv.ClientTLSConfig()
	cfg.ServerName = "mail.example.com" // the certificate names localhost only
	err := newSender(t, srv, SMTPConfig{TLSConfig: cfg}).Send(context.Background(), testMessage())
	if !errors.Is(err, ErrCertificate) || !retry.IsPermanent(err) ||
		!strings.Contains(err.Error(), "certificate is valid for localhost, not mail.example.com") {
		t.Errorf("err = %v; want a permanent ErrCertificate naming the host", err)
	}
}

func TestSMTPAuth(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			srv := mailserver.NewServer(t, mailserver.WithSTARTTLS(), mailserver.WithAuth("bob", "s3cret", mech))
			s := newSender(t, srv, SMTPConfig{Username: "bob", Password: "s3cret"})
			if err := s.Send(context.Background(), testMessage()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].User != "bob" || !msgs[0].TLS {
				t.Fatalf("messages = %+v; want one from bob over TLS", msgs)
			}
		})
	}
}

func TestSMTPAuthRejected(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithSTARTTLS(), mailserver.WithAuth("bob", "s3cret"))
	s := newSender(t, srv, SMTPConfig{Username: "bob", Password: "wrong", PasswordOrigin: "environment variable SMTP_PASSWORD"})
	err := s.Send(context.Background(), testMessage())
	wantError(t, err, ErrAuth, true, "SMTP server "+srv.Addr()+` rejected the login of user "bob": 535 5.7.8 Authentication failed; `+
		"check the user name and the password (from environment variable SMTP_PASSWORD)")
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent without a login", n)
	}
}

func TestSMTPAuthInTheClearOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	// A loopback server without TLS: nobody can listen in, so the login
	// goes ahead.
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "s3cret"))
	if err := newSender(t, srv, SMTPConfig{Username: "bob", Password: "s3cret"}).Send(context.Background(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].User != "bob" || msgs[0].TLS {
		t.Fatalf("messages = %+v; want one from bob in the clear", msgs)
	}
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"mail.example.com": false, "10.0.0.1": false, "::ffff:10.0.0.1": false, "localhost.example.com": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSMTPAuthNotOffered(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	err := newSender(t, srv, SMTPConfig{Username: "bob", Password: "s3cret"}).Send(context.Background(), testMessage())
	wantError(t, err, ErrAuth, true, "SMTP server "+srv.Addr()+` does not support AUTH, but user "bob" was given; `+
		"drop the user name or use a server that accepts logins")
}

func TestSMTPAuthRequiredByServer(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "s3cret"))
	err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), testMessage())
	wantError(t, err, ErrRejected, true, "SMTP server "+srv.Addr()+" refused MAIL FROM: 530 5.7.0 Authentication required")
}

func TestSMTPRefusals(t *testing.T) {
	t.Parallel()
	t.Run("temporary", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t)
		srv.Refuse(1, 451, "Greylisted, try again later")
		err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), testMessage())
		wantError(t, err, nil, false, "SMTP server "+srv.Addr()+" refused end of DATA: 451 4.0.0 Greylisted, try again later")
	})
	t.Run("permanent multi-line", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t)
		srv.Refuse(1, 554, "Message rejected as spam\nSee https://example.com/why")
		err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), testMessage())
		wantError(t, err, ErrRejected, true, "SMTP server "+srv.Addr()+" refused end of DATA: 554 Message rejected as spam 5.0.0 See https://example.com/why")
	})
}

func TestSMTPRecipientRefused(t *testing.T) {
	t.Parallel()
	t.Run("some", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t)
		srv.RefuseRecipient("dev@example.org", 550, "No such user")
		err := Deliver(context.Background(), newSender(t, srv, SMTPConfig{}), testMessage(), fastPolicy(nil))
		if !errors.Is(err, ErrRejected) || !strings.HasSuffix(err.Error(), "SMTP server "+srv.Addr()+
			" accepted the mail for 1 recipient(s) but refused dev@example.org (550 5.0.0 No such user)") {
			t.Errorf("err = %v", err)
		}
		// Delivered once to the accepted recipient and not retried, which
		// would deliver it again.
		if msgs := srv.Messages(); len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "ops@example.com" {
			t.Errorf("messages = %+v; want one, to ops@example.com", msgs)
		}
	})
	t.Run("all", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t)
		srv.RefuseRecipient("ops@example.com", 550, "No such user")
		srv.RefuseRecipient("dev@example.org", 553, "Relaying denied")
		err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), testMessage())
		wantError(t, err, ErrRejected, true, "SMTP server "+srv.Addr()+
			" refused every recipient: ops@example.com (550 5.0.0 No such user), dev@example.org (553 5.0.0 Relaying denied)")
		if n := len(srv.Messages()) + len(srv.Refused()); n != 0 {
			t.Errorf("%d messages transferred", n)
		}
	})
	t.Run("temporary", func(t *testing.T) {
		t.Parallel()
		srv := mailserver.NewServer(t)
		srv.RefuseRecipient("dev@example.org", 450, "Mailbox busy")
		err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), testMessage())
		wantError(t, err, nil, false, "SMTP server "+srv.Addr()+" refused RCPT TO <dev@example.org>: 450 4.0.0 Mailbox busy")
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("%d messages sent; a retry would deliver twice", n)
		}
	})
}

func TestSMTPConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	s := newSender(t, srv, SMTPConfig{})
	srv.Stop()
	err := s.Send(context.Background(), testMessage())
	wantError(t, err, nil, false, "cannot connect to SMTP server "+srv.Addr()+
		": connection refused; check the host:port and that the server is running")
}

func TestSMTPUnknownHost(t *testing.T) {
	t.Parallel()
	s, err := NewSMTP(SMTPConfig{Host: "no-such-host.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), testMessage())
	if err == nil || !strings.HasPrefix(err.Error(), `cannot resolve SMTP host "no-such-host.invalid": `) || retry.IsPermanent(err) {
		t.Errorf("err = %v; want a transient resolution error", err)
	}
}

// A local mailbox name is for sendmail: SMTP refuses it before it
// connects, saying what to write instead.
func TestSMTPRefusesLocalNames(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	m := testMessage()
	m.To = []string{"ops@example.com", "root"}
	err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), m)
	wantError(t, err, ErrInvalidMessage, true, `"root" is a local mailbox name, which SMTP cannot deliver; give a full address such as root@example.com, or send through sendmail`)
	if srv.Connections() != 0 {
		t.Error("connected for a message that cannot be sent")
	}
}

func TestSMTPNoFrom(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	m := testMessage()
	m.From = ""
	err := newSender(t, srv, SMTPConfig{}).Send(context.Background(), m)
	wantError(t, err, ErrInvalidMessage, true, "mail has no From address, which SMTP needs; give a sender address")
	if srv.Connections() != 0 {
		t.Error("connected for a message that cannot be sent")
	}
}

// silentServer accepts connections and never says a word, like a server
// behind a broken firewall; it returns its address.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestSMTPHonoursContext(t *testing.T) {
	t.Parallel()
	addr := silentServer(t)
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		s, _ := NewSMTP(SMTPConfig{Host: addr})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := s.Send(ctx, testMessage())
		wantError(t, err, context.DeadlineExceeded, false, "SMTP server "+addr+" timed out during greeting")
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		s, _ := NewSMTP(SMTPConfig{Host: addr})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := s.Send(ctx, testMessage())
		wantError(t, err, context.Canceled, false, "sending mail to SMTP server "+addr+" was cancelled during greeting")
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		s, _ := NewSMTP(SMTPConfig{Host: addr, Timeout: 50 * time.Millisecond})
		err := s.Send(context.Background(), testMessage())
		wantError(t, err, nil, false, "SMTP server "+addr+" timed out during greeting")
	})
}

func TestNewSMTPHost(t *testing.T) {
	t.Parallel()
	good := []struct {
		host, addr string
		implicit   bool
	}{
		{"mail.example.com", "mail.example.com:25", false},
		{"mail.example.com:587", "mail.example.com:587", false},
		{"mail.example.com:465", "mail.example.com:465", true},
		{"smtp_relay", "smtp_relay:25", false},
		{"127.0.0.1", "127.0.0.1:25", false},
		{"::1", "[::1]:25", false},
		{"[::1]", "[::1]:25", false},
		{"[2001:db8::1]:2525", "[2001:db8::1]:2525", false},
	}
	for _, tt := range good {
		s, err := NewSMTP(SMTPConfig{Host: tt.host})
		if err != nil {
			t.Errorf("NewSMTP(%q): %v", tt.host, err)
			continue
		}
		if s.Addr() != tt.addr || s.implicit != tt.implicit {
			t.Errorf("NewSMTP(%q): addr %s, implicit TLS %v; want %s, %v", tt.host, s.Addr(), s.implicit, tt.addr, tt.implicit)
		}
	}
	bad := map[string]string{
		"":                      "it is empty",
		"smtp://mail.example":   "it is a URL",
		"mail.example.com:0":    "the port must be a number from 1 to 65535",
		"mail.example.com:smtp": "the port must be a number from 1 to 65535",
		"mail.example.com:1e6":  "the port must be a number from 1 to 65535",
		":25":                   "the host name is empty",
		"mail example.com":      `' ' is not allowed in a host name`,
		"a:b:c":                 "it is neither host nor host:port",
		"mail/example":          `'/' is not allowed in a host name`,
	}
	for host, why := range bad {
		_, err := NewSMTP(SMTPConfig{Host: host})
		want := "invalid SMTP host " + quote(host) + ": " + why + "; give host or host:port, e.g. smtp.example.com:587"
		if err == nil || err.Error() != want {
			t.Errorf("NewSMTP(%q) = %v\nwant %s", host, err, want)
		}
	}
}

func quote(s string) string { return `"` + s + `"` }

// fastPolicy is the default policy on an instant clock.
func fastPolicy(c *clock.Fake) retry.Policy {
	p := DefaultRetryPolicy()
	if c == nil {
		c = clock.NewInstant(time.Unix(1e9, 0))
	}
	p.Clock = c
	p.Jitter = retry.NoJitter
	return p
}

func TestDeliverRetriesTemporaryRefusals(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Refuse(2, 451, "Greylisted")
	m := testMessage()
	m.MessageID = ""
	if err := Deliver(context.Background(), newSender(t, srv, SMTPConfig{}), m, fastPolicy(nil)); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	msgs, refused := srv.Messages(), srv.Refused()
	if len(msgs) != 1 || len(refused) != 2 {
		t.Fatalf("delivered %d, refused %d; want 1 and 2", len(msgs), len(refused))
	}
	// Every attempt carried the same message, Message-ID and Date included.
	for _, r := range refused {
		if string(r.Data) != string(msgs[0].Data) {
			t.Errorf("attempts differ:\n%q\n%q", r.Data, msgs[0].Data)
		}
	}
}

func TestDeliverStopsAtPermanentRefusal(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Refuse(10, 554, "Rejected")
	err := Deliver(context.Background(), newSender(t, srv, SMTPConfig{}), testMessage(), fastPolicy(nil))
	var rerr *retry.Error
	if !errors.As(err, &rerr) || rerr.Attempts != 1 || !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v; want one attempt ending in ErrRejected", err)
	}
	if want := "gave up after 1 attempt over 0s (not retryable): SMTP server " + srv.Addr() + " refused end of DATA: 554 5.0.0 Rejected"; err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	if srv.Connections() != 1 {
		t.Errorf("%d connections, want 1", srv.Connections())
	}
}

func TestDeliverServerDownThenUp(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	s := newSender(t, srv, SMTPConfig{})
	srv.Stop()
	c := clock.NewInstant(time.Unix(1e9, 0))
	c.OnWait(func(n int) {
		if n == 3 {
			srv.Start()
		}
	})
	var failures []string
	p := fastPolicy(c)
	p.OnRetry = func(attempt int, err error, wait time.Duration) { failures = append(failures, err.Error()) }
	if err := Deliver(context.Background(), s, testMessage(), p); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("delivered %d times, want exactly once", n)
	}
	if srv.Connections() != 1 || len(failures) != 3 {
		t.Errorf("%d connections after %d failures (%v); want 1 after 3", srv.Connections(), len(failures), failures)
	}
}

func TestDeliverGivesUpWithinBudget(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	s := newSender(t, srv, SMTPConfig{})
	srv.Stop()
	err := Deliver(context.Background(), s, testMessage(), fastPolicy(nil))
	var rerr *retry.Error
	if !errors.As(err, &rerr) {
		t.Fatalf("err = %v, want *retry.Error", err)
	}
	// 1+2+4+8+15+15 = 45s of waits fit in the minute; the next does not.
	if rerr.Attempts != 7 || rerr.Elapsed != 45*time.Second {
		t.Errorf("attempts = %d over %v; want 7 over 45s", rerr.Attempts, rerr.Elapsed)
	}
	want := "gave up after 7 attempts over 45s (time budget 1m0s spent): cannot connect to SMTP server " + srv.Addr() +
		": connection refused; check the host:port and that the server is running"
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
}

func TestDeliverInvalidMessageMakesNoAttempt(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	m := testMessage()
	m.To = []string{"None"}
	err := Deliver(context.Background(), newSender(t, srv, SMTPConfig{}), m, fastPolicy(nil))
	if !errors.Is(err, ErrInvalidMessage) || srv.Connections() != 0 {
		t.Errorf("err = %v after %d connections; want ErrInvalidMessage and none", err, srv.Connections())
	}
}

func BenchmarkSMTPSend(b *testing.B) {
	srv := mailserver.NewServer(b)
	s, err := NewSMTP(SMTPConfig{Host: srv.Addr()})
	if err != nil {
		b.Fatal(err)
	}
	m := testMessage()
	ctx := context.Background()
	for b.Loop() {
		if err := s.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}
