package slacknotify

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// defaultAlertOn are the states that alert unless configured otherwise.
// EXITED alerts only when the exit was unexpected (see
// config.expectedExits).
var defaultAlertOn = []listener.State{listener.StateExited, listener.StateBackoff, listener.StateFatal}

// Defaults of the settings.
const (
	defaultWindow         = 10 * time.Minute
	defaultStderrLines    = 10
	defaultRetryFor       = 30 * time.Second
	defaultDetailsTimeout = 5 * time.Second
	defaultTarget         = "Slack"
)

// config is every setting of slack-notify.
type config struct {
	// poster delivers the messages. A slackUpdater (a bot token) gets its
	// alerts edited and threaded; a plain slackPoster (a webhook) gets
	// summaries instead.
	poster slackPoster
	// target names where messages go in log lines ("Slack channel
	// #ops"); defaultTarget if empty.
	target string
	// outbox says where messages wait for Slack (Dir, MaxItems, MaxAge,
	// and in tests Retry and Clock); newHandler fills in the rest. Its
	// Clock defaults to clock's.
	outbox outbox.Config

	// selector chooses the processes to report on, slack-notify itself
	// never among them; nil selects every process.
	selector *selection.Selector

	// alertOn lists the states whose entry is a failure; nil means
	// defaultAlertOn. RUNNING cannot be one: it is the recovery.
	alertOn []listener.State
	// expectedExits makes an EXITED with an expected exit code alert too.
	expectedExits bool
	// noRecovery turns off recovery messages. A bot's alert is still
	// edited to show that the process recovered, which notifies nobody.
	noRecovery bool
	// window is how long after an alert further failures of the same
	// process are folded into it. Zero posts every failure.
	window time.Duration

	// host names the machine in messages.
	host string
	// supervisor is where details (exit status, run time, log lines) come
	// from, *rpc.Client in production; nil leaves them out.
	supervisor crashinfo.Source
	// logLines is how many of the process's last stderr lines a failure
	// message shows; 0 shows none.
	logLines int
	// detailsTimeout bounds the XML-RPC calls for details
	// (defaultDetailsTimeout if zero).
	detailsTimeout time.Duration

	// retry bounds the posts of one event without an outbox, which hold
	// the event meanwhile (the outbox's SyncRetry); defaultRetryFor if
	// it has neither MaxElapsed nor MaxAttempts.
	retry retry.Policy

	// log receives one line per message posted or failure to post.
	log *slog.Logger
	// clock is the time of failures and windows; nil means the real clock.
	clock clock.Clock
	// onConfigError, if set, is called when, without an outbox, Slack
	// refuses the configuration (see configError): the command stops the
	// listener. With an outbox the messages wait for the fix instead.
	onConfigError func(*configError)
}

// errBadConfig is wrapped by the errors of validate.
var errBadConfig = errors.New("bad slack-notify configuration")

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	if c.alertOn == nil {
		c.alertOn = defaultAlertOn
	}
	if c.detailsTimeout <= 0 {
		c.detailsTimeout = defaultDetailsTimeout
	}
	if c.retry.MaxElapsed <= 0 && c.retry.MaxAttempts <= 0 {
		c.retry.MaxElapsed = defaultRetryFor
	}
	if c.target == "" {
		c.target = defaultTarget
	}
	c.clock = clock.Or(c.clock)
	c.log = log.Or(c.log)
	return c
}

// validate reports a configuration slack-notify cannot work with.
func (c config) validate() error {
	switch {
	case c.poster == nil:
		return fmt.Errorf("%w: nothing to post with", errBadConfig)
	case c.window < 0 || c.logLines < 0:
		return fmt.Errorf("%w: negative window or log lines", errBadConfig)
	}
	for _, s := range c.alertOn {
		if s == listener.StateRunning {
			return fmt.Errorf("%w: RUNNING cannot alert, it is the recovery", errBadConfig)
		}
	}
	return nil
}
