// Package mailcli is the command-line side of mail delivery, shared by the
// plugins that send mail (crashmail, crashmailbatch, fatalmailbatch,
// crashsms): it registers the delivery flags under superlance's long names
// (--smtpHost, --userName, --password, --tls, --fromEmail, --toEmail or
// --email, --sendmail_program) with the short letters each plugin chooses,
// checks them, resolves the SMTP password without requiring it on the
// command line, and builds the mail.Sender they describe.
//
// The short letters differ between plugins because superlance gave the
// same letters different meanings: -p and -s are --program and
// --sendmail_program in crashmail but --password and --subject in the batch
// mailers.
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
	"github.com/spf13/pflag"
)

// Long flag names, as superlance spells them (plus --password-file, which
// superlance lacks).
const (
	FlagSMTPHost     = "smtpHost"
	FlagUserName     = "userName"
	FlagPassword     = "password"
	FlagPasswordFile = "password-file"
	FlagTLS          = "tls"
	FlagFromEmail    = "fromEmail"
	FlagToEmail      = "toEmail"
	FlagEmail        = "email"
	FlagSendmail     = "sendmail_program"
)

// PasswordEnv is the environment variable the SMTP password is read from
// when no -p/--password is given. An [eventlistener:x] section sets it with
// environment=, which, unlike the command line, ps does not show.
const PasswordEnv = "GOLANCE_SMTP_PASSWORD"

// DefaultSMTPHost is the SMTP server the batch mailers use unless told
// otherwise, as in superlance.
const DefaultSMTPHost = "localhost"

// Transport says how mail leaves the host.
type Transport int

const (
	// SMTP hands mail to an SMTP server (-H/--smtpHost).
	SMTP Transport = iota
	// Sendmail pipes mail into a local sendmail-compatible program
	// (--sendmail_program).
	Sendmail
)

// String returns "SMTP" or "sendmail".
func (t Transport) String() string {
	if t == Sendmail {
		return "sendmail"
	}
	return "SMTP"
}

// Shorts are the short letters of one command's mail flags; "" registers
// the flag with its long name only.
type Shorts struct {
	SMTPHost, UserName, Password, FromEmail, Sendmail, To string
}

// Options describe the mail flags of one command.
type Options struct {
	// Default is the transport used when neither --smtpHost nor
	// --sendmail_program is given: Sendmail for crashmail, SMTP for the
	// batch mailers, as in superlance.
	Default Transport
	// ToFlag is the long name of the recipients flag: FlagEmail
	// (crashmail's -m) or FlagToEmail (the batch mailers' -t).
	ToFlag string
	// RequireFrom makes --fromEmail mandatory whatever the transport, as
	// the batch mailers have always required it. SMTP always needs it.
	RequireFrom bool
	// Shorts are the short letters.
	Shorts Shorts
}

// Flags holds the values of one command's mail flags. Register creates it;
// Build turns it into a Delivery once the command line is parsed.
type Flags struct {
	SMTPHost     string
	UserName     string
	Password     string
	PasswordFile string
	TLS          bool
	Sendmail     string
	From         string
	To           string

	opts Options
	fs   *pflag.FlagSet
}

// Register adds the mail flags to fs and returns where their values land.
func Register(fs *pflag.FlagSet, opts Options) *Flags {
	if opts.ToFlag == "" {
		opts.ToFlag = FlagToEmail
	}
	f := &Flags{opts: opts, fs: fs}
	s := opts.Shorts

	hostDefault, sendmailDefault := "", ""
	hostUsage := "send mail through this SMTP `server`, host or host:port (port 25 by default; 465 means implicit TLS)"
	sendmailUsage := "send mail by piping it into this sendmail-compatible `command`, run with /bin/sh -c, instead of SMTP"
	if opts.Default == SMTP {
		hostDefault = DefaultSMTPHost
	} else {
		sendmailDefault = mail.DefaultSendmailCommand
		hostUsage += ", instead of the sendmail command"
		sendmailUsage = "pipe mail into this sendmail-compatible `command`, run with /bin/sh -c"
	}
	fs.StringVarP(&f.SMTPHost, FlagSMTPHost, s.SMTPHost, hostDefault, hostUsage)
	fs.StringVarP(&f.Sendmail, FlagSendmail, s.Sendmail, sendmailDefault, sendmailUsage)
	fs.StringVarP(&f.UserName, FlagUserName, s.UserName, "", "log in to the SMTP server as this `user` (AUTH)")
	fs.StringVarP(&f.Password, FlagPassword, s.Password, "",
		"SMTP `password`; visible to every local user in ps, so prefer the environment variable "+PasswordEnv+" or --"+FlagPasswordFile)
	fs.StringVar(&f.PasswordFile, FlagPasswordFile, "", "read the SMTP password from this `file` (its whole content, less a trailing newline)")
	fs.BoolVar(&f.TLS, FlagTLS, false, "require TLS with the SMTP server (STARTTLS, or implicit TLS on port 465); without it STARTTLS is still used whenever offered")
	fromUsage := "sender `address` of the mail"
	if !opts.RequireFrom {
		fromUsage += " (required for SMTP; without it sendmail uses the local user)"
	}
	fs.StringVarP(&f.From, FlagFromEmail, s.FromEmail, "", fromUsage)
	toUsage := "recipient `addresses`, comma-separated"
	fs.StringVarP(&f.To, opts.ToFlag, s.To, "", toUsage)
	return f
}

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

