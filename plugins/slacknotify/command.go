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

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/secret"
	"github.com/spf13/cobra"
)

// Environment variables slack-notify reads its secrets from.
const (
	EnvWebhookURL = "SLACK_WEBHOOK_URL"
	EnvToken      = "SLACK_TOKEN"
)

// Defaults of the command's flags.
const (
	DefaultWindow      = 10 * time.Minute
	DefaultStderrLines = 10
)

// checkTimeout bounds the token check at start-up.
const checkTimeout = 10 * time.Second

type options struct {
	programs, exclude []string
	any               bool

	webhookURL, webhookFile string
	token, tokenFile        string
	channel, apiURL         string

	alertOn       []string
	expectedExits bool
	noRecovery    bool
	window        time.Duration
	stderrLines   int
	retryFor      time.Duration
	hostname      string
	dryRun        bool
}

// NewCommand returns the slack-notify command.
func NewCommand() *cobra.Command {
	var o options
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

An event is acknowledged only once its message is posted. A failed post is
retried with backoff, honouring Slack's Retry-After, for --retry-for; then
the event is rejected and supervisord delivers it again. If Slack refuses the
configuration itself (a revoked webhook or token, a missing scope, an unknown
channel), slack-notify exits with one line saying what to fix, and
supervisord keeps the event for its next start.`,
		Example: `  [eventlistener:slack-notify]
  command=slack-notify --any --window 10m
  events=PROCESS_STATE,TICK_60
  environment=SLACK_WEBHOOK_URL="https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
  buffer_size=100
  priority=-20`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return run(cmd, o)
		},
	}
	cli.Setup(cmd)
	f := cmd.Flags()
	f.StringSliceVarP(&o.programs, "program", "p", nil, "report on this process: `name`, group:name, group:* or a glob; repeatable (default: every process but slack-notify itself)")
	f.BoolVarP(&o.any, "any", "a", false, "report on every process but slack-notify itself")
	f.StringSliceVar(&o.exclude, "exclude", nil, "never report on this process (same `name` forms as --program); repeatable")
	f.StringVarP(&o.webhookURL, "webhook-url", "w", "", "incoming-webhook `URL` (visible to ps: prefer "+EnvWebhookURL+" or --webhook-url-file)")
	f.StringVar(&o.webhookFile, "webhook-url-file", "", "read the incoming-webhook URL from this `file`")
	f.StringVarP(&o.token, "token", "t", "", "bot `token` (visible to ps: prefer "+EnvToken+" or --token-file)")
	f.StringVar(&o.tokenFile, "token-file", "", "read the bot token (xoxb-...) from this `file`")
	f.StringVarP(&o.channel, "channel", "c", "", "`channel` a bot token posts to: #name or an ID like C0123456789")
	f.StringSliceVar(&o.alertOn, "alert-on", []string{"EXITED", "BACKOFF", "FATAL"}, "process `states` whose entry alerts; EXITED only when unexpected unless --expected-exits")
	f.BoolVar(&o.expectedExits, "expected-exits", false, "alert on EXITED even when the exit code is in the program's exitcodes")
	f.BoolVar(&o.noRecovery, "no-recovery", false, "post no recovery message when an alerted process is RUNNING again (a bot's alert is still edited to say so)")
	f.DurationVar(&o.window, "window", DefaultWindow, "fold further failures of a process within this `duration` of its alert into one incident; 0 posts every failure")
	f.IntVar(&o.stderrLines, "stderr-lines", DefaultStderrLines, "show this many last `lines` of the process's stderr; 0 shows none")
	f.DurationVar(&o.retryFor, "retry-for", DefaultRetryFor, "retry a failed post for at most this `duration`, then reject the event so supervisord delivers it again")
	f.StringVarP(&o.hostname, "hostname", "n", "", "host `name` shown in messages (default: this machine's hostname)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print each message's JSON to stderr instead of posting it; needs no Slack credentials")
	f.StringVar(&o.apiURL, "api-url", "", "Slack Web API base `URL`, for a proxy or a Slack-compatible server (default https://slack.com/api/)")
	return cmd
}

// Main runs the slack-notify command; it is cmd/slack-notify's main.
func Main() { cli.Main(NewCommand()) }

func run(cmd *cobra.Command, o options) error {
	stderr := cmd.ErrOrStderr()
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	alertOn, err := parseStates(o.alertOn)
	if err != nil {
		return err
	}
	switch {
	case o.window < 0:
		return cli.Usagef("--window %s is negative: give a duration such as 10m, or 0 to post every failure", o.window)
	case o.stderrLines < 0:
		return cli.Usagef("--stderr-lines %d is negative: give a number of lines, or 0 for none", o.stderrLines)
	case o.retryFor <= 0:
		return cli.Usagef("--retry-for %s must be positive: give a duration such as 30s", o.retryFor)
	}
	sel, err := listener.NewMatcher(o.programs, o.any)
	if err != nil {
		return cli.Usagef("bad -p/--program: %v", err)
	}
	if sel.Empty() {
		sel = nil
	}
	var excl *listener.Matcher
	if len(o.exclude) > 0 {
		if excl, err = listener.NewMatcher(o.exclude, false); err != nil {
			return cli.Usagef("bad --exclude: %v", err)
		}
	}

	poster, err := destination(cmd.Context(), o, stderr, logger)
	if err != nil {
		return err
	}

	selfGroup, selfName, _ := listener.Self()
	cfg := Config{
		Poster:        poster,
		Select:        sel,
		Exclude:       excl,
		SelfGroup:     selfGroup,
		SelfName:      selfName,
		AlertOn:       alertOn,
		ExpectedExits: o.expectedExits,
		NoRecovery:    o.noRecovery,
		Window:        o.window,
		Host:          o.hostname,
		LogLines:      o.stderrLines,
		Retry:         retry.Policy{MaxElapsed: o.retryFor, Initial: time.Second, Max: 10 * time.Second},
		Log:           stderr,
	}
	if cfg.Host == "" {
		if cfg.Host, err = os.Hostname(); err != nil {
			cfg.Host = "unknown host"
		}
	}
	if client, err := rpc.FromEnv(); err != nil {
		logger.Warn("messages will lack exit status, run time and log lines: cannot reach supervisord's XML-RPC interface", "err", err)
	} else {
		cfg.Supervisor = client
	}

	ctx, stop := context.WithCancelCause(cmd.Context())
	defer stop(nil)
	cfg.OnConfigError = func(ce *ConfigError) { stop(ce) }
	n, err := New(cfg)
	if err != nil {
		return err
	}
	err = listener.Run(ctx, n, listener.WithLogger(logger), listener.WithTimeout(n.Budget()+5*time.Second))
	var ce *ConfigError
	if errors.As(context.Cause(ctx), &ce) {
		return ce
	}
	return err
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
func destination(ctx context.Context, o options, stderr io.Writer, logger *slog.Logger) (Poster, error) {
	webhook, err := secret.Source{Name: "Slack webhook URL", Value: o.webhookURL, Env: EnvWebhookURL, File: o.webhookFile, Logger: logger}.Resolve()
	if err != nil && !errors.Is(err, secret.ErrNotSet) {
		return nil, cli.Usagef("%v", err)
	}
	token, err := secret.Source{Name: "Slack bot token", Value: o.token, Env: EnvToken, File: o.tokenFile, Logger: logger}.Resolve()
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
		return nil, cli.Usagef("no Slack destination: set %s (or --webhook-url-file) to an incoming webhook's URL, or %s (or --token-file) to a bot token and add -c/--channel", EnvWebhookURL, EnvToken)
	}
	if hasWebhook {
		if _, err := ParseWebhookURL(webhook.Reveal()); err != nil {
			return nil, cli.Usagef("bad webhook URL from %s: %v", webhook.Origin(), err)
		}
	}
	if o.dryRun {
		logger.Info("dry run: printing messages instead of posting them")
		return &DryRun{W: stderr, Threaded: !hasWebhook && o.channel != "", Channel: o.channel}, nil
	}
	if hasWebhook {
		return NewWebhook(webhook.Reveal(), nil)
	}
	apiURL, err := parseAPIURL(o.apiURL)
	if err != nil {
		return nil, err
	}
	bot := NewBot(token.Reveal(), o.channel, apiURL, nil)
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := bot.Check(cctx); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("bot token from %s: %w", token.Origin(), ce)
		}
		// Slack may be unreachable for now; posts will retry.
		logger.Warn("could not check the bot token with Slack", "err", err)
	}
	return bot, nil
}
