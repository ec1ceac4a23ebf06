package essential

import (
	"fmt"
	"os"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// example is the section --help shows.
const example = `  [eventlistener:essential]
  command=essential -p web
  events=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED
  buffer_size=100`

// NewCommand returns the essential command.
func NewCommand() *cobra.Command {
	cfg := config{on: onFatal}
	cmd := &cobra.Command{
		Use:   "essential (-p NAME | -a) [flags]",
		Short: "Shut supervisord down when an essential program ends, and pass its exit code on",
		Long: `essential is a supervisord event listener that shuts supervisord down,
through supervisor.shutdown(), when a program it watches goes FATAL: supervisord
then stops every program gracefully, in its usual order, and exits. With --on
unexpected an exit with a status not in the program's exitcodes= does it too;
with --on exit, any exit.

Before it asks for the shutdown, the listener records why (the program, the
state it entered, how it ended, the exit code that follows) in the file
essential run names in ` + RecordEnv + `, synced to disk, and it answers the
event only after supervisord accepted the shutdown. A listener restarted at any
point finds the record and finishes the shutdown.

Run supervisord under "essential run" (see essential run --help), typically
as a container's entrypoint: it exits with the program's own exit status,
128+n for a program killed by signal n, 69 for FATAL, and 0 when supervisord
was shut down for another reason. Without it supervisord still stops, but
exits 0.`,
		Example: example,
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	fs := cmd.Flags()
	procs := selection.Register(fs, selection.Options{ProgramShort: "p", AnyShort: "a",
		Empty: selection.EmptyNone, Policy: selection.SelfNever, Verb: "watch"})
	fs.Var(&cfg.on, "on", "shut supervisord down when a watched program goes FATAL (fatal), also when it exits unexpectedly (unexpected), or at any exit (exit)")
	fs.SortFlags = false

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var err error
		if cfg.selector, err = procs.Selector(); err != nil {
			return err
		}
		if len(cfg.selector.Specs()) == 0 && !cfg.selector.Any() {
			return cli.Usagef("missing -p NAME or -a: essential needs the programs whose end shuts supervisord down")
		}
		cfg.log = cli.Logger(cmd)
		cfg.record = os.Getenv(RecordEnv)
		return serve(cmd, cfg)
	}
	return cmd
}

// serve runs the listener for cfg until supervisord stops it.
func serve(cmd *cobra.Command, cfg config) error {
	c, err := rpc.FromEnv()
	if err != nil {
		return fmt.Errorf("%w: essential calls supervisor.shutdown() over it", err)
	}
	h := newHandler(cfg, c)
	where := "the record goes to " + cfg.record
	if cfg.record == "" {
		where = RecordEnv + " is not set: supervisord was not started by essential run, and will exit 0"
	}
	cfg.log.Info(fmt.Sprintf("essential: shutting supervisord down when %s %s; %s", cfg.selector, cfg.on.describe(), where))
	if err := h.resume(cmd.Context()); err != nil {
		cfg.log.Error(fmt.Sprintf("finishing an earlier listener's shutdown: %v", err))
	}
	return cli.RunListener(cmd, h, cfg.log, cli.DrainTimeout)
}

// Main runs the essential command; it is cmd/essential's main.
func Main() { cli.Main(NewCommand()) }
