package harness

import (
	"os"
	"path/filepath"
	"time"

	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/cobra"
)

// NewCommand returns the supervisor-harness command.
func NewCommand() *cobra.Command {
	var cfg config
	cmd := &cobra.Command{
		Use:   "supervisor-harness [flags] scenario.txtar...",
		Short: "Test an event listener, in any language, under an emulated supervisord",
		Long: `supervisor-harness runs an event listener under golance's emulation of
supervisord 4.2 and plays scenarios at it: programs exit, crash and go
FATAL, write log lines, TICKs come from a virtual clock, remote
communication events arrive, programs are started and stopped. Each
scenario checks what the listener did: its answers, its stderr, the
XML-RPC calls it made, the mail it sent (to a built-in SMTP server or
sendmail stand-in) and the HTTP requests it made (to a built-in endpoint).

A scenario is a testscript (txtar) file: one command per line, then files.
The listener and its programs come from -c supervisord.conf, from a
supervisord.conf file inside the scenario, or from --listener and
--events. The listener runs as supervisord runs it; the programs are
virtual, driven by the scenario.

Every run also checks the protocol, even where the scenario does not ask:
stray bytes on stdout, a badly framed RESULT, len read as bytes (with
--probe, or the probe command), OK given before the work it acknowledges,
and exiting while an event is in hand. A fault fails the scenario unless
the scenario expects it with "fault <kind>". A listener that hands its
work off durably before its OK (an outbox) is declared with "durable
<listener>": it is then killed with SIGKILL right after each OK and
restarted, and the work must still arrive.

Each scenario prints PASS or FAIL on standard output; a failure is
explained on standard error with the transcript of the run, which
--record prints for every scenario. The exit status is 0 when every
scenario passed, 1 when one failed and 2 for a usage mistake.
See docs/harness-cli.md for the scenario commands.`,
		Example: `  supervisor-harness -c supervisord.conf tests/*.txtar
  supervisor-harness --listener "python3 mylistener.py" --events PROCESS_STATE -p web crash.txtar
  supervisor-harness --record --probe -c supervisord.conf crash.txtar`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.scenarios = args
			if err := cfg.validate(); err != nil {
				return err
			}
			return run(cmd, &cfg)
		},
	}
	cli.Setup(cmd)
	// The harness is run by a person or CI, in a terminal or not: it is
	// not a listener, so it has no stdin to protect.
	cmd.PersistentPreRunE = nil
	f := cmd.Flags()
	f.StringVarP(&cfg.configFile, "configuration", "c", "", "run every scenario under this supervisord.conf `file` (default: the scenario's own supervisord.conf)")
	f.StringVar(&cfg.listenerCommand, "listener", "", "without a configuration file: the listener's `command` line, run as [eventlistener:listener]")
	f.StringVarP(&cfg.name, "name", "n", "listener", "with --listener: the `name` of its [eventlistener:x] section, as the scenario calls it")
	f.StringSliceVar(&cfg.events, "events", nil, "with --listener: the event `types` it subscribes to, comma-separated")
	f.StringSliceVarP(&cfg.programs, "program", "p", nil, "with --listener: a virtual program `name` for the scenario to drive (repeatable)")
	f.BoolVar(&cfg.record, "record", false, "print the transcript of every scenario on standard output")
	f.BoolVar(&cfg.probe, "probe", false, "end every scenario by sending each listener non-ASCII text, which catches len read as bytes")
	f.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "how long each verb and expectation may take, waits included (tick: per 5 seconds; fatal: per start)")
	f.BoolVarP(&cfg.verbose, "verbose", "v", false, "print each scenario's log even when it passes")
	f.BoolVar(&cfg.keep, "keep", false, "keep the scenarios' work directories, and print where they are")
	return cmd
}

// Main runs the supervisor-harness command; it is cmd/supervisor-harness's
// main. Run as "sendmail" (through the link a scenario puts on the
// listener's PATH), it is the sendmail stand-in instead.
func Main() {
	if filepath.Base(os.Args[0]) == sendmailName {
		SendmailMain()
	}
	cli.Main(NewCommand())
}
