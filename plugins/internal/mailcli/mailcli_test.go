package mailcli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mail/mailtest"
	"github.com/spf13/pflag"
)

// crashmailOptions and batchOptions are the two ways the plugins register
// the flags.
var (
	crashmailOptions = Options{Default: Sendmail, ToFlag: FlagEmail,
		Shorts: Shorts{SMTPHost: "H", UserName: "u", FromEmail: "f", Sendmail: "s", To: "m"}}
	batchOptions = Options{Default: SMTP, ToFlag: FlagToEmail, RequireFrom: true,
		Shorts: Shorts{SMTPHost: "H", UserName: "u", Password: "p", FromEmail: "f", To: "t"}}
)

// build parses args as a command with opts would and builds the Delivery.
func build(t *testing.T, opts Options, args ...string) (*Delivery, string, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f := Register(fs, opts)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	var log bytes.Buffer
	d, err := f.Build(NewLog(&log))
	return d, log.String(), err
}

// sendmailScript writes an executable that stores its input in a file
// and returns both paths.
func sendmailScript(t *testing.T) (script, out string) {
	t.Helper()
	dir := t.TempDir()
	script, out = filepath.Join(dir, "sendmail"), filepath.Join(dir, "out")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat > "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, out
}

func TestShortLettersFollowThePlugin(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts  Options
		short map[string]string
	}{
		{crashmailOptions, map[string]string{FlagSMTPHost: "H", FlagSendmail: "s", FlagEmail: "m", FlagPassword: "", FlagFromEmail: "f", FlagUserName: "u"}},
		{batchOptions, map[string]string{FlagSMTPHost: "H", FlagSendmail: "", FlagToEmail: "t", FlagPassword: "p", FlagFromEmail: "f", FlagUserName: "u"}},
	} {
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		Register(fs, tt.opts)
		for long, short := range tt.short {
			fl := fs.Lookup(long)
			if fl == nil || fl.Shorthand != short {
				t.Errorf("--%s: %+v, want short %q", long, fl, short)
			}
		}
		for _, long := range []string{FlagTLS, FlagPasswordFile} {
			if fs.Lookup(long) == nil {
				t.Errorf("--%s not registered", long)
			}
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	// The batch mailers default to SMTP on localhost:25, as superlance.
	d, log, err := build(t, batchOptions, "-t", "a@example.com, b@example.com ,", "-f", "me@example.com")
	if err != nil || d.Transport != SMTP || d.Target != "SMTP server localhost:25" || log != "" {
		t.Fatalf("batch default: %+v, %q, %v", d, log, err)
	}
	if strings.Join(d.To, "|") != "a@example.com|b@example.com" || d.From != "me@example.com" {
		t.Errorf("addresses %q from %q", d.To, d.From)
	}
	// crashmail defaults to sendmail; From is optional there.
	script, _ := sendmailScript(t)
	d, _, err = build(t, crashmailOptions, "-m", "ops@example.com", "-s", script+" -t -i")
	if err != nil || d.Transport != Sendmail || d.From != "" || d.Target != `sendmail command "`+script+` -t -i"` {
		t.Fatalf("crashmail with -s: %+v, %v", d, err)
	}
	// The flag's default is superlance's command.
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Register(fs, crashmailOptions)
	if got := fs.Lookup(FlagSendmail).DefValue; got != mail.DefaultSendmailCommand {
		t.Errorf("sendmail default %q", got)
	}
	// -H switches crashmail to SMTP, and the batch mailers' --sendmail_program to sendmail.
	d, _, err = build(t, crashmailOptions, "-m", "ops@example.com", "-H", "mail.example.com:587", "-f", "me@example.com")
	if err != nil || d.Transport != SMTP || d.Target != "SMTP server mail.example.com:587" {
		t.Errorf("crashmail with -H: %+v, %v", d, err)
	}
	d, _, err = build(t, batchOptions, "-t", "ops@example.com", "-f", "me@example.com", "--sendmail_program", script)
	if err != nil || d.Transport != Sendmail {
		t.Errorf("batch with --sendmail_program: %+v, %v", d, err)
	}
}

func TestBadInputIsOneUsageLine(t *testing.T) {
	t.Parallel()
	script, _ := sendmailScript(t)
	tests := []struct {
		opts Options
		args []string
		want string
	}{
		{batchOptions, []string{"-f", "me@example.com"},
			"missing -t/--toEmail: give the address(es) to send mail to, comma-separated, e.g. -t ops@example.com"},
		{crashmailOptions, nil,
			"missing -m/--email: give the address(es) to send mail to, comma-separated, e.g. -m ops@example.com"},
		{batchOptions, []string{"-t", "ops@example.com"},
			"missing -f/--fromEmail: SMTP needs a sender address, e.g. -f supervisor@example.com"},
		{batchOptions, []string{"-t", "ops@example.com", "--sendmail_program", script},
			"missing -f/--fromEmail: the mail needs a sender address, e.g. -f supervisor@example.com"},
		{crashmailOptions, []string{"-m", "ops@example.com", "-H", "mail.example.com"},
			"missing -f/--fromEmail: SMTP needs a sender address, e.g. -f supervisor@example.com"},
		{crashmailOptions, []string{"-m", "ops@example.com,None"},
			`invalid -m/--email: "None" is not a mail address (mail: missing '@' or angle-addr); give addresses such as ops@example.com, separated by commas`},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me"},
			`invalid -f/--fromEmail "me": mail: missing '@' or angle-addr; give one address such as supervisor@example.com`},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me@example.com", "-H", "mail.example.com", "--sendmail_program", script},
			"both -H/--smtpHost and --sendmail_program given: choose one way to send mail (SMTP or sendmail)"},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me@example.com", "-H", "smtp://mail.example.com"},
			`invalid SMTP host "smtp://mail.example.com": it is a URL; give host or host:port, e.g. smtp.example.com:587`},
		{crashmailOptions, []string{"-m", "ops@example.com", "-s", "/no/such/sendmail -t"},
			"sendmail program /no/such/sendmail not found; install it or set -s/--sendmail_program"},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me@example.com", "-u", "bob", "--password-file", "/no/such/file"},
			"SMTP password file /no/such/file does not exist; create it holding only the SMTP password, or fix the path"},
	}
	for _, tt := range tests {
		_, _, err := build(t, tt.opts, tt.args...)
		var usage *cli.UsageError
		if !errors.As(err, &usage) || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got %v\nwant %s", tt.args, err, tt.want)
		}
	}
}

