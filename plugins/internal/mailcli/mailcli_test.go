package mailcli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/spf13/pflag"
)

// crashmailOptions and batchOptions are the two ways the plugins register
// the flags.
var (
	crashmailOptions = Options{Default: Sendmail, ToFlag: FlagEmail,
		Shorts: Shorts{SMTPHost: "H", UserName: "u", FromEmail: "f", Sendmail: "s", To: "m"}}
	batchOptions = Options{Default: SMTP, ToFlag: FlagToEmail, RequireFrom: true,
		Shorts: Shorts{SMTPHost: "H", UserName: "u", Password: "p", FromEmail: "f", To: "t"}}
	memmonOptions = Options{Default: Sendmail, ToFlag: FlagEmail, Optional: true,
		Shorts: Shorts{Sendmail: "s", To: "m"}}
)

// build parses args as a command with opts would and builds the Delivery.
func build(t *testing.T, opts Options, args ...string) (*Delivery, string, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f := Register(fs, opts)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	var buf bytes.Buffer
	d, err := f.Build(log.New(&buf))
	return d, messages(buf.String()), err
}

// messages returns the log's lines without their time stamps.
func messages(s string) string {
	return regexp.MustCompile(`(?m)^[-\d]+ [:,\d]+ `).ReplaceAllString(s, "")
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
		{crashmailOptions, []string{"-m", "ops@example.com,ops team"},
			`invalid -m/--email: "ops team" is neither a mail address nor a local mailbox name; give addresses such as ops@example.com or local names such as root, separated by commas`},
		{batchOptions, []string{"-t", "ops@example.com, root", "-f", "me@example.com"},
			`invalid -t/--toEmail: "root" is a local mailbox name, and SMTP needs full addresses such as root@example.com (local names work through sendmail, --sendmail_program)`},
		{crashmailOptions, []string{"-m", "root", "-H", "mail.example.com", "-f", "me@example.com"},
			`invalid -m/--email: "root" is a local mailbox name, and SMTP needs full addresses such as root@example.com (local names work through sendmail, -s/--sendmail_program)`},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me"},
			`invalid -f/--fromEmail "me": it is not a mail address; give one address such as supervisor@example.com`},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me@example.com", "-H", "mail.example.com", "--sendmail_program", script},
			"both -H/--smtpHost and --sendmail_program given: choose one way to send mail (SMTP or sendmail)"},
		{batchOptions, []string{"-t", "ops@example.com", "-f", "me@example.com", "-H", "smtp://mail.example.com"},
			`invalid SMTP host "smtp://mail.example.com": it is a URL; give host or host:port, e.g. smtp.example.com:587`},
		{crashmailOptions, []string{"-m", "ops@example.com", "-s", "/no/such/sendmail -t"},
			"sendmail program /no/such/sendmail not found; install it or set --sendmail_program"},
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
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "s3cret"))
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

