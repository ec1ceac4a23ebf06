package orderedstartup

import (
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/restart"
)

// Defaults of the settings.
const (
	defaultTimeout     = 5 * time.Minute
	defaultPoll        = 2 * time.Second
	defaultCallTimeout = 10 * time.Second
	// defaultMaxRestarts bounds how often a follower is stopped or
	// restarted per restart.DefaultWindow: a dependency in a crash loop
	// (which supervisord ends with FATAL after startretries) does not
	// drag its followers around without end.
	defaultMaxRestarts = 10
)

// config is every setting of ordered-startup.
type config struct {
	// confPath is the supervisord configuration to read: CONFIG or -c;
	// "" finds the one the supervisord that started the listener runs with.
	confPath string
	// showPlan prints the start order and exits (--plan).
	showPlan bool

	// timeout is how long a program may take, from the moment it is
	// started, to reach what its dependents wait for; zero means no
	// limit. A program the listener does not start itself is timed from
	// the listener's start.
	timeout time.Duration
	// restart is the restart budget of each follower's process
	// (dependent_runtime): --max-restarts, --restart-window.
	restart restart.Policy
	// onFailure decides what a failure means for the programs waiting.
	onFailure failurePolicy
	// anyExit counts every exit as reaching EXITED, whatever the exit
	// code, as ordered-startup-supervisord did.
	anyExit bool
	// poll is how often process states are read while startup is under
	// way, so that nothing hangs on a lost event; defaultPoll if zero.
	poll time.Duration
	// callTimeout bounds each XML-RPC call with its retries;
	// defaultCallTimeout if zero.
	callTimeout time.Duration

	// mail says how and to whom problems are mailed; nil sends none.
	mail *mailcli.Delivery
	// outbox says where mail waits for delivery (Dir, MaxItems, MaxAge).
	outbox outbox.Config

	// clock times the timeouts; nil means the real clock.
	clock clock.Clock
	// log receives one line per decision and problem.
	log *slog.Logger
}

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	if c.poll <= 0 {
		c.poll = defaultPoll
	}
	if c.callTimeout <= 0 {
		c.callTimeout = defaultCallTimeout
	}
	c.clock = clock.Or(c.clock)
	c.log = log.Or(c.log)
	return c
}
