package httpok

import (
	"fmt"
	"strconv"
	"time"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// NewCommand returns the httpok command.
func NewCommand() *cobra.Command { return newCommand(run) }

// newCommand returns the httpok command with run as what it does once the
// command line is read, so that tests can see the config it makes.
func newCommand(run func(cmd *cobra.Command, cfg config) error) *cobra.Command {
	var (
		cfg     = config{gcore: defaultGcore}
		timeout = int(defaultTimeout / time.Second)
		eager   = true
	)
	cmd := &cobra.Command{
		Use:   "httpok [flags] URL",
		Short: "Restart supervisord processes when a URL does not answer as it should",
		Long: `httpok is a supervisord event listener that checks a URL on every TICK event
and restarts the processes it watches when the answer is not healthy: an
error (connection refused, timeout, TLS failure), a status not listed with -c
(200 by default), or a body without the -b text. It accepts superlance
httpok's command lines unchanged.

The check is one GET with "User-Agent: httpok", redirects not followed. -t
bounds each socket operation (the connect, each read), as in superlance, so
a body streamed slowly but steadily is healthy; the whole check ends after
ten times -t. A refused connection is tried again every 10 seconds while -t
allows, as superlance does. https certificates are verified (--insecure skips that);
IPv6 hosts go in brackets: http://[::1]:8080/health.

On a failed check httpok optionally dumps each RUNNING watched process's core
with gcore into -d, then restarts it with stopProcess and startProcess in the
background: the TICK is acknowledged at once, one restart per process is
under way at a time, and httpok never restarts itself. Processes that are not
RUNNING are left alone and reported. Names that match no process are reported,
not fatal. A bare -p name is a process's name, as in superlance: -p web on a
numprocs program web restarts none of its processes, -p 'web:*' all of them.

With -E httpok follows supervisord's process list without asking for it at
every tick: a tick after which no process was started or reaped makes no
XML-RPC call. Without -E a healthy tick asks supervisord nothing anyway.

httpok writes its report lines to standard error, and mails them to -m once
the restarts are over: through the sendmail program -s, as superlance does
(so -m takes local names such as root, and comma-separated lists), or
through an SMTP server with --smtpHost.`,
		Example: `  [eventlistener:httpok]
  command=httpok -p web -t 20 -c 200 -c 204 -b OK -m ops@example.com http://localhost:8080/health
  events=TICK_60
  priority=-20

  ; flap control: act only after 3 failed checks in a row, and restart
  ; each process at most 5 times per hour
  [eventlistener:httpok_api]
  command=httpok -p api:* -E --consecutive 3 --max-restarts 5 https://[::1]:8443/ready
  events=TICK_5
  priority=-19`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return cli.Usagef("missing URL: give the URL to check, e.g. httpok -p web http://localhost:8080/health")
			case 1:
				return nil
			}
			return cli.Usagef("httpok checks exactly one URL, got %d arguments: %q; run one httpok per URL", len(args), args)
		},
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	fs := cmd.Flags()
	fs.SortFlags = false
	procs := selection.Register(fs, selection.Options{ProgramShort: "p", AnyShort: "a",
		Empty: selection.EmptyNone, Policy: selection.SelfNever, ProcessOnly: true, Verb: "restart"})
	fs.IntVarP(&timeout, "timeout", "t", timeout, "bound each connect and read of a check by `SECS` seconds, the whole check by ten times that (0: 60)")
	fs.IntSliceVarP(&cfg.codes, "code", "c", nil, "a healthy HTTP `status` (repeatable; default 200)")
	fs.StringVarP(&cfg.body, "body", "b", "", "a healthy response body contains this `text`")
	mailFlags := mailcli.Register(fs, mailcli.Options{
		Default:  mailcli.Sendmail,
		ToFlag:   mailcli.FlagEmail,
		Optional: true,
		About:    "a report of each restart",
		Shorts:   mailcli.Shorts{Sendmail: "s", To: "m"},
		Outbox:   &cfg.outbox,
	})
	fs.StringVarP(&cfg.gcore, "gcore", "g", cfg.gcore, "the `command` that dumps a core, run as COMMAND \"COREDIR/NAME\" PID")
	fs.StringVarP(&cfg.coreDir, "coredir", "d", "", "dump each process's core into this `directory` before restarting it (no dump without it)")
	fs.VarP(&eagerValue{target: &eager, value: true}, "eager", "e", "check the URL even when no watched process is RUNNING")
	fs.VarP(&eagerValue{target: &eager, value: false}, "not-eager", "E", "check the URL only while a watched process is RUNNING; the last of -e and -E wins")
	fs.Lookup("eager").NoOptDefVal = "true"
	fs.Lookup("not-eager").NoOptDefVal = "true"
	fs.StringVarP(&cfg.name, "name", "n", "", "tag mail subjects with this `name`: \"httpok [name]: ...\"")
	fs.BoolVar(&cfg.insecure, "insecure", false, "do not verify the https server's certificate")
	fs.StringVar(&cfg.authFile, flagAuth, "", "send the HTTP basic credentials in this `file`, user:password on one line (unless "+envUsername+" or "+envPassword+" is set); keeps the password off the command line")
	fs.StringVar(&cfg.headerFile, flagHeader, "", "send the headers in this `file`, one Name: value a line, e.g. Authorization: Bearer TOKEN (unless "+envHeader+" holds one)")
	manual.Environment(cmd,
		manual.EnvVar{Name: envUsername, Text: "The user name of the check's HTTP basic credentials, when the URL has none; set it with environment= in the [eventlistener:x] section, which ps does not show."},
		manual.EnvVar{Name: envPassword, Text: "The password that goes with " + envUsername + "; it comes before --" + flagAuth + "."},
		manual.EnvVar{Name: envHeader, Text: "A header the check sends, Name: value (Authorization: Bearer TOKEN); it comes before --" + flagHeader + "."})
	cfg.restart.Policy.AddFlags(fs, "failed checks")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if _, err := parseURL(args[0]); err != nil {
			return cli.Usagef("%v", err)
		}
		cfg.url = args[0]
		switch {
		case timeout < 0:
			return cli.Usagef("-t/--timeout must be 0 or more seconds, got %d", timeout)
		case timeout == 0:
			cfg.timeout = zeroTimeout
		default:
			cfg.timeout = time.Duration(timeout) * time.Second
		}
		for _, code := range cfg.codes {
			if code < 100 || code > 599 {
				return cli.Usagef("-c/--code %d is not an HTTP status: give a number from 100 to 599", code)
			}
		}
		cfg.notEager = !eager
		if err := cfg.restart.Policy.Validate(); err != nil {
			return cli.Usagef("%v", err)
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

// run serves httpok for cfg until supervisord stops it, then lets the
// restarts under way finish.
func run(cmd *cobra.Command, cfg config) error {
	client, err := rpc.FromEnv()
	if err != nil {
		return err
	}
	h, err := newHandler(cfg, client)
	if err != nil {
		return err
	}
	cfg.log.Info(fmt.Sprintf("httpok: checking %s at every tick, restarting %s when it fails, %s", h.url, cfg.selector, h.notices))
	return cli.RunListener(cmd, h, cfg.log, cli.DrainTimeout)
}

// Main runs the httpok command; it is cmd/httpok's main.
func Main() { cli.Main(NewCommand()) }

// eagerValue is -e or -E: both set one switch, so the last given wins, as
// in superlance.
type eagerValue struct {
	target *bool
	value  bool
}

func (v *eagerValue) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*v.target = v.value == on
	return nil
}

func (v *eagerValue) String() string {
	if v.target == nil {
		return "false"
	}
	return strconv.FormatBool(*v.target == v.value)
}

func (v *eagerValue) Type() string { return "bool" }

// IsBoolFlag lets -e and -E go without a value.
func (v *eagerValue) IsBoolFlag() bool { return true }
