// Package memmon is the memmon listener: on every TICK it measures the
// memory of the processes supervisord runs, from /proc, and restarts those
// above their limit, as superlance's memmon does, without superlance's bugs:
// group:name limits work (superlance #79), numprocs programs can be targeted
// (#116), a process is restarted at most once per tick, restarts do not
// hold up the event loop (#41, #55), and a failed restart is reported
// rather than fatal.
package memmon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/plugins/internal/retry"
)

// NoUptimeLimit as Config.Uptime mails every restart, as superlance does
// without -u.
const NoUptimeLimit = time.Duration(math.MaxInt64)

// Supervisor is what memmon needs from supervisord; *rpc.Client provides it.
type Supervisor interface {
	GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error)
	restart.Controller
}

// Config configures a Monitor.
type Config struct {
	// Programs are the -p limits, Groups the -g limits, in the order
	// given; Any is the -a limit, nil if none. A process covered by several
	// is restarted when it is above any of them.
	Programs []Limit
	Groups   []Limit
	Any      *uint64
	// Cumulative counts each process together with all its descendants.
	Cumulative bool
	// Metric is what memory counts: procmem.RSS (superlance's), PSS or USS.
	Metric procmem.Metric

	// Email is the recipient of memmon's mail; "" sends none.
	Email string
	// Mailer delivers the mail; required with Email.
	Mailer mail.Sender
	// MailRetry bounds each mail's delivery; mail.DefaultRetryPolicy() if
	// zero.
	MailRetry retry.Policy
	// Uptime: mail about a successful restart only when the process had
	// been up at most this long. Failures are always mailed.
	// NoUptimeLimit mails every restart.
	Uptime time.Duration
	// Name tags the mail subjects: "memmon [Name]: ...".
	Name string

	// Restart configures restarts: flap control and timeouts.
	Restart restart.Config

	// SelfGroup and SelfName identify memmon's own process
	// (SUPERVISOR_GROUP_NAME and SUPERVISOR_PROCESS_NAME), which it never
	// restarts: stopping itself would leave nobody to start it again.
	SelfGroup, SelfName string

	// Supervisor is the XML-RPC client.
	Supervisor Supervisor
	// ProcFS is where the proc filesystem is mounted; "" means /proc.
	ProcFS string
	// Log receives memmon's report lines; os.Stderr if nil.
	Log io.Writer
	// Now is the clock of mail dates; time.Now if nil.
	Now func() time.Time
}

// A Monitor is the memmon listener.Handler.
type Monitor struct {
	cfg       Config
	log       *log.Logger
	rules     []*rule
	checking  []string
	reader    *procmem.Reader
	restarter *restart.Restarter
	streaks   *restart.Streaks
	selfNoted bool
}

