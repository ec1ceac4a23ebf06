package memmon

import (
	"errors"
	"log/slog"
	"math"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// noUptimeLimit as config.uptime mails every restart, as superlance does
// without -u.
const noUptimeLimit = time.Duration(math.MaxInt64)

// errNothingToWatch is a command line without any argument, which
// superlance's memmon also refuses (with its usage). Flags without a limit
// make an idle memmon instead, as superlance's runs: see idleLine.
var errNothingToWatch = errors.New("nothing to watch: give -p/--program NAME=SIZE, -g/--group GROUP=SIZE or -a/--any SIZE")

// config is every setting of memmon.
type config struct {
	// programs are the -p limits, groups the -g limits, in the order
	// given; any is the -a limit, nil if none. A process covered by
	// several is restarted when it is above any of them.
	programs []limit
	groups   []limit
	any      *uint64
	// cumulative counts each process together with all its descendants.
	cumulative bool
	// metric is what memory counts: procmem.RSS (superlance's), PSS or USS.
	metric procmem.Metric

	// runtimes are the --max-runtime limits: a RUNNING process one covers
	// is restarted (or, with runtimeAction actStop, stopped) once it has
	// been up longer than its limit plus its share of runtimeJitter
	// (spread), except while the time of day is in notDuring.
	runtimes      []runtimeLimit
	runtimeAction runtimeAction
	// runtimeJitter is the most a process's run-time limit is lengthened
	// by; negative means a tenth of each limit.
	runtimeJitter time.Duration
	notDuring     *dailyWindow

	// mail says how and to whom memmon mails; nil sends none.
	mail *mailcli.Delivery
	// mailRetry bounds a mail's delivery without an outbox;
	// mail.DefaultRetryPolicy() if zero.
	mailRetry retry.Policy
	// outbox says where mail waits for delivery (Dir, MaxItems, MaxAge).
	outbox outbox.Config
	// uptime: mail about a successful restart only when the process had
	// been up at most this long. Failures are always mailed.
	// noUptimeLimit (the default) mails every restart.
	uptime time.Duration
	// name tags the mail subjects: "memmon [name]: ...".
	name string

	// restart configures restarts: flap control and timeouts.
	restart restart.Config

	// self is memmon's own process, which it never restarts: stopping
	// itself would leave nobody to start it again.
	self selection.Self
	// procFS is where the proc filesystem is mounted; "" means /proc.
	procFS string
	// supervisorPID is supervisord's pid, for a handler that is not its
	// child (a benchmark); 0 means asking supervisord (proctable.Config).
	supervisorPID int
	// clock dates the mail; nil means the real clock.
	clock clock.Clock
	// log receives memmon's report lines.
	log *slog.Logger
}

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	if c.metric == 0 {
		c.metric = procmem.RSS
	}
	if c.uptime == 0 {
		c.uptime = noUptimeLimit
	}
	c.mailRetry = mail.BoundedRetry(c.mailRetry)
	c.clock = clock.Or(c.clock)
	c.restart = c.restart.WithDefaults(c.clock)
	c.log = log.Or(c.log)
	return c
}

// validate reports a configuration memmon cannot work with. One without
// any limit is valid: memmon then answers every event and checks nothing.
func (c config) validate() error {
	if len(c.runtimes) == 0 && (c.notDuring != nil || c.runtimeAction != actRestart || c.runtimeJitter > 0) {
		return errors.New("--max-runtime-action, --max-runtime-jitter and --max-runtime-not-during apply to --max-runtime limits: give --max-runtime NAME=SECS too")
	}
	return c.restart.Policy.Validate()
}

// idle reports a configuration without any limit.
func (c config) idle() bool {
	return len(c.programs) == 0 && len(c.groups) == 0 && c.any == nil && len(c.runtimes) == 0
}

// jitterFor returns the jitter of a run-time limit max.
func (c config) jitterFor(max time.Duration) time.Duration {
	if c.runtimeJitter < 0 {
		return max / 10
	}
	return c.runtimeJitter
}

// idleLine is the one line an idle memmon says when it starts.
const idleLine = "memmon: nothing selected: no -p, -g, -a or --max-runtime limit was given, so every tick is answered without a check; add -p NAME=SIZE, -g GROUP=SIZE, -a SIZE or --max-runtime NAME=SECS to watch processes"
