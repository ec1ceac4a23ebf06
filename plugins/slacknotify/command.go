package slacknotify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/secret"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/spf13/cobra"
)

// Environment variables slack-notify reads its secrets from.
const (
	envWebhookURL = "SLACK_WEBHOOK_URL"
	envToken      = "SLACK_TOKEN"
)

// checkTimeout bounds the token check at start-up.
const checkTimeout = 10 * time.Second

// options are the flags that say where messages go; destination reads
// them.
type options struct {
	webhookURL, webhookFile string
	token, tokenFile        string
	channel, apiURL         string

	dryRun bool
}

// NewCommand returns the slack-notify command.
func NewCommand() *cobra.Command {
	var (
		o        options
		cfg      config
		alertOn  []string
		retryFor time.Duration
	)
	cmd := &cobra.Command{
		Use:   "slack-notify",
		Short: "Post supervisord process failures and recoveries to Slack, without the noise",
		Long: `slack-notify is a supervisord event listener that posts to Slack when a
process fails (by default: an unexpected EXITED, BACKOFF or FATAL) and when it
is RUNNING again. Each message shows the host, the process, the transition,
the exit status and how long the process ran, and its last lines of stderr,
as Block Kit with a plain-text fallback.

Repeated failures of one process within --window are one incident, not a
flood. With a bot token the alert is edited in place to count them, and the
recovery is a reply in its thread. With an incoming webhook, which cannot edit
its messages, they are counted and posted as one summary when the window
closes (add TICK_60 to events= for that) or with the recovery. An escalation
to FATAL is always posted at once.

Slack is reached either by an incoming webhook, from SLACK_WEBHOOK_URL,
--webhook-url-file or --webhook-url, or by a bot token with chat:write, from
SLACK_TOKEN or --token-file, together with --channel. Keep secrets out of
command=: use environment= in the [eventlistener:x] section or a file.

Each message is rendered when its event comes, written with the incidents'
state to the outbox, a small file synced to disk, and the event is answered
at once; the messages are posted in the background, in order, retried with
backoff (honouring Slack's Retry-After) for as long as the outbox's bounds
allow, across restarts of the listener, so that a Slack outage never makes
supervisord drop events and an incident's thread survives a restart. If
Slack refuses the configuration itself (a revoked webhook or token, a
missing scope, an unknown channel), the messages stay queued and one line
says what to fix; restart the listener once it is fixed. With --outbox none
an event is acknowledged only once its messages are posted: a failed post is
retried for --retry-for, then the event is rejected and supervisord delivers
it again, and a refused configuration stops the listener with the fix.`,
		Example: `  [eventlistener:slack-notify]
  command=slack-notify --any --window 10m
  events=PROCESS_STATE,TICK_60
  environment=SLACK_WEBHOOK_URL="https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
  buffer_size=100
  priority=-20
  stdout_logfile=NONE`,
	}
	cli.Setup(cmd)
	manual.Environment(cmd, manual.SupervisorRPC...)
	f := cmd.Flags()
	procs := selection.Register(f, selection.Options{ProgramShort: "p", AnyShort: "a", Exclude: true,
		Empty: selection.EmptyAll, Policy: selection.SelfNever, Verb: "report on"})
	f.StringVarP(&o.webhookURL, "webhook-url", "w", "", "incoming-webhook `URL` (visible to ps: prefer "+envWebhookURL+" or --webhook-url-file)")
	f.StringVar(&o.webhookFile, "webhook-url-file", "", "read the incoming-webhook URL from this `file`")
	f.StringVarP(&o.token, "token", "t", "", "bot `token` (visible to ps: prefer "+envToken+" or --token-file)")
	f.StringVar(&o.tokenFile, "token-file", "", "read the bot token (xoxb-...) from this `file`")
	manual.EnvFlag(f, "webhook-url", manual.EnvVar{Name: envWebhookURL, Text: "The incoming-webhook URL, when neither --webhook-url nor --webhook-url-file gives one."})
	manual.EnvFlag(f, "token", manual.EnvVar{Name: envToken, Text: "The bot token, when neither --token nor --token-file gives one."})
	f.StringVarP(&o.channel, "channel", "c", "", "`channel` a bot token posts to: #name or an ID like C0123456789")
	f.StringSliceVar(&alertOn, "alert-on", []string{"EXITED", "BACKOFF", "FATAL"}, "process `states` whose entry alerts; EXITED only when unexpected unless --expected-exits")
	f.BoolVar(&cfg.expectedExits, "expected-exits", false, "alert on EXITED even when the exit code is in the program's exitcodes")
	f.BoolVar(&cfg.noRecovery, "no-recovery", false, "post no recovery message when an alerted process is RUNNING again (a bot's alert is still edited to say so)")
	f.DurationVar(&cfg.window, "window", defaultWindow, "fold further failures of a process within this `duration` of its alert into one incident; 0 posts every failure")
	f.IntVar(&cfg.logLines, "stderr-lines", defaultStderrLines, "show this many last `lines` of the process's stderr; 0 shows none")
	f.DurationVar(&retryFor, "retry-for", defaultRetryFor, "with --outbox none, retry a failed post for at most this `duration`, then reject the event so supervisord delivers it again")
	f.StringVar(&cfg.host, "hostname", "", "host `name` shown in messages (default: this machine's hostname)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print each message's JSON to stderr instead of posting it; needs no Slack credentials")
	f.StringVar(&o.apiURL, "api-url", "", "Slack Web API base `URL`, for a proxy or a Slack-compatible server (default https://slack.com/api/)")
	outboxFlags := outbox.RegisterFlags(f)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := outboxFlags.Validate(); err != nil {
			return &cli.UsageError{Err: err}
		}
		outboxFlags.Apply(&cfg.outbox)
		if o.dryRun && !f.Changed(outbox.FlagOutbox) {
			// A try-out posts nothing and must not touch the store of
			// the listener it tries out.
			cfg.outbox.Dir = outbox.None
		}
		var err error
		if cfg.alertOn, err = parseStates(alertOn); err != nil {
			return err
		}
		switch {
		case cfg.window < 0:
			return cli.Usagef("--window %s is negative: give a duration such as 10m, or 0 to post every failure", cfg.window)
		case cfg.logLines < 0:
			return cli.Usagef("--stderr-lines %d is negative: give a number of lines, or 0 for none", cfg.logLines)
		case retryFor <= 0:
			return cli.Usagef("--retry-for %s must be positive: give a duration such as 30s", retryFor)
		}
		cfg.retry = retry.Policy{MaxElapsed: retryFor, Initial: time.Second, Max: 10 * time.Second}
		cfg.log = cli.Logger(cmd)
		if cfg.selector, err = procs.Selector(); err != nil {
			return err
		}
		return run(cmd, cfg, o)
	}
	return cmd
}