// A password on the command line still logs in, with one warning line
// naming the places that ps does not show, for crashmail's --password and
// the batch mailers' -p alike; one from elsewhere says nothing.
func TestPasswordOnTheCommandLineWarns(t *testing.T) {
	t.Setenv(PasswordEnv, "")
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "s3cret"))
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const instead = ", where every local user can read it with ps: set environment variable GOLANCE_SMTP_PASSWORD " +
		"(environment= in the [eventlistener:x] section), or name a file holding it with --password-file instead"
	for _, tt := range []struct {
		opts Options
		args []string
		want string
	}{
		{crashmailOptions, []string{"-m", "ops@example.com", "--password", "s3cret"}, "WARN the SMTP password is on the command line (--password)" + instead},
		{batchOptions, []string{"-t", "ops@example.com", "-p", "s3cret"}, "WARN the SMTP password is on the command line (-p/--password)" + instead},
		{batchOptions, []string{"-t", "ops@example.com", "--password-file", file}, ""},
	} {
		args := append([]string{"-f", "me@example.com", "-H", srv.Addr(), "-u", "bob"}, tt.args...)
		d, log, err := build(t, tt.opts, args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if strings.TrimSpace(log) != tt.want {
			t.Errorf("%q logged:\n%s\nwant:\n%s", args, log, tt.want)
		}
		if err := d.Sender.Send(context.Background(), mail.Message{From: d.From, To: d.To, Subject: "x"}); err != nil {
			t.Errorf("%q: the password did not log in: %v", args, err)
		}
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
			`WARN -u/--userName "bob" given without a password (-p/--password, environment variable GOLANCE_SMTP_PASSWORD or --password-file): sending without logging in`},
		{batchOptions, []string{"-t", "a@example.com", "-f", "me@example.com", "-p", "pw"},
			"WARN the SMTP password is on the command line (-p/--password), where every local user can read it with ps: " +
				"set environment variable GOLANCE_SMTP_PASSWORD (environment= in the [eventlistener:x] section), or name a file holding it with --password-file instead\n" +
				"WARN an SMTP password was given (from the command line) but no -u/--userName: sending without logging in"},
		{crashmailOptions, []string{"-m", "a@example.com", "-s", script, "--tls", "-u", "bob"},
			"WARN -u/--userName has no effect when mail goes through sendmail; it applies to SMTP (-H/--smtpHost)\n" +
				"WARN --tls has no effect when mail goes through sendmail; it applies to SMTP (-H/--smtpHost)"},
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

// superlance's plugins mail through sendmail -t, which takes local
// mailbox names and comma-separated lists: so do golance's, in every form
// superlance users write, and -m may also be repeated.
func TestRecipientForms(t *testing.T) {
	t.Parallel()
	script, out := sendmailScript(t)
	for _, tt := range []struct {
		opts Options
		args []string
		want []string
	}{
		{crashmailOptions, []string{"-m", "root"}, []string{"root"}},
		{crashmailOptions, []string{"-m", "a@example.com,b@example.org"}, []string{"a@example.com", "b@example.org"}},
		{crashmailOptions, []string{"-m", " root , ops@example.com ,"}, []string{"root", "ops@example.com"}},
		{memmonOptions, []string{"-m", "root,ops-team"}, []string{"root", "ops-team"}},
		{memmonOptions, []string{"-m", "root", "-m", "ops@example.com"}, []string{"root", "ops@example.com"}},
		{batchOptions, []string{"-t", "root", "--sendmail_program", script, "-f", "me@example.com"}, []string{"root"}},
	} {
		args := append(tt.args, "--"+FlagSendmail, script)
		d, _, err := build(t, tt.opts, args...)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !slices.Equal(d.To, tt.want) || d.Transport != Sendmail {
			t.Errorf("%q: To %q over %v, want %q over sendmail", tt.args, d.To, d.Transport, tt.want)
		}
		// The mail goes out, the recipients in its To header for sendmail -t.
		if err := d.Sender.Send(context.Background(), mail.Message{From: d.From, To: d.To, Subject: "x"}); err != nil {
			t.Errorf("%q: send: %v", tt.args, err)
		}
		data, err := os.ReadFile(out)
		if err != nil || !strings.Contains(string(data), "To: "+strings.Join(tt.want, ", ")+"\n") {
			t.Errorf("%q: mail: %v\n%s", tt.args, err, data)
		}
	}
}

// Without -m a plugin for which mail is optional sends none; mail
// settings given anyway are named in one warning.
func TestOptionalRecipients(t *testing.T) {
	t.Parallel()
	d, log, err := build(t, memmonOptions)
	if d != nil || err != nil || log != "" {
		t.Errorf("no -m: %+v, %q, %v", d, log, err)
	}
	d, log, err = build(t, memmonOptions, "-s", "/no/such/sendmail", "--fromEmail", "me@example.com")
	if d != nil || err != nil || strings.TrimSpace(log) != "WARN -s/--sendmail_program, --fromEmail: no effect without -m/--email, which says where to mail" {
		t.Errorf("-s without -m: %+v, %q, %v", d, log, err)
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Register(fs, memmonOptions)
	for _, long := range []string{FlagSMTPHost, FlagUserName, FlagPassword, FlagFromEmail} {
		if fl := fs.Lookup(long); fl == nil || fl.Shorthand != "" {
			t.Errorf("memmon's --%s: %+v, want it long-only", long, fl)
		}
	}
}

// --tls makes TLS mandatory: a server without STARTTLS gets nothing.
// Without --tls STARTTLS is still used when offered.
func TestTLSFlag(t *testing.T) {
	t.Parallel()
	plain := mailserver.NewServer(t)
	d, _, err := build(t, batchOptions, "-t", "a@example.com", "-f", "me@example.com", "-H", plain.Addr(), "--tls")
	if err != nil {
		t.Fatal(err)
	}
	err = d.Sender.Send(context.Background(), mail.Message{From: d.From, To: d.To})
	if !errors.Is(err, mail.ErrTLSRequired) || len(plain.Messages()) != 0 {
		t.Errorf("--tls against a plain server: %v", err)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	d := &Delivery{To: []string{"root", "ops@example.com"}, Target: `sendmail command "/usr/sbin/sendmail -t -i"`}
	if got := Summary(d); got != `mailing root, ops@example.com through sendmail command "/usr/sbin/sendmail -t -i"` {
		t.Errorf("Summary = %q", got)
	}
	if got := Summary(nil); got != "no mail" {
		t.Errorf("Summary(nil) = %q", got)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	var none *Delivery
	if none.Check() == nil || (&Delivery{To: []string{"root"}}).Check() == nil {
		t.Error("a Delivery without a Sender passed")
	}
	s, err := mail.NewSendmail("cat")
	if err != nil {
		t.Fatal(err)
	}
	if (&Delivery{Sender: s}).Check() == nil || (&Delivery{Sender: s, To: []string{"root"}}).Check() != nil {
		t.Error("Check disagrees about recipients")
	}
}

// With Options.Outbox the outbox flags come after the mail flags, and
// Build checks them and puts them there, with mail or without: a bad
// value is a usage error naming the flag.
func TestOutboxFlags(t *testing.T) {
	t.Parallel()
	var ob outbox.Config
	opts := memmonOptions
	opts.Outbox = &ob
	if _, _, err := build(t, opts, "--outbox", "/var/spool/x", "--outbox-max", "7", "--outbox-max-age", "2h"); err != nil ||
		ob.Dir != "/var/spool/x" || ob.MaxItems != 7 || ob.MaxAge != 2*time.Hour {
		t.Errorf("no -m: %+v, %v", ob, err)
	}
	ob = outbox.Config{}
	if d, _, err := build(t, opts, "-m", "root", "-s", "cat"); d == nil || err != nil || ob.MaxItems != outbox.DefaultMaxItems || ob.MaxAge != outbox.DefaultMaxAge {
		t.Errorf("the defaults: %+v, %v", ob, err)
	}
	var usage *cli.UsageError
	if _, _, err := build(t, opts, "-m", "root", "-s", "cat", "--outbox-max", "0"); !errors.As(err, &usage) || !strings.Contains(err.Error(), "--outbox-max 0") {
		t.Errorf("--outbox-max 0: %v", err)
	}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SortFlags = false
	Register(fs, opts)
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if i := slices.Index(names, outbox.FlagOutbox); i < 0 || i < slices.Index(names, FlagFromEmail) {
		t.Errorf("flags in order %q: want --outbox after the mail flags", names)
	}
	fs = pflag.NewFlagSet("test", pflag.ContinueOnError)
	Register(fs, memmonOptions)
	if fs.Lookup(outbox.FlagOutbox) != nil {
		t.Error("--outbox registered without Options.Outbox")
	}
}
