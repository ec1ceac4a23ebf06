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
	manual.Environment(cmd, append(manual.SupervisorRPC, manual.EnvVar{Name: RecordEnv,
		Text: "Set by essential run for supervisord, whose children inherit it: the file the listener writes its record to before it shuts supervisord down. Without it supervisord still stops, but exits 0."})...)
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
	cmd.AddCommand(newRunCommand())
	// The one subcommand is run; cobra's completion command would be
	// a second, unasked-for one.
	cmd.CompletionOptions.DisableDefaultCmd = true
	return cmd
}

// newRunCommand returns essential run, the entrypoint.
func newRunCommand() *cobra.Command {
	cfg := runConfig{grace: defaultGrace}
	cmd := &cobra.Command{
		Use:   "run [flags] -- supervisord -n -c FILE",
		Short: "Run supervisord as a container's entrypoint that exits with the essential program's code",
		Long: `essential run runs the command it is given, supervisord in the foreground, as
its child, typically as a container's entrypoint (PID 1). It passes SIGTERM,
SIGINT, SIGQUIT, SIGHUP and SIGUSR2 on to supervisord, reaps every orphan that
is handed to it (it is PID 1, or else a child subreaper), and once supervisord
has exited it ends what was left behind (SIGTERM, then SIGKILL after --grace).

It tells the essential listener where to write its record through the
environment variable ` + RecordEnv + `, which supervisord's children inherit,
and clears any record an earlier run left. It exits with:

  the program's exit status  an essential program exited (--on unexpected or exit)
  128+n                      an essential program was killed by signal n
  69                         an essential program went FATAL
  0                          supervisord was shut down otherwise (docker stop)
  supervisord's own code     supervisord exited with an error of its own
  126, 127                   the command cannot be run, or is not found`,
		Example: `  ENTRYPOINT ["essential", "run", "--"]
  CMD ["supervisord", "-n", "-c", "/etc/supervisor/supervisord.conf"]`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cli.Usagef("missing the command to run: write essential run -- supervisord -n -c FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.grace < 0 {
				return cli.Usagef("invalid --grace %v: give a duration, 0 or more", cfg.grace)
			}
			cfg.command = args
			cfg.log = cli.Logger(cmd)
			if code := entrypoint(cfg); code != 0 {
				return cli.ExitStatus(code)
			}
			return nil
		},
	}
	manual.SetExitStatuses(cmd,
		manual.Status{Code: 0, Text: "supervisord was shut down otherwise than by the essential listener (docker stop, supervisorctl shutdown), or an essential program exited 0 under --on exit."},
		manual.Status{Code: 1, Text: "An essential program exited unexpectedly with a status supervisord could not tell, or essential run could not prepare the record's directory."},
		manual.Status{Code: 2, Text: "A mistake on the command line, or supervisord's own failure to read its configuration."},
		manual.Status{Code: codeFatal, Text: "An essential program went FATAL (EX_UNAVAILABLE)."},
		manual.Status{Code: codeCannotExecute, Text: "The command cannot be run."},
		manual.Status{Code: codeNotFound, Text: "The command is not found."},
		manual.Status{Code: codeSignalled, Text: "An essential program was killed by a signal supervisord's main log did not name."},
		manual.Status{Code: 128 + 15, Text: "An essential program, or supervisord itself, was killed by SIGTERM: 128+n for signal n, 137 for SIGKILL. Any other code is the exit status of the essential program that ended, or else supervisord's own."},
	)
	// A terminal on stdin is fine here (docker run -it): run is not a
	// listener.
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error { return nil }
	fs := cmd.Flags()
	// Everything from the command's name on is the command's own.
	fs.SetInterspersed(false)
	fs.StringVar(&cfg.record, "record", "", "hand the essential listener this `file` for its record, cleared at start and kept at exit (default: one in a new temporary directory, removed at exit)")
	fs.DurationVar(&cfg.grace, "grace", defaultGrace, "once supervisord has exited, give what outlived it this `duration` between SIGTERM and SIGKILL")
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
