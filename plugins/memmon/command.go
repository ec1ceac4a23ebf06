package memmon

import (
	"fmt"
	"strings"
	"time"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// NewCommand returns the memmon command.
func NewCommand() *cobra.Command { return newCommand(run) }

// newCommand returns the memmon command with run as what it does once the
// flags are read, so that tests can see the config a command line makes.
func newCommand(run func(cmd *cobra.Command, cfg config) error) *cobra.Command {
	var (
		cfg      = config{metric: procmem.RSS, uptime: noUptimeLimit, runtimeJitter: -1}
		anyLimit sizeValue
	)
	cmd := &cobra.Command{
		Use:   "memmon [flags]",
		Short: "Restart supervisord processes that use too much memory",
		Long: `memmon is a supervisord event listener that restarts processes using more
memory than their limit. On every TICK event it reads the memory of each of
supervisord's processes from /proc (never by running ps), and restarts, with
stopProcess then startProcess, every RUNNING process above the limit of a -p,
-g or -a rule covering it. It accepts superlance memmon's command lines
unchanged.

memmon follows supervisord's process list without asking for it at every
tick: a tick after which no process was started or reaped makes no XML-RPC
call, and one after a change asks about the processes concerned alone.

SIZE is a number of bytes, or a number with KB, MB or GB (K, M, G; any case)
meaning KiB, MiB and GiB: 200MB, 1.5GB, 512k. SECS is whole seconds, or a
whole number with s, m, h or d: 3600, 90m, 1d.

A -p NAME is "name" (that process in any group, and every process of the
group "name", so a numprocs program is covered whole), "group:name", or
"group:*"; either part may be a shell pattern (web:web_0?). A process covered
by several rules is restarted when it is above any of them, at most once per
tick.
--max-runtime NAME=SECS restarts (with --max-runtime-action stop, stops) a
process RUNNING longer than SECS, through the same restarts and
--max-restarts budget; each process's limit is lengthened by its own share of
--max-runtime-jitter so that numprocs copies go at different ticks, and
nothing is done during --max-runtime-not-during. (superlance's -u only
decides which restarts are mailed.)

With flags but no -p, -g, -a or --max-runtime, memmon runs idle, as superlance's does: it
says so in one line and answers every event without a check.

Restarts run in the background: the TICK is acknowledged at once, so
supervisord's event buffer does not overflow while a slow process stops.
One restart per process is under way at a time. memmon never restarts itself.

memmon writes one line per check to standard error ("RSS of web:web is
1234"), and mails -m about each restart, failed restart and spent restart
budget: through the sendmail program -s, as superlance does (so -m takes
local names such as root, and comma-separated lists), or through an SMTP
server with --smtpHost.`,
		Example: `  [eventlistener:memmon]
  command=memmon -p web=200MB -g workers=1GB -c -m ops@example.com
  events=TICK_60
  priority=-10

  ; flap control: restart only after 3 ticks in a row over the limit,
  ; at most 5 times per hour per process
  [eventlistener:memmon_strict]
  command=memmon -a 2GB --metric pss --consecutive 3 --max-restarts 5 --restart-window 1h -m ops@example.com -n myproject
  events=TICK_5
  priority=-9`,
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.VarP(&limitsValue{flag: "-p", limits: &cfg.programs}, "program", "p",
		"restart each process NAME covers (name, group:name or group:*) when it uses more than SIZE; give `NAME=SIZE`, repeatable")
	fs.VarP(&limitsValue{flag: "-g", limits: &cfg.groups}, "group", "g",
		"restart each process of GROUP when it uses more than SIZE; give `GROUP=SIZE`, repeatable")
	fs.VarP(&anyLimit, "any", "a", "restart any process (except memmon itself) when it uses more than `SIZE`")
	fs.BoolVarP(&cfg.cumulative, "cumulative", "c", false, "count each process together with all its descendants")
	fs.Var(&metricValue{&cfg.metric}, "metric", "count memory as `rss|pss|uss`: the resident set (as ps and superlance), the proportional set or the unique set")
	mailFlags := mailcli.Register(fs, mailcli.Options{
		Default:  mailcli.Sendmail,
		ToFlag:   mailcli.FlagEmail,
		Optional: true,
		About:    "each restart, failed restart and spent restart budget",
		Shorts:   mailcli.Shorts{Sendmail: "s", To: "m"},
		Outbox:   &cfg.outbox,
	})
	fs.VarP(&secondsValue{&cfg.uptime}, "uptime", "u", "mail about a restart only when the process had been up at most `SECS` (failures are always mailed)")
	fs.StringVarP(&cfg.name, "name", "n", "", "tag mail subjects with this `name`: \"memmon [name]: ...\"")
	fs.Var(&runtimesValue{&cfg.runtimes}, "max-runtime",
		"restart each process NAME covers (as -p) once it has been RUNNING longer than SECS; give `NAME=SECS`, repeatable")
	fs.Var(&actionValue{&cfg.runtimeAction}, "max-runtime-action", "what to do to a process past its --max-runtime: `restart|stop`")
	fs.Var(&jitterValue{&cfg.runtimeJitter}, "max-runtime-jitter",
		"lengthen each process's --max-runtime by up to `SECS`, by a share fixed by its name, so that the copies of a numprocs program go at different ticks (default: a tenth of the limit)")
	fs.Var(&windowValue{&cfg.notDuring}, "max-runtime-not-during",
		"never act on --max-runtime during this daily window, in local time: `HH:MM-HH:MM` (22:00-06:00 spans midnight); a process past its limit then waits for the window's end")
	cfg.restart.Policy.AddFlags(fs, "ticks over the limit")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if anyLimit.set {
			cfg.any = &anyLimit.bytes
		}
		if cfg.idle() && cmd.Flags().NFlag() == 0 {
			return &cli.UsageError{Err: errNothingToWatch}
		}
		if err := cfg.validate(); err != nil {
			return &cli.UsageError{Err: err}
		}
		cfg.log = cli.Logger(cmd)
		var err error
		if cfg.mail, err = mailFlags.Build(cfg.log); err != nil {
			return err
		}
		return run(cmd, cfg)
	}
	return cmd
}

// run serves memmon for cfg until supervisord stops it, then lets the
// restarts under way finish.
func run(cmd *cobra.Command, cfg config) error {
	client, err := rpc.FromEnv()
	if err != nil {
		return err
	}
	cfg.self = selection.CurrentSelf()
	h, err := newHandler(cfg, client)
	if err != nil {
		return err
	}
	rules := make([]string, len(h.rules))
	for i, r := range h.rules {
		rules[i] = r.String()
	}
	var doing []string
	if len(rules) > 0 {
		doing = append(doing, fmt.Sprintf("restarting what goes above its limit (%s, %v)", strings.Join(rules, ", "), cfg.metric))
	}
	if len(cfg.runtimes) > 0 {
		limits := make([]string, len(cfg.runtimes))
		for i, l := range cfg.runtimes {
			limits[i] = "--max-runtime " + l.String()
		}
		line := fmt.Sprintf("%s what runs longer than its limit (%s", map[runtimeAction]string{actRestart: "restarting", actStop: "stopping"}[cfg.runtimeAction], strings.Join(limits, ", "))
		if cfg.runtimeJitter >= 0 {
			line += ", jitter up to " + formatSeconds(cfg.runtimeJitter)
		} else {
			line += ", jitter up to a tenth of the limit"
		}
		if cfg.notDuring != nil {
			line += ", never during " + cfg.notDuring.String()
		}
		doing = append(doing, line+")")
	}
	if cfg.idle() {
		cfg.log.Info(idleLine)
	} else {
		cfg.log.Info(fmt.Sprintf("memmon: %s, %s", strings.Join(doing, "; "), h.notices))
	}
	return cli.RunListener(cmd, h, cfg.log, cli.DrainTimeout)
}

// Main runs the memmon command; it is cmd/memmon's main.
func Main() { cli.Main(NewCommand()) }

// limitsValue is a repeatable NAME=SIZE flag.
type limitsValue struct {
	flag   string
	limits *[]limit
}

func (v *limitsValue) Set(s string) error {
	l, err := parseLimit(s)
	if err != nil {
		return err
	}
	if _, err := newRule(v.flag, l, selection.Self{}); err != nil {
		return err
	}
	*v.limits = append(*v.limits, l)
	return nil
}

func (v *limitsValue) String() string {
	parts := make([]string, len(*v.limits))
	for i, l := range *v.limits {
		parts[i] = l.String()
	}
	return strings.Join(parts, ",")
}

func (v *limitsValue) Type() string { return "NAME=SIZE" }

// sizeValue is the -a SIZE flag; set tells -a 0 from no -a.
type sizeValue struct {
	bytes uint64
	set   bool
}

func (v *sizeValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	v.bytes, v.set = n, true
	return nil
}

func (v *sizeValue) String() string {
	if !v.set {
		return ""
	}
	return limit{bytes: v.bytes}.String()[1:]
}

func (v *sizeValue) Type() string { return "SIZE" }

// secondsValue is the -u SECS flag.
type secondsValue struct{ d *time.Duration }

func (v *secondsValue) Set(s string) error {
	d, err := parseSeconds(s)
	if err == nil {
		*v.d = d
	}
	return err
}

func (v *secondsValue) String() string {
	if *v.d == noUptimeLimit {
		return ""
	}
	return formatSeconds(*v.d)
}

func (v *secondsValue) Type() string { return "SECS" }

// runtimesValue is the repeatable --max-runtime NAME=SECS flag.
type runtimesValue struct{ limits *[]runtimeLimit }

func (v *runtimesValue) Set(s string) error {
	l, err := parseRuntimeLimit(s)
	if err != nil {
		return err
	}
	if _, err := newRuntimeRule(l, selection.Self{}); err != nil {
		return err
	}
	*v.limits = append(*v.limits, l)
	return nil
}

func (v *runtimesValue) String() string {
	parts := make([]string, len(*v.limits))
	for i, l := range *v.limits {
		parts[i] = l.String()
	}
	return strings.Join(parts, ",")
}

func (v *runtimesValue) Type() string { return "NAME=SECS" }

// actionValue is the --max-runtime-action flag.
type actionValue struct{ a *runtimeAction }

func (v *actionValue) Set(s string) error {
	switch s {
	case "restart":
		*v.a = actRestart
	case "stop":
		*v.a = actStop
	default:
		return badValue("unknown action %q: use restart or stop", s)
	}
	return nil
}

func (v *actionValue) String() string { return v.a.String() }

func (v *actionValue) Type() string { return "ACTION" }

// jitterValue is the --max-runtime-jitter SECS flag; negative is unset.
type jitterValue struct{ d *time.Duration }

func (v *jitterValue) Set(s string) error {
	d, err := parseSeconds(s)
	if err == nil {
		*v.d = d
	}
	return err
}

func (v *jitterValue) String() string {
	if *v.d < 0 {
		return ""
	}
	return formatSeconds(*v.d)
}

func (v *jitterValue) Type() string { return "SECS" }

// windowValue is the --max-runtime-not-during HH:MM-HH:MM flag.
type windowValue struct{ w **dailyWindow }

func (v *windowValue) Set(s string) error {
	w, err := parseWindow(s)
	if err == nil {
		*v.w = w
	}
	return err
}

func (v *windowValue) String() string {
	if *v.w == nil {
		return ""
	}
	return (*v.w).String()
}

func (v *windowValue) Type() string { return "WINDOW" }

// metricValue is the --metric flag.
type metricValue struct{ m *procmem.Metric }

func (v *metricValue) Set(s string) error {
	m, err := procmem.ParseMetric(s)
	if err == nil {
		*v.m = m
	}
	return err
}

func (v *metricValue) String() string { return v.m.Name() }

func (v *metricValue) Type() string { return "METRIC" }
