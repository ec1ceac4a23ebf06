package memmon

import (
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/spf13/cobra"
)

// NewCommand returns the memmon command.
func NewCommand() *cobra.Command { return newCommand(run) }

// newCommand returns the memmon command with run as what it does once the
// flags are read, so that tests can see the Config a command line makes.
func newCommand(run func(cmd *cobra.Command, cfg Config) error) *cobra.Command {
	var (
		cfg      = Config{Metric: procmem.RSS, Uptime: NoUptimeLimit}
		sendmail = mail.DefaultSendmailCommand
		anyLimit sizeValue
	)
	cmd := &cobra.Command{
		Use:   "memmon [flags]",
		Short: "Restart supervisord processes that use too much memory",
		Long: `memmon is a supervisord event listener that restarts processes using more
memory than their limit. On every TICK event it asks supervisord for its
processes, reads each one's memory from /proc (never by running ps), and
restarts, with stopProcess then startProcess, every RUNNING process above the
limit of a -p, -g or -a rule covering it. It accepts superlance memmon's
command lines unchanged.

SIZE is a number of bytes, or a number with KB, MB or GB (K, M, G; any case)
meaning KiB, MiB and GiB: 200MB, 1.5GB, 512k. SECS is whole seconds, or a
whole number with s, m, h or d: 3600, 90m, 1d.

A -p NAME is "name" (that process in any group, and every process of the
group "name", so a numprocs program is covered whole), "group:name", or
"group:*"; either part may be a shell pattern (web:web_0?). A process covered
by several rules is restarted when it is above any of them, at most once per
tick.

Restarts run in the background: the TICK is acknowledged at once, so
supervisord's event buffer does not overflow while a slow process stops.
One restart per process is under way at a time. memmon never restarts itself.

memmon writes one line per check to standard error ("RSS of web:web is
1234"), and mails -m about each restart, failed restart and spent restart
budget through the sendmail program -s.`,
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(cfg.Programs) == 0 && len(cfg.Groups) == 0 && !anyLimit.set {
				return cli.Usagef("nothing to watch: give -p/--program NAME=SIZE, -g/--group GROUP=SIZE or -a/--any SIZE")
			}
			if anyLimit.set {
				cfg.Any = &anyLimit.bytes
			}
			if err := cfg.Restart.Policy.Validate(); err != nil {
				return cli.Usagef("%v", err)
			}
			if cfg.Email != "" {
				sm, err := mail.NewSendmail(sendmail)
				if err != nil {
					return cli.Usagef("%v", err)
				}
				cfg.Mailer = sm
			}
			return run(cmd, cfg)
		},
	}
	cli.Setup(cmd)
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.VarP(&limitsValue{flag: "-p", limits: &cfg.Programs}, "program", "p",
		"restart each process NAME covers (name, group:name or group:*) when it uses more than SIZE; give `NAME=SIZE`, repeatable")
	fs.VarP(&limitsValue{flag: "-g", limits: &cfg.Groups}, "group", "g",
		"restart each process of GROUP when it uses more than SIZE; give `GROUP=SIZE`, repeatable")
	fs.VarP(&anyLimit, "any", "a", "restart any process (except memmon itself) when it uses more than `SIZE`")
	fs.BoolVarP(&cfg.Cumulative, "cumulative", "c", false, "count each process together with all its descendants")
	fs.Var(&metricValue{&cfg.Metric}, "metric", "count memory as `rss|pss|uss`: the resident set (as ps and superlance), the proportional set or the unique set")
	fs.StringVarP(&sendmail, "sendmail_program", "s", sendmail, "the sendmail `command` memmon pipes its mail to")
	fs.StringVarP(&cfg.Email, "email", "m", "", "mail restarts and failures to this `address` (no mail without it)")
	fs.VarP(&secondsValue{&cfg.Uptime}, "uptime", "u", "mail about a restart only when the process had been up at most `SECS` (failures are always mailed)")
	fs.StringVarP(&cfg.Name, "name", "n", "", "tag mail subjects with this `name`: \"memmon [name]: ...\"")
	cfg.Restart.Policy.AddFlags(fs, "ticks over the limit")
	return cmd
}

// run serves events to a Monitor for cfg until supervisord stops memmon,
// then lets the restarts under way finish.
func run(cmd *cobra.Command, cfg Config) error {
	client, err := rpc.FromEnv()
	if err != nil {
		return err
	}
	cfg.Supervisor = client
	cfg.SelfGroup, cfg.SelfName, _ = listener.Self()
	cfg.Log = cmd.ErrOrStderr()
	mon, err := New(cfg)
	if err != nil {
		return err
	}
	return cli.RunListener(cmd, mon, cli.Logger(cmd), cli.DrainTimeout)
}

// Main runs the memmon command; it is cmd/memmon's main.
func Main() { cli.Main(NewCommand()) }

// limitsValue is a repeatable NAME=SIZE flag.
type limitsValue struct {
	flag   string
	limits *[]Limit
}

func (v *limitsValue) Set(s string) error {
	l, err := ParseLimit(s)
	if err != nil {
		return err
	}
	if _, err := newRule(v.flag, l); err != nil {
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
	n, err := ParseSize(s)
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
	return Limit{Bytes: v.bytes}.String()[1:]
}

func (v *sizeValue) Type() string { return "SIZE" }

// secondsValue is the -u SECS flag.
type secondsValue struct{ d *time.Duration }

func (v *secondsValue) Set(s string) error {
	d, err := ParseSeconds(s)
	if err == nil {
		*v.d = d
	}
	return err
}

func (v *secondsValue) String() string {
	if *v.d == NoUptimeLimit {
		return ""
	}
	return formatSeconds(*v.d)
}

func (v *secondsValue) Type() string { return "SECS" }

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