// Main runs the slack-notify command; it is cmd/slack-notify's main.
func Main() { cli.Main(NewCommand()) }

// run serves slack-notify for cfg, posting where o says, until
// supervisord stops it or Slack refuses the configuration.
func run(cmd *cobra.Command, cfg config, o options) error {
	var err error
	if cfg.poster, err = destination(cmd.Context(), o, cmd.ErrOrStderr(), cfg.log); err != nil {
		return err
	}
	cfg.target = describeTarget(cfg.poster)
	if cfg.host == "" {
		if cfg.host, err = os.Hostname(); err != nil {
			cfg.host = "unknown host"
		}
	}
	if client, err := rpc.FromEnv(); err != nil {
		cfg.log.Warn(fmt.Sprintf("messages will lack exit status, run time and log lines: cannot reach supervisord's XML-RPC interface: %v", err))
	} else {
		cfg.supervisor = client
	}

	ctx, stop := context.WithCancelCause(cmd.Context())
	defer stop(nil)
	cfg.onConfigError = func(ce *configError) { stop(ce) }
	h, err := newHandler(cfg)
	if err != nil {
		return err
	}
	cfg.log.Info(fmt.Sprintf("slack-notify: posting %s about %s; %s", describePoster(cfg.poster), cfg.selector, h.ob))
	cmd.SetContext(ctx)
	err = cli.RunListener(cmd, h, cfg.log, cli.DrainTimeout, listener.WithTimeout(h.budget()+5*time.Second))
	var ce *configError
	if errors.As(context.Cause(ctx), &ce) {
		return ce
	}
	return err
}

// describePoster says where messages go, for the start-up line.
func describePoster(p slackPoster) string {
	switch p := p.(type) {
	case *botPoster:
		return "with a bot token to " + p.channel
	case *dryRun:
		return "nowhere (--dry-run)"
	}
	return "to an incoming webhook"
}

