package orderedstartup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/spf13/cobra"
)

// DefaultTimeout is --timeout's default.
const DefaultTimeout = 5 * time.Minute

// errNotListener is returned when the listener is started by hand: its
// standard input is a terminal or /dev/null rather than supervisord's
// pipe, and it would start programs before finding out.
var errNotListener = errors.New("standard input is not a pipe from supervisord: run ordered-startup from an [eventlistener:x] " +
	"section (events=PROCESS_STATE,TICK_5), or add --plan to see the start order")

// NewCommand returns the ordered-startup command.
func NewCommand() *cobra.Command {
	var (
		confFlag  string
		showPlan  bool
		timeout   time.Duration
		onFailure string
		anyExit   bool
		emails    []string
		sendmail  string
		poll      time.Duration
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

The first two come from ordered-startup-supervisord, the others from
supervisord-dependent-startup; both styles may be mixed. Programs the
listener starts should have autostart=false.

EXITED counts only when the exit code is in the program's exitcodes. A
program that goes FATAL, exits with another code while something waits for
its exit, cannot be started, or does not get there within --timeout is
reported on stderr (and by mail with -m); --on-failure says whether the
programs waiting for it stay stopped or start anyway. BACKOFF is reported
too. Programs are started with startProcess(wait=false), so the listener
never keeps supervisord waiting, and a restarted listener carries on from the
current process states instead of starting over.

Everything the listener logs goes to stderr. --plan prints the resolved start
order on stdout and exits without starting anything.`,
		Example: `  [eventlistener:ordered-startup]
  command=/usr/local/bin/ordered-startup --timeout 10m -m ops@example.com
  events=PROCESS_STATE,TICK_5
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
		RunE: func(cmd *cobra.Command, args []string) error {
			explicit := confFlag
			if cmd.Flags().Changed("config") && cmd.Flags().Changed("configuration") {
				return cli.Usagef("--config and -c/--configuration both given: give one")
			}
			if len(args) == 1 {
				if confFlag != "" {
					return cli.Usagef("configuration given twice (%s and -c %s): give one", args[0], confFlag)
				}
				explicit = args[0]
			}
			policy, err := ParsePolicy(onFailure)
			if err != nil {
				return cli.Usagef("%v", err)
			}
			if timeout < 0 {
				return cli.Usagef("--timeout=%s: give a positive duration such as 10m, or 0 for no limit", timeout)
			}
			if poll <= 0 {
				return cli.Usagef("--poll-interval=%s: give a positive duration such as 2s", poll)
			}
			var sender mail.Sender
			if len(emails) > 0 {
				if sender, err = mail.NewSendmail(sendmail); err != nil {
					return cli.Usagef("-s/--sendmail_program: %v", err)
				}
			} else if cmd.Flags().Changed("sendmail_program") {
				return cli.Usagef("-s/--sendmail_program without -m/--email: give the address to mail")
			}
			stderr := &lockedWriter{w: cmd.ErrOrStderr()}

			// A listener is started once supervisord serves XML-RPC, so a
			// failure to connect is rarely transient: retry briefly, and
			// not at all for a person running --plan.
			budget := 10 * time.Second
			if showPlan {
				budget = 0
			}
			plan, conn, where, err := load(cmd.Context(), explicit, budget)
			if err != nil {
				if sender != nil {
					mailNow(sender, emails, "cannot start: "+problemKind(err), err.Error(), stderr)
				}
				return err
			}
			if timeout > 0 {
				for _, prog := range plan.Programs {
					if d := time.Duration(prog.StartSecs) * time.Second; d >= timeout && len(prog.Dependents) > 0 {
						plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s has startsecs=%d, longer than --timeout=%s: it will be reported before it can reach RUNNING", prog.Name, prog.StartSecs, timeout))
					}
				}
			}
			if !showPlan && !stdinIsPipe() {
				// Reading the configuration changed nothing; starting
				// programs would.
				return errNotListener
			}
			if showPlan {
				fmt.Fprintf(cmd.OutOrStdout(), "# %s\n", where)
				_, err := plan.WriteTo(cmd.OutOrStdout())
				return err
			}

			var mailer *Mailer
			cfg := Config{Plan: plan, Supervisor: conn, Timeout: timeout, OnFailure: policy, AnyExit: anyExit, Log: stderr, Poll: poll}
			if sender != nil {
				mailer = NewMailer(sender, emails, "ordered-startup on "+hostname()+": ", mail.DefaultRetryPolicy(), stderr)
				defer mailer.Close(5 * time.Second) // supervisord's stopwaitsecs is 10s by default
				cfg.Notify = mailer.Notify
			}
			fmt.Fprintf(stderr, "%s INFO %s\n", asctime.Format(time.Now()), where)
			starter := NewStarter(cfg)
			ctx := cmd.Context()
			starter.Start(ctx)
			runCtx, cancel := context.WithCancel(ctx)
			var wg sync.WaitGroup
			wg.Go(func() { starter.Run(runCtx) })
			err = listener.Run(ctx, starter, listener.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
			cancel()
			wg.Wait()
			return err
		},
	}
	cli.Setup(cmd)
	cli.Query(cmd, "plan")
	f := cmd.Flags()
	f.StringVarP(&confFlag, "configuration", "c", "", "supervisord's configuration `file` (default: the file the supervisord that started this listener runs with, else supervisord's search paths)")
	// supervisord-dependent-startup's spelling of -c.
	f.StringVar(&confFlag, "config", "", "same as --configuration")
	f.MarkHidden("config")
	f.BoolVar(&showPlan, "plan", false, "print the resolved start order, in layers, on stdout and exit without starting anything")
	f.DurationVar(&timeout, "timeout", DefaultTimeout, "how long a program may take, from its start, to reach the state the next programs wait for before it is reported (0: no limit)")
	f.StringVar(&onFailure, "on-failure", "stop", "`policy` for the programs waiting for one that failed (FATAL, exit code not in exitcodes, could not be started, timed out): stop (they stay stopped unless it gets there after all) or continue (they start anyway)")
	f.BoolVar(&anyExit, "any-exit", false, "count every exit as EXITED whatever its code, as ordered-startup-supervisord did (default: only the program's exitcodes)")
	f.StringArrayVarP(&emails, "email", "m", nil, "mail every problem to this `address` (repeatable)")
	f.StringVarP(&sendmail, "sendmail_program", "s", mail.DefaultSendmailCommand, "the sendmail `command` that mails reports, run by /bin/sh")
	f.DurationVar(&poll, "poll-interval", DefaultPoll, "how often to read the process states while startup is under way, in case an event was lost")
	return cmd
}

// Main runs the ordered-startup command; it is cmd/ordered-startup's main.
func Main() { cli.Main(NewCommand()) }

// load finds and reads the configuration, connects to supervisord and
// resolves the plan. where says which file and which supervisord.
func load(ctx context.Context, explicit string, budget time.Duration) (plan *Plan, conn *rpc.Client, where string, err error) {
	path, how, err := supervisorconf.Locator{}.Find(explicit)
	if err != nil {
		return nil, nil, "", err
	}
	conf, err := LoadConf(path, nil)
	if err != nil {
		return nil, nil, "", err
	}
	options, pools, err := ReadOptions(conf)
	if err != nil {
		return nil, nil, "", err
	}
	conn, err = Connect(conf, os.LookupEnv)
	if err != nil {
		return nil, nil, "", err
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
		return nil, nil, "", fmt.Errorf("cannot read the program list from supervisord at %s: %w", conn.URL(), err)
	}
	selfGroup, _, _ := listener.Self()
	plan, err = NewPlan(options, pools, infos, selfGroup)
	if err != nil {
		return nil, nil, "", err
	}
	where = fmt.Sprintf("using %s (%s) and the %d file(s) it includes; supervisord at %s", path, how, len(conf.Files)-1, conn.URL())
	for _, w := range conf.Warnings {
		plan.Warnings = append([]string{w}, plan.Warnings...)
	}
	return plan, conn, where, nil
}

// stdinIsPipe reports whether standard input can be supervisord's: a
// listener reads events from a pipe, never from a terminal or /dev/null.
func stdinIsPipe() bool {
	st, err := os.Stdin.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
}

// mailNow sends one report before the listener exits, with a short retry
// budget: supervisord restarts the listener, which reports again.
func mailNow(sender mail.Sender, to []string, subject, body string, log io.Writer) {
	policy := retry.Policy{MaxElapsed: 20 * time.Second, Initial: time.Second}
	m := mail.Message{To: to, Subject: "ordered-startup on " + hostname() + ": " + subject, Body: body}
	if err := mail.Deliver(context.Background(), sender, m, policy); err != nil {
		fmt.Fprintf(log, "%s ERROR could not mail %q to %v: %v\n", asctime.Format(time.Now()), m.Subject, to, err)
	}
}

// problemKind names a startup error for a mail subject; the body has the
// whole message.
func problemKind(err error) string {
	switch {
	case errors.Is(err, ErrCycle):
		return "dependency cycle"
	case errors.Is(err, ErrConf), errors.Is(err, supervisorconf.ErrNoConfig):
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
