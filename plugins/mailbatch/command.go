package mailbatch

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// examples holds the sections shown in --help and the docs; the tests
// start the binaries with them.
//
//go:embed examples/*.conf
var examples embed.FS

// examplesOf returns the example sections of the batch mailer named name:
// examples/<name>.conf, then examples/<name>-*.conf.
func examplesOf(name string) []string {
	extras, _ := fs.Glob(examples, "examples/"+name+"-*.conf")
	files := append([]string{"examples/" + name + ".conf"}, extras...)
	var out []string
	for _, f := range files {
		data, _ := examples.ReadFile(f)
		out = append(out, string(data))
	}
	return out
}

// NewCommand returns the command of the batch mailer called name:
// crashmailbatch, fatalmailbatch or crashsms.
func NewCommand(name string) *cobra.Command {
	k, ok := kindNamed(name)
	if !ok {
		panic("mailbatch: no batch mailer called " + name)
	}
	var (
		cfg       = config{kind: k}
		interval  float64
		tickEvent string
	)
	subjectNote := fmt.Sprintf("%q", k.defaultSubject)
	if k.defaultSubject == "" {
		subjectNote = "none: the mail has no Subject header unless -s gives one"
	}
	cmd := &cobra.Command{
		Use:   k.name + " -t ADDRESSES -f ADDRESS [flags]",
		Short: k.short,
		Long: wrap(k.name+" is a supervisord event listener that "+k.long+" as one batch per interval (-i, in minutes). "+
			"The interval is counted in the tick events named by -e (default TICK_60), which the listener must subscribe "+
			"to as well. An empty batch sends nothing. The default subject is "+subjectNote+".", 80) + `

The interval is counted in whole ticks: the batch is due once ticks x tick
period reaches round(interval x 60) seconds, so an interval that is not a multiple
of the tick period is rounded up to the next tick (-i 1.5 with TICK_60 sends
every 2 minutes) and -i 2 with TICK_5 sends on every 24th tick. The count is
kept in the outbox with the pending batch, so that a listener restarted in the
middle of an interval continues it and mails on the same tick.

No line is dropped. A collected event is acknowledged once its line is in the
pending batch, which the outbox keeps on disk; the tick that completes the
interval is acknowledged once the batch is a mail in the outbox, which delivers
it in the background and retries for as long as its bounds allow, across
restarts of the listener, so that a mail server that is down never makes
supervisord drop events. A batch pending when the listener is stopped (SIGTERM)
or loses its input is queued before it exits. --spool is another name for
--outbox (an old spool file there is moved into the outbox). With --outbox none,
lines and the count are kept in memory only, and a batch whose mail fails is
kept and sent again at the next interval with the lines collected since.

Mail goes to an SMTP server (-H, default localhost:25; STARTTLS whenever the
server offers it, --tls to require TLS, port 465 for implicit TLS) or, with
--sendmail_program, through a local sendmail. The SMTP password can come from
-p, from the environment variable ` + mailcli.PasswordEnv + `, or from
--password-file; prefer the last two, since every local user can read a command
line.`,
		Example: cli.Example(examplesOf(k.name)...),
	}
	cli.Setup(cmd)
	fs := cmd.Flags()
	fs.Float64VarP(&interval, "interval", "i", 1.0, "send a batch every this many `minutes`, counted in whole ticks of -e")
	mailFlags := mailcli.Register(fs, mailcli.Options{
		Default:     mailcli.SMTP,
		ToFlag:      mailcli.FlagToEmail,
		RequireFrom: true,
		About:       "the batch",
		Shorts:      mailcli.Shorts{SMTPHost: "H", UserName: "u", Password: "p", FromEmail: "f", To: "t"},
	})
	fs.StringVarP(&cfg.subject, "subject", "s", k.defaultSubject, "subject of the mail; empty for none")
	fs.StringVarP(&tickEvent, "tickEvent", "e", string(listener.Tick60), "tick `event` that paces the batches: TICK_5, TICK_60 or TICK_3600 (subscribe to it in events=)")
	procs := selection.Register(fs, selection.Options{AnyShort: "a", Verb: "collect the events of"})
	outboxFlags := outbox.RegisterFlags(fs)
	var spool string
	fs.StringVar(&spool, "spool", "", "another name for --outbox: keep the pending batch and undelivered mail in this `directory` (an old spool file there is moved into it)")
	fs.DurationVar(&cfg.flushTimeout, "flush-timeout", defaultFlushTimeout, "how long to try to send the pending batch when stopping; keep it below the section's stopwaitsecs")
	fs.SortFlags = false

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var err error
		if cfg.interval, err = parseInterval(interval); err != nil {
			return cli.Usagef("invalid -i/--interval: %v", err)
		}
		if cfg.tickEvent, err = parseTickEvent(tickEvent); err != nil {
			return cli.Usagef("invalid -e/--tickEvent: %v", err)
		}
		if cfg.flushTimeout <= 0 {
			return cli.Usagef("invalid --flush-timeout %s: give a positive duration such as 8s", cfg.flushTimeout)
		}
		if err := outboxFlags.Validate(); err != nil {
			return &cli.UsageError{Err: err}
		}
		if spool != "" {
			if outboxFlags.Dir != "" && outboxFlags.Dir != spool {
				return cli.Usagef("--spool %s and --outbox %s name two places: give one (--spool is another name for --outbox)", spool, outboxFlags.Dir)
			}
			outboxFlags.Dir = spool
			if cfg.spool, err = prepareSpool(spool); err != nil {
				return fmt.Errorf("--spool: %w", err)
			}
		}
		outboxFlags.Apply(&cfg.outbox)
		cfg.log = cli.Logger(cmd)
		if cfg.selector, err = procs.Selector(); err != nil {
			return err
		}
		if cfg.mail, err = mailFlags.Build(cfg.log); err != nil {
			return err
		}
		return run(cmd, cfg)
	}
	return cmd
}

// run serves the batch mailer for cfg until supervisord stops it, then
// sends the pending batch.
func run(cmd *cobra.Command, cfg config) error {
	h, err := newHandler(cfg)
	if err != nil {
		return err
	}
	cadence, _ := newCadence(cfg.tickEvent, cfg.interval)
	cfg.log.Info(fmt.Sprintf("%s: mailing %s every %d %s (%s) about %s, through the %s",
		cfg.kind.name, cfg.mail, cadence.every(), cfg.tickEvent, cfg.interval, cfg.selector, h.ob))
	return cli.RunListener(cmd, h, cfg.log, h.cfg.flushTimeout)
}

// wrap fills text into lines of at most width columns, breaking at
// spaces, so that a paragraph assembled from a kind's parts reads as one.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0:
		case col+1+len(word) > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// Main runs the command of the batch mailer called name; it is the main of
// cmd/crashmailbatch, cmd/fatalmailbatch and cmd/crashsms.
func Main(name string) { cli.Main(NewCommand(name)) }