// describeTarget names where messages go, for the outbox's lines.
func describeTarget(p slackPoster) string {
	switch p := p.(type) {
	case *botPoster:
		return "Slack channel " + p.channel
	case *dryRun:
		return "the dry run"
	}
	return "the Slack incoming webhook"
}

// parseStates reads --alert-on.
func parseStates(names []string) ([]listener.State, error) {
	var states []listener.State
	for _, name := range names {
		name = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "PROCESS_STATE_")
		s, err := listener.ParseState(name)
		if err != nil {
			return nil, cli.Usagef("unknown state %q in --alert-on: use %s", name, stateNames())
		}
		if s == listener.StateRunning {
			return nil, cli.Usagef("--alert-on cannot include RUNNING: RUNNING is the recovery (to post no recoveries, use --no-recovery)")
		}
		states = append(states, s)
	}
	if len(states) == 0 {
		return nil, cli.Usagef("--alert-on is empty: name at least one state, e.g. --alert-on EXITED,BACKOFF,FATAL")
	}
	return states, nil
}

func stateNames() string {
	var names []string
	for _, s := range listener.States {
		if s != listener.StateRunning {
			names = append(names, s.String())
		}
	}
	return strings.Join(names, ", ")
}

// parseAPIURL checks --api-url and gives it the trailing slash the Slack
// client needs: it appends method names to it.
func parseAPIURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", cli.Usagef("bad --api-url %q: want an http(s) URL such as https://slack.com/api/", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

// destination works out where messages go from the flags and the
// environment, and checks what can be checked before the first event.
func destination(ctx context.Context, o options, stderr io.Writer, logger *slog.Logger) (slackPoster, error) {
	webhook, err := secret.Source{Name: "Slack webhook URL", Value: o.webhookURL, Env: envWebhookURL, File: o.webhookFile,
		Flag: "-w/--webhook-url", FileFlag: "--webhook-url-file", Logger: logger}.Resolve()
	if err != nil && !errors.Is(err, secret.ErrNotSet) {
		return nil, cli.Usagef("%v", err)
	}
	token, err := secret.Source{Name: "Slack bot token", Value: o.token, Env: envToken, File: o.tokenFile,
		Flag: "-t/--token", FileFlag: "--token-file", Logger: logger}.Resolve()
	if err != nil && !errors.Is(err, secret.ErrNotSet) {
		return nil, cli.Usagef("%v", err)
	}
	hasWebhook, hasToken := webhook.Reveal() != "", token.Reveal() != ""
	switch {
	case hasWebhook && hasToken:
		return nil, cli.Usagef("both a webhook URL (from %s) and a bot token (from %s) are set: keep one", webhook.Origin(), token.Origin())
	case hasToken && o.channel == "":
		return nil, cli.Usagef("missing -c/--channel: a bot token needs the channel to post to, e.g. --channel '#ops' or --channel C0123456789")
	case hasWebhook && o.channel != "":
		return nil, cli.Usagef("-c/--channel is for a bot token: an incoming webhook always posts to the channel it was created for; drop --channel")
	case !hasWebhook && !hasToken && !o.dryRun:
		return nil, cli.Usagef("no Slack destination: set %s (or --webhook-url-file) to an incoming webhook's URL, or %s (or --token-file) to a bot token and add -c/--channel", envWebhookURL, envToken)
	}
	if hasWebhook {
		if _, err := parseWebhookURL(webhook.Reveal()); err != nil {
			return nil, cli.Usagef("bad webhook URL from %s: %v", webhook.Origin(), err)
		}
	}
	if o.dryRun {
		logger.Info("dry run: printing messages instead of posting them")
		return &dryRun{W: stderr, Threaded: !hasWebhook && o.channel != "", Channel: o.channel}, nil
	}
	if hasWebhook {
		return newWebhook(webhook.Reveal(), nil)
	}
	apiURL, err := parseAPIURL(o.apiURL)
	if err != nil {
		return nil, err
	}
	bot := newBot(token.Reveal(), o.channel, apiURL, nil)
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := bot.Check(cctx); err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("bot token from %s: %w", token.Origin(), ce)
		}
		// Slack may be unreachable for now; posts will retry.
		logger.Warn(fmt.Sprintf("could not check the bot token with Slack: %v", err))
	}
	return bot, nil
}