// The password comes from -p, else GOLANCE_SMTP_PASSWORD, else
// --password-file, and is used to log in.
func TestPasswordSources(t *testing.T) {
	// Not parallel: it sets an environment variable.
	srv := mailtest.NewServer(t, mailtest.WithAuth("bob", "s3cret"))
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"-t", "ops@example.com", "-f", "me@example.com", "-H", srv.Addr(), "-u", "bob"}
	send := func(args ...string) error {
		t.Helper()
		d, _, err := build(t, batchOptions, append(base, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		return d.Sender.Send(context.Background(), mail.Message{From: d.From, To: d.To, Subject: "x"})
	}
	if err := send("-p", "s3cret"); err != nil {
		t.Errorf("-p: %v", err)
	}
	if err := send("--password-file", file); err != nil {
		t.Errorf("--password-file: %v", err)
	}
	t.Setenv(PasswordEnv, "s3cret")
	if err := send(); err != nil {
		t.Errorf("%s: %v", PasswordEnv, err)
	}
	// The environment comes before the file.
	if err := send("--password-file", "/no/such/file"); err != nil {
		t.Errorf("%s with a missing --password-file: %v", PasswordEnv, err)
	}
	t.Setenv(PasswordEnv, "wrong")
	if err := send(); !errors.Is(err, mail.ErrAuth) || !strings.Contains(err.Error(), "environment variable "+PasswordEnv) {
		t.Errorf("wrong password: %v", err)
	}
	if n := len(srv.Messages()); n != 4 {
		t.Errorf("%d messages, want 4", n)
	}
}

// What superlance accepted without effect still starts, with a warning.
func TestIneffectiveSettingsWarn(t *testing.T) {
	t.Setenv(PasswordEnv, "")
	script, _ := sendmailScript(t)
	tests := []struct {
		opts Options
		args []string
		warn string
	}{
		{batchOptions, []string{"-t", "a@example.com", "-f", "me@example.com", "-u", "bob"},
			`warning: -u/--userName "bob" given without a password (-p/--password, environment variable GOLANCE_SMTP_PASSWORD or --password-file): sending without logging in`},
		{batchOptions, []string{"-t", "a@example.com", "-f", "me@example.com", "-p", "pw"},
			"warning: an SMTP password was given (from the command line) but no -u/--userName: sending without logging in"},
		{crashmailOptions, []string{"-m", "a@example.com", "-s", script, "--tls", "-u", "bob"},
			"warning: -u/--userName has no effect when mail goes through sendmail; it applies to SMTP (-H/--smtpHost)\n" +
				"warning: --tls has no effect when mail goes through sendmail; it applies to SMTP (-H/--smtpHost)"},
	}
	for _, tt := range tests {
		d, log, err := build(t, tt.opts, tt.args...)
		if err != nil || d == nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if strings.TrimSpace(log) != tt.warn {
			t.Errorf("%q logged:\n%s\nwant:\n%s", tt.args, log, tt.warn)
		}
	}
}

// --tls makes TLS mandatory: a server without STARTTLS gets nothing.
// Without --tls STARTTLS is still used when offered.
func TestTLSFlag(t *testing.T) {
	t.Parallel()
	plain := mailtest.NewServer(t)
	d, _, err := build(t, batchOptions, "-t", "a@example.com", "-f", "me@example.com", "-H", plain.Addr(), "--tls")
	if err != nil {
		t.Fatal(err)
	}
	err = d.Sender.Send(context.Background(), mail.Message{From: d.From, To: d.To})
	if !errors.Is(err, mail.ErrTLSRequired) || len(plain.Messages()) != 0 {
		t.Errorf("--tls against a plain server: %v", err)
	}
}
