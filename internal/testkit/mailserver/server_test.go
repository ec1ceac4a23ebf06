package mailserver_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/mailserver"
)

const raw = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?=\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"gr=C3=BC=C3=9Fe\r\n" +
	".leading dot\r\n"

// send delivers raw with net/smtp, independently of package mail.
func send(srv *mailserver.Server, auth smtp.Auth, tlsConfig *tls.Config) error {
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	if tlsConfig != nil {
		if err := c.StartTLS(tlsConfig); err != nil {
			return err
		}
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail("a@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("b@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestServerRecordsExactData(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	if err := send(srv, nil, nil); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if string(m.Data) != raw || m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com" || m.TLS || m.User != "" {
		t.Errorf("recorded %+v", m)
	}
	if s, err := m.Subject(); err != nil || s != "grüße" {
		t.Errorf("Subject = %q, %v", s, err)
	}
	if b, err := m.Body(); err != nil || b != "grüße\n.leading dot\n" {
		t.Errorf("Body = %q, %v", b, err)
	}
	if srv.Connections() != 1 {
		t.Errorf("Connections = %d", srv.Connections())
	}
}

func TestServerWait(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	go func() { _ = send(srv, nil, nil) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := srv.Wait(ctx, 1)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Wait = %d messages, %v", len(msgs), err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if msgs, err := srv.Wait(short, 2); !errors.Is(err, context.DeadlineExceeded) || len(msgs) != 1 {
		t.Errorf("Wait for a second message = %d, %v; want 1 and a timeout", len(msgs), err)
	}
}

func TestServerRequireTLSAndAuth(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithRequireTLS(), mailserver.WithAuth("bob", "pw"))
	if err := send(srv, nil, nil); code(err) != 530 {
		t.Errorf("without TLS: %v, want 530", err)
	}
	tlsConfig := srv.ClientTLSConfig()
	tlsConfig.ServerName = "127.0.0.1"
	if err := send(srv, nil, tlsConfig); code(err) != 530 {
		t.Errorf("without login: %v, want 530", err)
	}
	if err := send(srv, smtp.PlainAuth("", "bob", "wrong", "127.0.0.1"), tlsConfig); code(err) != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
	if err := send(srv, smtp.PlainAuth("", "bob", "pw", "127.0.0.1"), tlsConfig); err != nil {
		t.Fatalf("proper login: %v", err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].User != "bob" || !msgs[0].TLS {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestServerRefusals(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Refuse(2, 451, "later")
	for i, want := range []int{451, 451, 0} {
		if err := send(srv, nil, nil); code(err) != want {
			t.Errorf("attempt %d: %v, want code %d", i+1, err, want)
		}
	}
	if len(srv.Refused()) != 2 || len(srv.Messages()) != 1 {
		t.Errorf("refused %d, accepted %d", len(srv.Refused()), len(srv.Messages()))
	}
	srv.RefuseRecipient("B@example.com", 550, "unknown")
	if err := send(srv, nil, nil); code(err) != 550 {
		t.Errorf("refused recipient: %v, want 550", err)
	}
}

func TestServerStopStart(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	addr := srv.Addr()
	srv.Stop()
	srv.Stop()
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("stopped server accepts connections")
	}
	srv.Start()
	if srv.Addr() != addr {
		t.Errorf("address changed from %s to %s", addr, srv.Addr())
	}
	if err := send(srv, nil, nil); err != nil {
		t.Fatalf("after Start: %v", err)
	}
}

func TestServerCAFileTrustsImplicitTLS(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithImplicitTLS())
	pem, err := os.ReadFile(srv.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CAFile holds no certificate")
	}
	for _, name := range []string{"localhost", "127.0.0.1"} {
		conn, err := tls.Dial("tcp", srv.Addr(), &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("TLS as %s: %v", name, err)
		}
		conn.Close()
	}
	if _, err := tls.Dial("tcp", srv.Addr(), &tls.Config{ServerName: "localhost"}); err == nil {
		t.Error("the test certificate is trusted without its CA")
	}
}

// loginAuth answers AUTH LOGIN prompts in order.
type loginAuth struct{ answers []string }

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more || len(a.answers) == 0 {
		return nil, nil
	}
	next := a.answers[0]
	a.answers = a.answers[1:]
	return []byte(next), nil
}

func TestServerAuthLogin(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "pw", "LOGIN"))
	if err := send(srv, &loginAuth{answers: []string{"bob", "wrong"}}, nil); code(err) != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
	if err := send(srv, smtp.PlainAuth("", "bob", "pw", "127.0.0.1"), nil); code(err) != 504 {
		t.Errorf("PLAIN when only LOGIN is offered: %v, want 504", err)
	}
	if err := send(srv, &loginAuth{answers: []string{"bob", "pw"}}, nil); err != nil {
		t.Fatalf("LOGIN: %v", err)
	}
}
