package exporter

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// NewCommand returns the supervisord_exporter command.
func NewCommand() *cobra.Command { return newCommand(run) }

// newCommand returns the command with run as what it does once the flags
// are read, so that tests can see the config a command line makes.
func newCommand(run func(cmd *cobra.Command, cfg *config) error) *cobra.Command {
	cfg := &config{labels: map[string]string{}}
	cmd := &cobra.Command{
		Use:   "supervisord_exporter [flags]",
		Short: "Prometheus metrics, Alertmanager alerts and a status page from supervisord's events",
		Long: `supervisord_exporter is a supervisord event listener that serves Prometheus
metrics about supervisord and its processes, posts alerts to Alertmanager, and
shows a status page for a person.

It follows supervisord from its events rather than polling it: a scrape never
calls supervisord, and what happens between two scrapes is counted (spawns,
exits expected or not, FATALs, every state transition) where a polling
exporter sees only the state at the scrape. Resident memory and CPU time come
from /proc every --sample-interval.

The status page at / shows every process with its state, uptime, restarts and
exits in the last hour, small plots of its memory and CPU over the last hour,
and the recent events; a failing process stands out.

With --alertmanager.url (repeatable, for a cluster: each gets every alert) an
unexpected exit fires SupervisordProcessExited and FATAL fires
SupervisordProcessFatal, with labels alertname, host, group and process and the
crash's exit status, uptime and log tail as annotations; both resolve when the
process is RUNNING again (supervisord's RUNNING comes after startsecs), or is
stopped. Transitions go through the outbox, so an Alertmanager outage loses
nothing; firing alerts are re-sent every --alertmanager.resend-interval.

--textfile writes the metrics to a file for node_exporter's textfile collector,
instead of serving them (or as well, with --web.listen-address).

Subscribe it to PROCESS_STATE, TICK_5 (or TICK_60), PROCESS_GROUP and
SUPERVISOR_STATE_CHANGE. It needs supervisord's XML-RPC interface.`,
		Example: `  [eventlistener:supervisord_exporter]
  command=supervisord_exporter --alertmanager.url http://alertmanager:9093
  events=PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_5
  priority=-100
  buffer_size=100

  ; metrics for node_exporter's textfile collector, nothing served
  [eventlistener:supervisord_textfile]
  command=supervisord_exporter --textfile /var/lib/node_exporter/supervisord.prom
  events=PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_60
  priority=-99
  buffer_size=100`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.listenSet = cmd.Flags().Changed("web.listen-address")
			if err := cfg.validate(); err != nil {
				return cli.Usagef("%v", err)
			}
			return run(cmd, cfg)
		},
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringSliceVar(&cfg.listen, "web.listen-address", []string{defaultListen},
		"serve metrics and the status page on this `address` (repeatable)")
	fs.StringVar(&cfg.telemetryPath, "web.telemetry-path", defaultTelemetryPath, "serve the metrics at this `path`")
	fs.StringVar(&cfg.webConfigFile, "web.config.file", "",
		"read TLS and basic authentication settings from this exporter-toolkit web configuration `file`")
	fs.StringVar(&cfg.textfile, "textfile", "",
		"write the metrics to this `file` (ending in .prom) for node_exporter's textfile collector; "+
			"nothing is served unless --web.listen-address is given too")
	fs.DurationVar(&cfg.textfileEvery, "textfile.interval", defaultTextfileEvery, "rewrite the --textfile every `duration`")
	fs.DurationVar(&cfg.sampleInterval, "sample-interval", defaultSampleInterval,
		"read processes' memory and CPU from /proc every `duration`")
	fs.StringArrayVar(&cfg.alertmanagers, "alertmanager.url", nil,
		"post alerts to the Alertmanager at this `URL` (http://host:9093, with any path prefix); repeatable, each gets every alert")
	fs.StringVar(&cfg.amAuthFile, flagAMAuthFile, "",
		"read the Alertmanagers' basic credentials, user:password, from this `file` (or set "+envAMUsername+" and "+envAMPassword+"); a URL's own user:password@ wins")
	manual.Environment(cmd,
		manual.EnvVar{Name: envAMUsername, Text: "The user name the Alertmanagers are posted to with (basic authentication), for a URL without user:password@."},
		manual.EnvVar{Name: envAMPassword, Text: "The password the Alertmanagers are posted to with, for a URL without user:password@; set it with environment= in the [eventlistener:x] section, which ps does not show."})
	fs.DurationVar(&cfg.resend, "alertmanager.resend-interval", defaultResend,
		"re-send firing alerts every `duration`; each says it ends four intervals later unless re-sent")
	fs.Var(&labelsValue{cfg.labels}, "alertmanager.label", "add this label to every alert, given as `NAME=VALUE`; repeatable")
	fs.IntVar(&cfg.logLines, "alertmanager.log-lines", defaultLogLines, "quote the last `n` lines of a crashed process's stderr in its alert")
	fs.StringVar(&cfg.host, "host", "",
		"the alerts' `name` for this host label (default: supervisord's identification, or the host name when it is the default \"supervisor\")")
	cfg.alertOn = selection.Register(fs, selection.Options{ProgramShort: "p", Exclude: true,
		Empty: selection.EmptyAll, Policy: selection.SelfNever, Verb: "alert about"})
	cfg.outbox = outbox.RegisterFlags(fs)
	return cmd
}

// Main runs the supervisord_exporter command; it is cmd/supervisord_exporter's main.
func Main() { cli.Main(NewCommand()) }

// labelsValue is the repeatable --alertmanager.label NAME=VALUE.
type labelsValue struct{ m map[string]string }

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// reservedLabels are set by the exporter.
var reservedLabels = map[string]bool{"alertname": true, "host": true, "group": true, "process": true}

func (v *labelsValue) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	switch {
	case !ok || value == "":
		return fmt.Errorf("give NAME=VALUE, e.g. severity=page")
	case !labelName.MatchString(name) || strings.HasPrefix(name, "__"):
		return fmt.Errorf("%q is not a label name: letters, digits and _, not starting with a digit or __", name)
	case reservedLabels[name]:
		return fmt.Errorf("the exporter sets the %s label itself (use --host for host)", name)
	}
	v.m[name] = value
	return nil
}

func (v *labelsValue) String() string {
	var parts []string
	for k, val := range v.m {
		parts = append(parts, k+"="+val)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (v *labelsValue) Type() string { return "NAME=VALUE" }
