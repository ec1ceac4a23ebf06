package crashmail

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// The sections shown in --help and docs/crashmail.md; the tests start
// crashmail with them.
var (
	//go:embed examples/crashmail.conf
	exampleSendmail string
	//go:embed examples/crashmail-smtp.conf
	exampleSMTP string
)

// NewCommand returns the crashmail command.
func NewCommand() *cobra.Command {
	var cfg config
	cmd := &cobra.Command{
		Use:   "crashmail -m ADDRESS [flags]",
		Short: "Mail when a process supervisord manages exits unexpectedly",
		Long: `crashmail is a supervisord event listener that sends a mail each time a
process exits unexpectedly (a PROCESS_STATE_EXITED event with expected:0, that
is an exit code not listed in the program's exitcodes). Every other event is
acknowledged and ignored, so it may subscribe to PROCESS_STATE or to
PROCESS_STATE_EXITED.

The subject reads "<process> crashed at <time>" (prefixed by "<header>: " with
-o) and the body starts "Process <process> in group <group> exited unexpectedly
(pid <pid>) from state <state>", as with superlance's crashmail, so existing mail
filters keep working. Below that line come the host name, the exit status and
the uptime, and the last lines of the process's stderr and stdout logs, read from
supervisord's XML-RPC interface. If supervisord cannot be asked, the mail still
goes out with what the event says, and says the details were unavailable.

Mail goes through sendmail (-s, default "/usr/sbin/sendmail -t -i", run with
/bin/sh -c) or, with -H, straight to an SMTP server. Each crash's mail is first
written to the outbox, a small file synced to disk, and the event is answered at
once; the mail is delivered in the background and retried for as long as the
outbox's bounds allow, across restarts of the listener, so that a mail server
that is down never makes supervisord drop events. With --outbox none a crash is
acknowledged only once its mail was accepted; a failed send is then retried for
up to a minute, and the event rejected so that supervisord delivers it again.

The SMTP password can come from --password, from the environment variable
` + mailcli.PasswordEnv + `, or from --password-file; prefer the last two, since
every local user can read a command line.`,
		Example: cli.Example(exampleSendmail, exampleSMTP),
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	fs := cmd.Flags()
	procs := selection.Register(fs, selection.Options{ProgramShort: "p", AnyShort: "a", Verb: "mail about"})
	fs.StringVarP(&cfg.header, "optionalheader", "o", "", "prefix the subject with this `text` and a colon")
	mailFlags := mailcli.Register(fs, mailcli.Options{
		Default: mailcli.Sendmail,
		ToFlag:  mailcli.FlagEmail,
		About:   "each unexpected exit",
		Shorts:  mailcli.Shorts{SMTPHost: "H", UserName: "u", FromEmail: "f", Sendmail: "s", To: "m"},
		Outbox:  &cfg.outbox,
	})
	fs.IntVar(&cfg.tailLines, "tail-lines", defaultTailLines, "quote the last `n` lines of the process's stderr and stdout logs in the mail; 0 quotes none")
	fs.SortFlags = false

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if cfg.tailLines < 0 {
			return cli.Usagef("invalid --tail-lines %d: give a number of lines, 0 or more", cfg.tailLines)
		}
		cfg.log = cli.Logger(cmd)
		var err error
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

// run serves crashmail for cfg until supervisord stops it.
func run(cmd *cobra.Command, cfg config) error {
	var supervisor crashinfo.Source
	c, rpcErr := rpc.FromEnv()
	if rpcErr != nil {
		supervisor = crashinfo.Unreachable{Err: rpcErr}
	} else {
		supervisor = c
	}
	h, err := newHandler(cfg, supervisor)
	if err != nil {
		return err
	}
	// Ask once at the start, so that a wrong password or a missing socket
	// is in the log before the first crash needs the answer.
	if rpcErr == nil {
		ctx, cancel := context.WithTimeout(cmd.Context(), h.cfg.detailsTimeout)
		_, rpcErr = c.GetState(ctx)
		cancel()
	}
	if rpcErr != nil {
		h.noteAsking(rpcErr)
	}
	cfg.log.Info(fmt.Sprintf("crashmail: mailing %s about unexpected exits of %s, through the %s", cfg.mail, cfg.selector, h.ob))
	return cli.RunListener(cmd, h, cfg.log, cli.DrainTimeout)
}

// Main runs the crashmail command; it is cmd/crashmail's main.
func Main() { cli.Main(NewCommand()) }