// New returns a Monitor for cfg. It fails for a configuration without any
// limit, or when the proc filesystem cannot be read.
func New(cfg Config) (*Monitor, error) {
	if cfg.Supervisor == nil {
		return nil, errors.New("memmon: Config.Supervisor is nil")
	}
	if len(cfg.Programs) == 0 && len(cfg.Groups) == 0 && cfg.Any == nil {
		return nil, errors.New("nothing to watch: give -p/--program NAME=SIZE, -g/--group GROUP=SIZE or -a/--any SIZE")
	}
	if cfg.Email != "" && cfg.Mailer == nil {
		return nil, errors.New("memmon: Config.Mailer is nil but Email is set")
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MailRetry.MaxElapsed == 0 && cfg.MailRetry.MaxAttempts == 0 {
		cfg.MailRetry = mail.DefaultRetryPolicy()
	}
	if cfg.Restart.Consecutive == 0 {
		cfg.Restart.Consecutive = 1 // the zero Policy acts as superlance does
	}
	if err := cfg.Restart.Policy.Validate(); err != nil {
		return nil, err
	}
	m := &Monitor{cfg: cfg, log: log.New(cfg.Log, "", 0)}
	add := func(flag string, l Limit) error {
		r, err := newRule(flag, l)
		if err == nil {
			m.rules = append(m.rules, r)
		}
		return err
	}
	for _, l := range cfg.Programs {
		if err := add("-p", l); err != nil {
			return nil, err
		}
	}
	for _, l := range cfg.Groups {
		if err := add("-g", l); err != nil {
			return nil, err
		}
	}
	if cfg.Any != nil {
		if err := add("-a", Limit{Bytes: *cfg.Any}); err != nil {
			return nil, err
		}
	}
	for _, line := range []string{checkingLine("programs", cfg.Programs), checkingLine("groups", cfg.Groups)} {
		if line != "" {
			m.checking = append(m.checking, line)
		}
	}
	if cfg.Any != nil {
		m.checking = append(m.checking, fmt.Sprintf("Checking any=%d", *cfg.Any))
	}
	r, err := procmem.NewReader(cfg.ProcFS)
	if err != nil {
		return nil, err
	}
	m.reader = r
	m.restarter = restart.New(cfg.Supervisor, cfg.Restart)
	m.streaks = restart.NewStreaks(cfg.Restart.Consecutive)
	return m, nil
}

// HandleEvent checks every process on a TICK event and acknowledges every
// other event untouched. It always acknowledges: a tick whose check could
// not be done (supervisord shutting down or unreachable) is not worth
// redelivering, since the next tick checks afresh.
func (m *Monitor) HandleEvent(ctx context.Context, ev listener.Event) error {
	if !ev.EventName.Is(listener.Tick) {
		return nil
	}
	m.check(ctx)
	return nil
}

// Shutdown waits for the restarts and mail under way, until ctx ends, and
// releases the /proc files the Monitor keeps open.
func (m *Monitor) Shutdown(ctx context.Context) error {
	err := m.restarter.Shutdown(ctx)
	m.reader.Close()
	return err
}

// check is one tick's work.
func (m *Monitor) check(ctx context.Context) {
	for _, line := range m.checking {
		m.log.Print(line)
	}
	infos, err := m.cfg.Supervisor.GetAllProcessInfo(ctx)
	if err != nil {
		m.log.Printf("Cannot get the process list from supervisord, checking again at the next tick: %v", err)
		return
	}
	snap, err := m.reader.Snapshot(m.cfg.Cumulative)
	if err != nil {
		m.log.Printf("Cannot read process memory, checking again at the next tick: %v", err)
		return
	}
	for _, r := range m.rules {
		r.matched = false
	}
	present := make(map[string]bool, len(infos))
	for _, info := range infos {
		present[info.Namespec()] = true
		m.checkProcess(snap, info)
	}
	m.streaks.Retain(func(name string) bool { return present[name] })
	for _, r := range m.rules {
		switch {
		case r.matched:
			r.reported = false
		case !r.reported && r.flag != "-a":
			r.reported = true
			m.log.Printf("No process matches %s; check the name with supervisorctl status", r)
		}
	}
}

// checkProcess applies the rules to one process.
func (m *Monitor) checkProcess(snap *procmem.Snapshot, info rpc.ProcessInfo) {
	pname := info.Group + ":" + info.Name // superlance names processes so in its lines and mail
	name := info.Namespec()
	var applies []*rule
	for _, r := range m.rules {
		if r.match.Match(info.Group, info.Name) {
			r.matched = true
			applies = append(applies, r)
		}
	}
	switch {
	case len(applies) == 0:
		return
	case info.Group == m.cfg.SelfGroup && info.Name == m.cfg.SelfName:
		if !m.selfNoted {
			m.selfNoted = true
			m.log.Printf("Not watching %s: it is memmon itself, and a memmon that stops itself cannot start itself again", pname)
		}
		return
	case info.PID == 0 || info.State != listener.StateRunning || m.restarter.InFlight(name):
		// Nothing to measure, or a restart is already under way.
		m.streaks.Pass(name)
		return
	}
	used, err := snap.Usage(info.PID, m.cfg.Metric, m.cfg.Cumulative)
	if errors.Is(err, procmem.ErrNoProcess) {
		return // exited since supervisord listed it
	}
	if err != nil {
		m.log.Printf("Cannot read the memory of %s: %v", pname, err)
		return
	}
	m.log.Printf("%v of %s is %d", m.cfg.Metric, pname, used)
	var over *rule
	for _, r := range applies {
		if used > r.limit.Bytes {
			over = r
			break
		}
	}
	if over == nil {
		m.streaks.Pass(name)
		return
	}
	if n, due := m.streaks.Fail(name); !due {
		m.log.Printf("%v of %s is above %s (%d of %d ticks in a row before a restart)", m.cfg.Metric, pname, over, n, m.streaks.Need())
		return
	}
	m.restart(info, pname, used, over)
}

// restart hands a process over to the restarter.
func (m *Monitor) restart(info rpc.ProcessInfo, pname string, used uint64, over *rule) {
	name := info.Namespec()
	uptime := info.Uptime()
	err := m.restarter.Restart(restart.Request{
		Name: name,
		Done: func(ctx context.Context, out restart.Outcome) { m.finished(ctx, pname, used, uptime, out) },
	})
	var budget *restart.BudgetError
	switch {
	case err == nil:
		m.streaks.Pass(name)
		m.log.Printf("Restarting %s", pname)
	case errors.As(err, &budget):
		line := fmt.Sprintf("Not restarting %s (%v %d, above %s): %v", pname, m.cfg.Metric, used, over, budget)
		m.log.Print(line)
		if budget.First {
			m.mailInBackground(fmt.Sprintf("process %s not restarted, restart budget spent", pname), line)
		}
	case errors.Is(err, restart.ErrClosed):
	default:
		m.log.Printf("Not restarting %s: %v", pname, err)
	}
}

// finished reports a restart's outcome, in the background.
func (m *Monitor) finished(ctx context.Context, pname string, used uint64, uptime time.Duration, out restart.Outcome) {
	switch {
	case out.StopErr != nil:
		line := fmt.Sprintf("Failed to stop process %s (%v %d): %s", pname, m.cfg.Metric, used, restart.Describe(out.StopErr))
		m.log.Print(line)
		m.mail(ctx, "failed to stop process "+pname, line)
	case out.StartErr != nil:
		line := fmt.Sprintf("Failed to start process %s after stopping it: %s", pname, restart.Describe(out.StartErr))
		m.log.Print(line)
		m.mail(ctx, "failed to start process "+pname, line)
	default:
		m.log.Printf("%s restarted", pname)
		if uptime <= m.cfg.Uptime {
			m.mail(ctx, "process "+pname+" restarted", fmt.Sprintf(
				"memmon.py restarted the process named %s at %s because it was consuming too much memory (%d bytes %v)",
				pname, out.Ended.Format("Mon Jan _2 15:04:05 2006 MST"), used, m.cfg.Metric))
		}
	}
}

// subject formats a mail subject as superlance does: "memmon: <s>", or
// "memmon [<name>]: <s>" with -n.
func (m *Monitor) subject(s string) string {
	if m.cfg.Name != "" {
		return "memmon [" + m.cfg.Name + "]: " + s
	}
	return "memmon: " + s
}

// mailInBackground sends a mail without holding up the event loop.
func (m *Monitor) mailInBackground(subject, body string) {
	if m.cfg.Email == "" {
		return
	}
	m.restarter.Go(func(ctx context.Context) { m.mail(ctx, subject, body) })
}

// mail sends one mail, if there is a recipient, and logs a failure.
func (m *Monitor) mail(ctx context.Context, subject, body string) {
	if m.cfg.Email == "" {
		return
	}
	msg := mail.Message{To: []string{m.cfg.Email}, Subject: m.subject(subject), Body: body, Date: m.cfg.Now()}
	if err := mail.Deliver(ctx, m.cfg.Mailer, msg, m.cfg.MailRetry); err != nil {
		m.log.Printf("Failed to mail %q to %s: %v", msg.Subject, m.cfg.Email, err)
	}
}