// Build checks the flags and builds the Delivery they describe. Every
// error is a *cli.UsageError whose text is one line naming the flag at
// fault and the fix. Settings that superlance accepted but that have no
// effect (a user name without a password, SMTP options with sendmail) are
// not errors, so that superlance command lines keep working; Build reports
// them as warnings on log.
func (f *Flags) Build(log *Log) (*Delivery, error) {
	warn := func(format string, args ...any) { log.Printf("warning: "+format, args...) }

	to, err := ParseAddressList(f.To)
	if err != nil {
		return nil, cli.Usagef("invalid %s: %v", f.name(f.opts.ToFlag), err)
	}
	if len(to) == 0 {
		return nil, cli.Usagef("missing %s: give the address(es) to send mail to, comma-separated, e.g. %s ops@example.com",
			f.name(f.opts.ToFlag), f.example(f.opts.ToFlag))
	}
	if f.From != "" {
		if _, err := netmail.ParseAddress(f.From); err != nil {
			return nil, cli.Usagef("invalid %s %q: %v; give one address such as supervisor@example.com", f.name(FlagFromEmail), f.From, err)
		}
	}

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

	if f.From == "" && (transport == SMTP || f.opts.RequireFrom) {
		why := "SMTP needs a sender address"
		if transport == Sendmail {
			why = "the mail needs a sender address"
		}
		return nil, cli.Usagef("missing %s: %s, e.g. %s supervisor@example.com", f.name(FlagFromEmail), why, f.example(FlagFromEmail))
	}

	d := &Delivery{Transport: transport, From: f.From, To: to}
	if transport == Sendmail {
		for _, name := range []string{FlagUserName, FlagPassword, FlagPasswordFile, FlagTLS} {
			if f.changed(name) {
				warn("%s has no effect when mail goes through sendmail; it applies to SMTP (%s)", f.name(name), f.name(FlagSMTPHost))
			}
		}
		s, err := mail.NewSendmail(f.Sendmail)
		if err != nil {
			return nil, &cli.UsageError{Err: err}
		}
		d.Sender, d.Target = s, fmt.Sprintf("sendmail command %q", s.Command())
		return d, nil
	}

	cfg := mail.SMTPConfig{Host: f.SMTPHost, RequireTLS: f.TLS}
	pw, err := secret.Source{
		Name:   "SMTP password",
		Value:  f.Password,
		Env:    PasswordEnv,
		File:   f.PasswordFile,
		Logger: log.Slog(),
	}.Resolve()
	switch {
	case errors.Is(err, secret.ErrNotSet):
		if f.UserName != "" {
			warn("%s %q given without a password (%s, environment variable %s or %s): sending without logging in",
				f.name(FlagUserName), f.UserName, f.name(FlagPassword), PasswordEnv, f.name(FlagPasswordFile))
		}
	case err != nil:
		return nil, &cli.UsageError{Err: err}
	case f.UserName == "":
		warn("an SMTP password was given (from %s) but no %s: sending without logging in", pw.Origin(), f.name(FlagUserName))
	default:
		cfg.Username, cfg.Password, cfg.PasswordOrigin = f.UserName, pw.Reveal(), pw.Origin()
	}
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		return nil, &cli.UsageError{Err: err}
	}
	d.Sender, d.Target = s, "SMTP server "+s.Addr()
	return d, nil
}

// changed reports whether the flag was given on the command line.
func (f *Flags) changed(name string) bool {
	fl := f.fs.Lookup(name)
	return fl != nil && fl.Changed
}

// name renders a flag as users type it: "-t/--toEmail" or "--tls".
func (f *Flags) name(long string) string {
	if fl := f.fs.Lookup(long); fl != nil && fl.Shorthand != "" {
		return "-" + fl.Shorthand + "/--" + long
	}
	return "--" + long
}

// example renders a flag the short way, for examples in messages.
func (f *Flags) example(long string) string {
	if fl := f.fs.Lookup(long); fl != nil && fl.Shorthand != "" {
		return "-" + fl.Shorthand
	}
	return "--" + long
}

// ParseAddressList splits a comma-separated list of addresses, trimming
// spaces around each and skipping empty items, as superlance's -t does,
// and checks that each is one valid address.
func ParseAddressList(s string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if _, err := netmail.ParseAddress(item); err != nil {
			return nil, fmt.Errorf("%q is not a mail address (%v); give addresses such as ops@example.com, separated by commas", item, err)
		}
		out = append(out, item)
	}
	return out, nil
}

// dropTime removes slog's time attribute: supervisord's log of a
// listener's stderr is a file the operator reads next to others, and the
// warning is printed once, at startup.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
