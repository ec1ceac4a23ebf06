package orderedstartup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// errNotListener is returned when the listener is started by hand: its
// standard input is a terminal or /dev/null rather than supervisord's
// pipe, and it would start programs before finding out.
var errNotListener = errors.New("standard input is not a pipe from supervisord: run ordered-startup from an [eventlistener:x] " +
	"section (events=PROCESS_STATE,PROCESS_GROUP,TICK_5), or add --plan to see the start order")

// NewCommand returns the ordered-startup command.
func NewCommand() *cobra.Command {
	var (
		cfg       config
		confFlag  string
		onFailure string
	)
	cmd := &cobra.Command{
		Use:   "ordered-startup [flags] [CONFIG]",
		Short: "Start supervisord programs in order, or in dependency order, and report every step that stalls",
		Long: `ordered-startup is a supervisord event listener that starts programs one
after another, or in dependency order, instead of all at once. It reads
supervisord's configuration (CONFIG, -c, the file the supervisord that started
it runs with, or supervisord's default search paths) for these keys in each
[program:x] section:

  startinorder=true         when this program reaches its startnextafter state,
                            start the next program in priority order
  startnextafter=STATE      the state that starts the next one (default RUNNING;
                            EXITED for an init job; case-insensitive)
  dependent_startup=true    start this program once everything it waits for
                            has happened
  dependent_startup_wait_for=db:running migrate:exited
                            what it waits for: programs and, after a colon, the
                            states (comma-separated alternatives, default RUNNING)
  dependent_startup_inherit_priority=true
                            rank it with the most urgent program it waits for
  dependent_runtime=restart once it runs, restart it whenever a program it
                            waits for as RUNNING leaves RUNNING, once that is
                            RUNNING again (stop: stop it meanwhile, and start
                            it again then; default false)

The first two come from ordered-startup-supervisord, the next three from
supervisord-dependent-startup; both styles may be mixed. dependent_runtime
is golance's; each process it stops or restarts counts against
--max-restarts per --restart-window. Programs the
listener starts should have autostart=false.

EXITED counts only when the exit code is in the program's exitcodes. A
program that goes FATAL, exits with another code while something waits for
its exit, cannot be started, or does not get there within --timeout is
reported on stderr (and by mail with -m); --on-failure says whether the
programs waiting for it stay stopped or start anyway. BACKOFF is reported
too. Programs are started with startProcess(wait=false), so the listener
never keeps supervisord waiting, and a restarted listener carries on from the
current process states instead of starting over. After supervisorctl update
(PROCESS_GROUP_ADDED/REMOVED: put PROCESS_GROUP in events=) it reads the
configuration again and carries on with the new plan.

Everything the listener logs goes to stderr. --plan prints the resolved start
order on stdout and exits without starting anything.`,
		Example: `  [eventlistener:ordered-startup]
  command=/usr/local/bin/ordered-startup --timeout 10m -m ops@example.com
  events=PROCESS_STATE,PROCESS_GROUP,TICK_5
  ; a priority no other [eventlistener:x] has
  priority=-2
  buffer_size=50
  autorestart=true
  ; the listener's log
  stderr_logfile=/var/log/supervisor/ordered-startup.log`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cli.Usagef("unexpected argument %q: give one configuration file", args[1])
			}
			return nil
		},
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	cli.Query(cmd, "plan")
	f := cmd.Flags()
	f.StringVarP(&confFlag, "configuration", "c", "", "supervisord's configuration `file` (default: the file the supervisord that started this listener runs with, else supervisord's search paths)")
	// supervisord-dependent-startup's spelling of -c.
	f.StringVar(&confFlag, "config", "", "same as --configuration")
	f.MarkHidden("config")
	f.BoolVar(&cfg.showPlan, "plan", false, "print the resolved start order, in layers, on stdout and exit without starting anything")
	f.DurationVar(&cfg.timeout, "timeout", defaultTimeout, "how long a program may take, from its start, to reach the state the next programs wait for before it is reported (0: no limit)")
	f.StringVar(&onFailure, "on-failure", "stop", "`policy` for the programs waiting for one that failed (FATAL, exit code not in exitcodes, could not be started, timed out): stop (they stay stopped unless it gets there after all) or continue (they start anyway)")
	f.BoolVar(&cfg.anyExit, "any-exit", false, "count every exit as EXITED whatever its code, as ordered-startup-supervisord did (default: only the program's exitcodes)")
	mailFlags := mailcli.Register(f, mailcli.Options{
		Default:  mailcli.Sendmail,
		ToFlag:   mailcli.FlagEmail,
		Optional: true,
		About:    "every problem",
		Shorts:   mailcli.Shorts{Sendmail: "s", To: "m"},
		Outbox:   &cfg.outbox,
	})
	cfg.restart.MaxRestarts = defaultMaxRestarts
	cfg.restart.AddBudgetFlags(f)
	f.DurationVar(&cfg.poll, "poll-interval", defaultPoll, "how often to read the process states while startup is under way, in case an event was lost")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg.confPath = confFlag
		if cmd.Flags().Changed("config") && cmd.Flags().Changed("configuration") {
			return cli.Usagef("--config and -c/--configuration both given: give one")
		}
		if len(args) == 1 {
			if confFlag != "" {
				return cli.Usagef("configuration given twice (%s and -c %s): give one", args[0], confFlag)
			}
			cfg.confPath = args[0]
		}
		var err error
		if cfg.onFailure, err = parsePolicy(onFailure); err != nil {
			return cli.Usagef("%v", err)
		}
		if cfg.timeout < 0 {
			return cli.Usagef("--timeout=%s: give a positive duration such as 10m, or 0 for no limit", cfg.timeout)
		}
		if cfg.poll <= 0 {
			return cli.Usagef("--poll-interval=%s: give a positive duration such as 2s", cfg.poll)
		}
		if err := cfg.restart.Validate(); err != nil {
			return cli.Usagef("%v", err)
		}
		cfg.log = cli.Logger(cmd)
		if cfg.mail, err = mailFlags.Build(cfg.log); err != nil {
			return err
		}
		return run(cmd, cfg)
	}
	return cmd
}

