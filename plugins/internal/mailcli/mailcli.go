// Package mailcli is the command-line side of mail, one registration for
// every plugin that mails (crashmail, crashmailbatch, fatalmailbatch,
// crashsms, memmon, httpok, ordered-startup): it registers the delivery
// flags under superlance's long names (--smtpHost, --userName,
// --password, --tls, --fromEmail, --toEmail or --email,
// --sendmail_program, plus --password-file) with the short letters and
// defaults each binary has in superlance, checks them, resolves the SMTP
// password without requiring it on the command line, and builds the
// mail.Sender they describe.
//
// The short letters differ between plugins because superlance gave the
// same letters different meanings: -p and -s are --program and
// --sendmail_program in crashmail but --password and --subject in the batch
// mailers; -u is memmon's --uptime. A flag superlance has no letter for is
// registered with its long name only.
//
// Recipients are given as superlance's plugins take them, through
// sendmail -t: addresses and local mailbox names ("root"), comma-separated
// and, in golance, also repeatable. SMTP needs full addresses; a local
// name with SMTP is refused at start-up with one line saying so.
//
//	mailcli.go     Options, Register, Flags
//	delivery.go    Delivery, Flags.Build
//	recipients.go  the recipient list flag
//	notices.go     Notices: report mails through the outbox, for plugins whose work is not mail
package mailcli

import (
	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/outbox"
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
	// --sendmail_program is given: Sendmail for crashmail, memmon, httpok
	// and ordered-startup, SMTP for the batch mailers, as in superlance.
	Default Transport
	// ToFlag is the long name of the recipients flag: FlagEmail (-m) or
	// FlagToEmail (the batch mailers' -t).
	ToFlag string
	// Optional makes the recipients optional: without them the plugin
	// sends no mail (memmon, httpok, ordered-startup). Otherwise they are
	// required.
	Optional bool
	// RequireFrom makes --fromEmail mandatory whatever the transport, as
	// the batch mailers have always required it. SMTP always needs it.
	RequireFrom bool
	// About says what the mail reports, for the recipients flag's help:
	// "each unexpected exit", "each restart".
	About string
	// Shorts are the short letters.
	Shorts Shorts
	// Outbox, if set, is where Build puts what the outbox flags say
	// (--outbox, --outbox-max, --outbox-max-age), which Register then adds
	// after the mail flags: the plugins whose mail waits in an outbox
	// register, check and apply them the same way.
	Outbox *outbox.Config
}

// Flags holds the values of one command's mail flags. Register creates it;
// Build turns it into a Delivery once the command line is parsed.
type Flags struct {
	smtpHost     string
	userName     string
	password     string
	passwordFile string
	tls          bool
	sendmail     string
	from         string
	to           recipients
	// outbox holds the outbox flags when Options.Outbox is set.
	outbox *outbox.Flags

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
	about := opts.About
	if about == "" {
		about = "each notification"
	}
	toUsage := "mail " + about + " to these `addresses`: comma-separated, repeatable; local names such as root work through sendmail"
	if opts.Optional {
		toUsage += " (no mail without it)"
	}
	fs.VarP(&f.to, opts.ToFlag, s.To, toUsage)
	fs.StringVarP(&f.smtpHost, FlagSMTPHost, s.SMTPHost, hostDefault, hostUsage)
	fs.StringVarP(&f.sendmail, FlagSendmail, s.Sendmail, sendmailDefault, sendmailUsage)
	fs.StringVarP(&f.userName, FlagUserName, s.UserName, "", "log in to the SMTP server as this `user` (AUTH)")
	fs.StringVarP(&f.password, FlagPassword, s.Password, "",
		"SMTP `password`; visible to every local user in ps, so prefer the environment variable "+PasswordEnv+" or --"+FlagPasswordFile)
	fs.StringVar(&f.passwordFile, FlagPasswordFile, "", "read the SMTP password from this `file` (its whole content, less a trailing newline)")
	manual.EnvFlag(fs, FlagPassword, manual.EnvVar{Name: PasswordEnv, Text: "The SMTP password, when neither --" + FlagPassword + " nor --" + FlagPasswordFile + " gives one; set it with environment= in the [eventlistener:x] section, which ps does not show."})
	fs.BoolVar(&f.tls, FlagTLS, false, "require TLS with the SMTP server (STARTTLS, or implicit TLS on port 465); without it STARTTLS is still used whenever offered")
	fromUsage := "sender `address` of the mail"
	if !opts.RequireFrom {
		fromUsage += " (required for SMTP; without it sendmail uses the local user)"
	}
	fs.StringVarP(&f.from, FlagFromEmail, s.FromEmail, "", fromUsage)
	if opts.Outbox != nil {
		f.outbox = outbox.RegisterFlags(fs)
	}
	return f
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
