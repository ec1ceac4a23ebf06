package mailcli

import (
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"

	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/secret"
)

// Delivery is a checked, ready-to-use mail configuration.
type Delivery struct {
	// Sender delivers messages.
	Sender mail.Sender
	// Transport is the transport Sender uses.
	Transport Transport
	// From is the sender address, "" when sendmail is to fill it in.
	From string
	// To lists the recipients.
	To []string
	// Target describes where mail goes, for log lines: "SMTP server
	// localhost:25" or `sendmail command "/usr/sbin/sendmail -t -i"`.
	Target string
}

// String describes the delivery for a start-up line: "ops@example.com
// through SMTP server localhost:25".
func (d *Delivery) String() string {
	if d.Target == "" {
		return strings.Join(d.To, ", ")
	}
	return strings.Join(d.To, ", ") + " through " + d.Target
}

// Sink returns the outbox sink that delivers this mail.
func (d *Delivery) Sink() *mail.Sink {
	return mail.NewSink(d.Sender, d.From, d.To, d.String())
}

// Check reports a Delivery that cannot send: none at all, no Sender, no
// recipient.
func (d *Delivery) Check() error {
	switch {
	case d == nil || d.Sender == nil:
		return errors.New("no mail delivery configured")
	case len(d.To) == 0:
		return errors.New("no mail recipient")
	}
	return nil
}

// Summary says what a plugin whose mail is optional does, for its
// start-up line: "mailing ops@example.com through ...", or "no mail"
// without recipients (a nil Delivery).
func Summary(d *Delivery) string {
	if d == nil {
		return "no mail"
	}
	return "mailing " + d.String()
}

// Build checks the flags and builds the Delivery they describe, or nil
// when the recipients are optional and none were given. Every error is a
// *cli.UsageError whose text is one line naming the flag at fault and the
// fix. Settings that superlance accepted but that have no effect (a user
// name without a password, SMTP options with sendmail, mail options
// without recipients) are not errors, so that superlance command lines
// keep working; Build logs them as warnings. With Options.Outbox, Build
// first checks the outbox flags and puts them there, mail or no mail.
func (f *Flags) Build(log *slog.Logger) (*Delivery, error) {
	if f.outbox != nil {
		if err := f.outbox.Validate(); err != nil {
			return nil, &cli.UsageError{Err: err}
		}
		f.outbox.Apply(f.opts.Outbox)
	}
	warn := func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) }

	transport := f.opts.Default
	hostSet, sendmailSet := f.changed(FlagSMTPHost), f.changed(FlagSendmail)
	switch {
	case hostSet && sendmailSet:
		return nil, cli.Usagef("both %s and %s given: choose one way to send mail (SMTP or sendmail)",
			f.name(FlagSMTPHost), f.name(FlagSendmail))
	case hostSet:
		transport = SMTP
	case sendmailSet:
		transport = Sendmail
	}

	if len(f.to) == 0 {
		if !f.opts.Optional {
			return nil, cli.Usagef("missing %s: give the address(es) to send mail to, comma-separated, e.g. %s ops@example.com",
				f.name(f.opts.ToFlag), f.example(f.opts.ToFlag))
		}
		var given []string
		for _, name := range []string{FlagSMTPHost, FlagSendmail, FlagUserName, FlagPassword, FlagPasswordFile, FlagTLS, FlagFromEmail} {
			if f.changed(name) {
				given = append(given, f.name(name))
			}
		}
		if len(given) > 0 {
			warn("%s: no effect without %s, which says where to mail", strings.Join(given, ", "), f.name(f.opts.ToFlag))
		}
		return nil, nil
	}
	if err := f.to.check(transport, f.name(FlagSendmail)); err != nil {
		return nil, cli.Usagef("invalid %s: %v", f.name(f.opts.ToFlag), err)
	}
	if f.from != "" {
		if _, err := netmail.ParseAddress(f.from); err != nil {
			return nil, cli.Usagef("invalid %s %q: it is not a mail address; give one address such as supervisor@example.com", f.name(FlagFromEmail), f.from)
		}
	}
	if f.from == "" && (transport == SMTP || f.opts.RequireFrom) {
		why := "SMTP needs a sender address"
		if transport == Sendmail {
			why = "the mail needs a sender address"
		}
		return nil, cli.Usagef("missing %s: %s, e.g. %s supervisor@example.com", f.name(FlagFromEmail), why, f.example(FlagFromEmail))
	}

	d := &Delivery{Transport: transport, From: f.from, To: []string(f.to)}
	if transport == Sendmail {
		for _, name := range []string{FlagUserName, FlagPassword, FlagPasswordFile, FlagTLS} {
			if f.changed(name) {
				warn("%s has no effect when mail goes through sendmail; it applies to SMTP (%s)", f.name(name), f.name(FlagSMTPHost))
			}
		}
		s, err := mail.NewSendmail(f.sendmail)
		if err != nil {
			return nil, &cli.UsageError{Err: err}
		}
		d.Sender, d.Target = s, fmt.Sprintf("sendmail command %q", s.Command())
		return d, nil
	}

	cfg := mail.SMTPConfig{Host: f.smtpHost, RequireTLS: f.tls}
	pw, err := secret.Source{
		Name:     "SMTP password",
		Value:    f.password,
		Env:      PasswordEnv,
		File:     f.passwordFile,
		Flag:     f.name(FlagPassword),
		FileFlag: f.name(FlagPasswordFile),
		Logger:   log,
	}.Resolve()
	switch {
	case errors.Is(err, secret.ErrNotSet):
		if f.userName != "" {
			warn("%s %q given without a password (%s, environment variable %s or %s): sending without logging in",
				f.name(FlagUserName), f.userName, f.name(FlagPassword), PasswordEnv, f.name(FlagPasswordFile))
		}
	case err != nil:
		return nil, &cli.UsageError{Err: err}
	case f.userName == "":
		warn("an SMTP password was given (from %s) but no %s: sending without logging in", pw.Origin(), f.name(FlagUserName))
	default:
		cfg.Username, cfg.Password, cfg.PasswordOrigin = f.userName, pw.Reveal(), pw.Origin()
	}
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	d.Sender, d.Target = s, "SMTP server "+s.Addr()
	return d, nil
}