// run reads the plan and, unless --plan only shows it, serves
// ordered-startup for cfg until supervisord stops it.
func run(cmd *cobra.Command, cfg config) error {
	var mailer *reportMailer
	if cfg.mail != nil {
		var err error
		policy := mail.DefaultRetryPolicy()
		if mailer, err = newReportMailer(cfg.mail, cfg.outbox, "ordered-startup on "+hostname()+": ", policy, cfg.log); err != nil {
			return err
		}
	}
	// A listener is started once supervisord serves XML-RPC, so a
	// failure to connect is rarely transient: retry briefly, and not at
	// all for a person running --plan.
	budget := 10 * time.Second
	if cfg.showPlan {
		budget = 0
	}
	plan, conf, conn, where, err := load(cmd.Context(), cfg.confPath, budget, cfg.timeout)
	if err != nil {
		if mailer != nil {
			// The report waits in the outbox if it cannot go now;
			// supervisord restarts the listener, which reports again.
			mailer.notify(outbox.StateKey("cannot start", err.Error()), "cannot start: "+problemKind(err), err.Error())
			mailer.close(25 * time.Second)
		}
		return err
	}
	if cfg.showPlan {
		fmt.Fprintf(cmd.OutOrStdout(), "# %s\n", where)
		_, err := plan.WriteTo(cmd.OutOrStdout())
		return err
	}
	if !stdinIsPipe() {
		// Reading the configuration changed nothing; starting programs
		// would.
		return errNotListener
	}

	var report func(key, subject, body string)
	if mailer != nil {
		defer mailer.close(5 * time.Second) // supervisord's stopwaitsecs is 10s by default
		report = mailer.notify
	}
	cfg.log.Info(where)
	self := selection.CurrentSelf().Group
	if w := subscriptionWarning(conf, self); w != "" {
		cfg.log.Warn(w)
	}
	h := newHandler(cfg, plan, conn, report)
	// supervisorctl update adds and removes groups: the plan is made
	// again from the file as it is then, against the same supervisord.
	// An edit of ordered-startup's own keys alone has no event: the files
	// are looked at at every TICK.
	path := conf.Files[0]
	stamp := newConfStamp(conf.Files)
	h.edited = stamp.changed
	h.reload = func(ctx context.Context) (*startPlan, error) {
		conf, err := loadConf(path, nil)
		if err != nil {
			return nil, err
		}
		*stamp = *newConfStamp(conf.Files)
		return planFor(ctx, conf, conn, 0, cfg.timeout)
	}
	ctx := cmd.Context()
	h.begin(ctx)
	loopCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { h.loop(loopCtx) })
	err = cli.RunListener(cmd, h, cfg.log, cli.DrainTimeout)
	stop()
	wg.Wait()
	return err
}

