package mail_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/golance/golance/plugins/internal/mail"
)

func ExampleMessage_WriteTo() {
	m := mail.Message{
		From:      "supervisor@example.com",
		To:        []string{"ops@example.com"},
		Subject:   "wëb crashed\r\nBcc: injected@example.net",
		Body:      "Process web exited unexpectedly (pid 42) from state RUNNING\n",
		Date:      time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		MessageID: "<42@example.com>",
	}
	// CRLF on the wire; shown here with LF.
	_, _ = m.WriteTo(crlfToLF{os.Stdout})
	// Output:
	// From: supervisor@example.com
	// To: ops@example.com
	// Subject: =?UTF-8?Q?w=C3=ABb_crashed_Bcc=3A_injected=40example=2Enet?=
	// Date: Mon, 06 May 2024 07:08:09 +0000
	// Message-ID: <42@example.com>
	// Auto-Submitted: auto-generated
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=UTF-8
	// Content-Transfer-Encoding: 7bit
	//
	// Process web exited unexpectedly (pid 42) from state RUNNING
}

type crlfToLF struct{ w *os.File }

func (c crlfToLF) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		if b != '\r' {
			out = append(out, b)
		}
	}
	_, err := c.w.Write(out)
	return len(p), err
}

func ExampleDeliver() {
	// As a batch mailer would build it from -H, -u, --tls and the password
	// resolved by package secret.
	sender, err := mail.NewSMTP(mail.SMTPConfig{
		Host:           "smtp.example.com:587",
		Username:       "alerts",
		Password:       "from secret.Source.Resolve",
		PasswordOrigin: "environment variable GOLANCE_SMTP_PASSWORD",
		RequireTLS:     true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // bad -H value: one line, at startup
		os.Exit(2)
	}
	msg := mail.Message{
		From:    "supervisor@example.com",
		To:      []string{"ops@example.com"},
		Subject: "Crash alert from supervisord",
		Body:    "2024-05-06 07:08:09,123 -- Process web:web_01 (pid 42) died unexpectedly\n",
	}
	if err := mail.Deliver(context.Background(), sender, msg, mail.DefaultRetryPolicy()); err != nil {
		// "gave up after 3 attempts over 7s (...): SMTP server smtp.example.com:587 ..."
		fmt.Fprintln(os.Stderr, err)
	}
}

func ExampleNewSendmail() {
	sender, err := mail.NewSendmail("") // mail.DefaultSendmailCommand
	if err != nil {
		// sendmail program /usr/sbin/sendmail not found; install it or set --sendmail_program
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	_ = sender.Send(context.Background(), mail.Message{To: []string{"ops@example.com"}, Subject: "memmon: process web restarted"})
}