// Main runs the ordered-startup command; it is cmd/ordered-startup's main.
func Main() { cli.Main(NewCommand()) }

// load finds and reads the configuration, connects to supervisord and
// resolves the plan. where says which file and which supervisord.
func load(ctx context.Context, explicit string, budget, timeout time.Duration) (plan *startPlan, conf *supervisorconf.Config, conn *rpc.Client, where string, err error) {
	path, how, err := supervisorconf.Locator{}.Find(explicit)
	if err != nil {
		return nil, nil, nil, "", err
	}
	if conf, err = loadConf(path, nil); err != nil {
		return nil, nil, nil, "", err
	}
	if _, _, err := readOptions(conf); err != nil {
		return nil, nil, nil, "", err // before connecting: a bad key is the first thing to fix
	}
	if conn, err = connect(conf, os.LookupEnv); err != nil {
		return nil, nil, nil, "", err
	}
	if plan, err = planFor(ctx, conf, conn, budget, timeout); err != nil {
		return nil, nil, nil, "", err
	}
	where = fmt.Sprintf("using %s (%s) and the %d file(s) it includes; supervisord at %s", path, how, len(conf.Files)-1, conn.URL())
	return plan, conf, conn, where, nil
}

// planFor resolves the plan of conf against what supervisord at conn runs,
// retrying for up to budget while it does not answer, and adds the
// configuration's warnings and those about timeout to it.
func planFor(ctx context.Context, conf *supervisorconf.Config, conn *rpc.Client, budget, timeout time.Duration) (*startPlan, error) {
	options, pools, err := readOptions(conf)
	if err != nil {
		return nil, err
	}
	var infos []rpc.ConfigInfo
	if budget <= 0 {
		infos, err = conn.GetAllConfigInfo(ctx)
	} else {
		err = retry.Do(ctx, retry.Policy{MaxElapsed: budget, Initial: 500 * time.Millisecond}, func(ctx context.Context) error {
			infos, err = conn.GetAllConfigInfo(ctx)
			var fault *rpc.Fault
			if errors.As(err, &fault) || errors.Is(err, rpc.ErrUnauthorized) {
				return retry.Permanent(err)
			}
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the program list from supervisord at %s: %w", conn.URL(), err)
	}
	plan, err := newStartPlan(options, pools, infos, selection.CurrentSelf().Group)
	if err != nil {
		return nil, err
	}
	for _, w := range conf.Warnings {
		plan.Warnings = append([]string{w}, plan.Warnings...)
	}
	if timeout > 0 {
		for _, prog := range plan.Programs {
			if d := time.Duration(prog.StartSecs) * time.Second; d >= timeout && len(prog.Dependents) > 0 {
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s has startsecs=%d, longer than --timeout=%s: it will be reported before it can reach RUNNING", prog.Name, prog.StartSecs, timeout))
			}
		}
	}
	return plan, nil
}

// subscriptionWarning returns the line to log when the listener's own
// [eventlistener:self] section does not subscribe it to PROCESS_GROUP,
// so that it cannot follow supervisorctl update, or "" when it does (or
// its section is not found: run by hand, or under another name).
func subscriptionWarning(conf *supervisorconf.Config, self string) string {
	if self == "" {
		return ""
	}
	groups, err := conf.Layout()
	if err != nil {
		return ""
	}
	for _, g := range groups {
		if g.Kind != "eventlistener" || g.Name != self {
			continue
		}
		for _, e := range g.Events {
			if listener.ProcessGroupAdded.Is(e) {
				return ""
			}
		}
		return fmt.Sprintf("[%s] in %s has no PROCESS_GROUP in events=: after supervisorctl update this listener keeps the plan it read at start; write events=PROCESS_STATE,PROCESS_GROUP,TICK_5", g.Section.Name, g.Section.File)
	}
	return ""
}

// stdinIsPipe reports whether standard input can be supervisord's: a
// listener reads events from a pipe, never from a terminal or /dev/null.
func stdinIsPipe() bool {
	st, err := os.Stdin.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
}

// problemKind names a startup error for a mail subject; the body has the
// whole message.
func problemKind(err error) string {
	switch {
	case errors.Is(err, errCycle):
		return "dependency cycle"
	case errors.Is(err, errConf), errors.Is(err, supervisorconf.ErrNoConfig):
		return "configuration error"
	}
	return "cannot reach supervisord"
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown host"
	}
	return h
}
