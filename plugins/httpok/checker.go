// Package httpok is the httpok listener: on every TICK it GETs a URL and,
// when the answer is not healthy, restarts the processes it watches, as
// superlance's httpok does. Unlike superlance it verifies https
// certificates (and works on current Pythons' successors: superlance's
// https is broken on Python 3.12+ and restarts the processes every tick),
// reads -b bodies without crashing, honours -E with group:name and -a, and
// restarts in the background with flap control.
package httpok

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/plugins/internal/retry"
)

// DefaultGcore is superlance's gcore command.
const DefaultGcore = "/usr/bin/gcore -o"

// Supervisor is what httpok needs from supervisord; *rpc.Client provides it.
type Supervisor interface {
	GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error)
	restart.Controller
}

// Config configures a Checker.
type Config struct {
	// URL is the http or https URL to GET (see ParseURL).
	URL string
	// Programs are the processes to restart (-p), as listener.Matcher
	// reads them: "name", "group:name", "group:*". Any restarts every
	// process but httpok itself (-a).
	Programs []string
	Any      bool
	// Timeout bounds each check, retries of a refused connection
	// included; DefaultTimeout if zero.
	Timeout time.Duration
	// Codes are the healthy statuses; [200] if empty.
	Codes []int
	// Body, if not empty, must appear in the response body.
	Body string
	// NotEager checks the URL only while a watched process is RUNNING
	// (-E); by default it is always checked (-e).
	NotEager bool
	// Insecure skips the verification of https certificates.
	Insecure bool
	// RootCAs, if set, replaces the system's certificate authorities.
	RootCAs *x509.CertPool
	// RetryInterval is the wait before trying a refused connection again;
	// DefaultRetryInterval if zero.
	RetryInterval time.Duration

	// Gcore is the command that dumps a process's core before a restart,
	// run as `<Gcore> "<CoreDir>/<name>" <pid>`; DefaultGcore if empty.
	// Cores are dumped only when CoreDir is set.
	Gcore   string
	CoreDir string

	// Email is the recipient of a report of each restart; "" sends none.
	Email string
	// Mailer delivers it; required with Email.
	Mailer mail.Sender
	// MailRetry bounds each mail's delivery; mail.DefaultRetryPolicy() if
	// zero.
	MailRetry retry.Policy
	// Name tags the mail subjects: "httpok [Name]: ...".
	Name string

	// Restart configures restarts: flap control and timeouts.
	Restart restart.Config

	// SelfGroup and SelfName identify httpok's own process, which it never
	// restarts.
	SelfGroup, SelfName string

	// Supervisor is the XML-RPC client.
	Supervisor Supervisor
	// Log receives httpok's report lines; os.Stderr if nil.
	Log io.Writer
	// Now is the clock of mail dates; time.Now if nil.
	Now func() time.Time
}

// A Checker is the httpok listener.Handler.
type Checker struct {
	cfg       Config
	log       *log.Logger
	prober    *prober
	url       string
	match     *listener.Matcher
	restarter *restart.Restarter
	streaks   *restart.Streaks
}

// New returns a Checker for cfg.
func New(cfg Config) (*Checker, error) {
	if cfg.Supervisor == nil {
		return nil, errors.New("httpok: Config.Supervisor is nil")
	}
	u, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Email != "" && cfg.Mailer == nil {
		return nil, errors.New("httpok: Config.Mailer is nil but Email is set")
	}
	match, err := listener.NewMatcher(cfg.Programs, cfg.Any)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = DefaultRetryInterval
	}
	if len(cfg.Codes) == 0 {
		cfg.Codes = []int{200}
	}
	if cfg.Gcore == "" {
		cfg.Gcore = DefaultGcore
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
	return &Checker{
		cfg:       cfg,
		log:       log.New(cfg.Log, "", 0),
		prober:    newProber(u, cfg.Timeout, cfg.RetryInterval, cfg.Body != "", cfg.Insecure, cfg.RootCAs),
		url:       cfg.URL,
		match:     match,
		restarter: restart.New(cfg.Supervisor, cfg.Restart),
		streaks:   restart.NewStreaks(cfg.Restart.Consecutive),
	}, nil
}

// HandleEvent checks the URL on a TICK event and acknowledges every other
// event untouched. It always acknowledges: a tick whose work could not be
// done (supervisord shutting down or unreachable) is not worth
// redelivering, since the next tick checks afresh.
func (c *Checker) HandleEvent(ctx context.Context, ev listener.Event) error {
	if !ev.EventName.Is(listener.Tick) {
		return nil
	}
	c.check(ctx)
	return nil
}

// Shutdown waits for the restarts and mail under way, until ctx ends.
func (c *Checker) Shutdown(ctx context.Context) error { return c.restarter.Shutdown(ctx) }

// check is one tick's work.
func (c *Checker) check(ctx context.Context) {
	if c.cfg.NotEager {
		running, err := c.watchedRunning(ctx)
		if err != nil {
			c.log.Printf("Exception retrieving process info %v, not checking %s", err, c.url)
			return
		}
		if !running {
			return
		}
	}
	res := c.prober.check(ctx)
	var msg, subject string
	switch {
	case res.err != nil:
		msg, subject = fmt.Sprintf("error contacting %s:\n\n %v", c.url, res.err), "bad status returned"
	case !slices.Contains(c.cfg.Codes, res.code):
		msg, subject = fmt.Sprintf("status contacting %s: %s", c.url, res.status), "bad status returned"
	case c.cfg.Body != "" && !strings.Contains(res.body, c.cfg.Body):
		msg, subject = fmt.Sprintf("status contacting %s: %s", c.url, res.status), "bad body returned"
	default:
		c.streaks.Pass(c.url)
		return
	}
	n, due := c.streaks.Fail(c.url)
	if !due {
		c.log.Printf("%s (%d of %d failed checks in a row before restarting)", msg, n, c.streaks.Need())
		return
	}
	c.streaks.Pass(c.url)
	c.log.Print(msg)
	c.act(ctx, c.url+": "+subject, msg)
}

// watchedRunning reports whether a process httpok watches is RUNNING, for
// -E.
func (c *Checker) watchedRunning(ctx context.Context) (bool, error) {
	infos, err := c.cfg.Supervisor.GetAllProcessInfo(ctx)
	if err != nil {
		return false, err
	}
	for _, info := range infos {
		if info.State == listener.StateRunning && c.match.Match(info.Group, info.Name) && !c.self(info) {
			return true, nil
		}
	}
	return false, nil
}

func (c *Checker) self(info rpc.ProcessInfo) bool {
	return info.Group == c.cfg.SelfGroup && info.Name == c.cfg.SelfName
}

// act restarts the watched processes and reports, as superlance's act
// does: its lines go to stderr as they happen, and once every restart has
// finished, to the mail, after msg.
func (c *Checker) act(ctx context.Context, subject, msg string) {
	infos, err := c.cfg.Supervisor.GetAllProcessInfo(ctx)
	if err != nil {
		c.log.Printf("Exception retrieving process info %v, not acting", err)
		return
	}
	rep := &report{log: c.log, msg: msg}
	if c.cfg.Any {
		rep.add("Restarting all running processes")
	} else {
		rep.add("Restarting selected processes " + pyList(c.cfg.Programs))
	}
	used := make(map[string]bool)
	for _, info := range infos {
		if !c.match.Match(info.Group, info.Name) {
			continue
		}
		for _, spec := range c.match.MatchSpec(info.Group, info.Name) {
			used[spec] = true
		}
		c.restart(info, rep)
	}
	var missing []string
	for i, spec := range c.match.Specs() {
		if !used[spec] && !c.cfg.Any {
			missing = append(missing, c.cfg.Programs[i])
		}
	}
	if len(missing) > 0 {
		rep.add("Programs not restarted because they did not exist: " + pyList(missing))
	}
	if c.cfg.Email == "" {
		return
	}
	subject = c.subject(subject)
	err = c.restarter.Go(func(ctx context.Context) {
		body := rep.wait()
		m := mail.Message{To: []string{c.cfg.Email}, Subject: subject, Body: body, Date: c.cfg.Now()}
		if err := mail.Deliver(ctx, c.cfg.Mailer, m, c.cfg.MailRetry); err != nil {
			c.log.Printf("Failed to mail %q to %s: %v", subject, c.cfg.Email, err)
			return
		}
		c.log.Printf("Mailed:\n\nTo: %s\nSubject: %s\n\n%s", c.cfg.Email, subject, body)
	})
	if err != nil {
		c.log.Printf("Not mailing %q: %v", subject, err)
	}
}

// restart restarts one selected process, or says why not.
func (c *Checker) restart(info rpc.ProcessInfo, rep *report) {
	ns := info.Namespec()
	if c.self(info) {
		rep.add(ns + " is httpok itself, NOT restarting")
		return
	}
	if c.restarter.InFlight(ns) {
		rep.add(ns + " is already being restarted, NOT restarting")
		return
	}
	if info.State != listener.StateRunning {
		rep.add(ns + " not in RUNNING state, NOT restarting")
		return
	}
	e := rep.entry()
	// The outcome may come before Restart returns; it waits for the line
	// announcing the restart, so that lines keep superlance's order.
	scheduled := make(chan struct{})
	req := restart.Request{Name: ns, Done: func(ctx context.Context, out restart.Outcome) {
		<-scheduled
		switch {
		case out.StopErr != nil:
			e.add("Failed to stop process " + ns + ": " + restart.Describe(out.StopErr))
			if out.StartErr != nil {
				e.add("Failed to start process " + ns + ": " + restart.Describe(out.StartErr))
			}
		case out.StartErr != nil:
			e.add("Failed to start process " + ns + ": " + restart.Describe(out.StartErr))
		default:
			e.add(ns + " restarted")
		}
		e.done()
	}}
	if c.cfg.CoreDir != "" {
		req.Prepare = func(ctx context.Context) {
			out := c.gcore(ctx, ns, info.PID)
			<-scheduled
			e.prepend(out)
		}
	}
	err := c.restarter.Restart(req)
	var budget *restart.BudgetError
	switch {
	case err == nil:
		e.add(ns + " is in RUNNING state, restarting")
		close(scheduled)
		return
	case errors.Is(err, restart.ErrInFlight):
		e.add(ns + " is already being restarted, NOT restarting")
	case errors.As(err, &budget):
		e.add(ns + " not restarted: " + budget.Error())
	default:
		e.add(ns + " NOT restarting: " + err.Error())
	}
	e.done()
}

// subject formats a mail subject as superlance does: "httpok: <s>", or
// "httpok [<name>]: <s>" with -n.
func (c *Checker) subject(s string) string {
	if c.cfg.Name != "" {
		return "httpok [" + c.cfg.Name + "]: " + s
	}
	return "httpok: " + s
}

// pyList formats names as Python prints a list of strings, as superlance's
// lines show them: ['web', 'db'].
func pyList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(n, `\`, `\\`), "'", `\'`) + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// report gathers the lines of one act: logged as they come, mailed in
// superlance's order once every restart is over.
type report struct {
	log     *log.Logger
	msg     string
	mu      sync.Mutex
	head    []string
	entries []*entry
	tail    []string
	pending sync.WaitGroup
}

// entry holds the lines of one process's restart.
type entry struct {
	r       *report
	prelude []string
	lines   []string
	once    sync.Once
}

func (r *report) add(line string) {
	r.log.Print(line)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) == 0 {
		r.head = append(r.head, line)
	} else {
		r.tail = append(r.tail, line)
	}
}

func (r *report) entry() *entry {
	e := &entry{r: r}
	r.pending.Add(1)
	r.mu.Lock()
	r.entries = append(r.entries, e)
	r.mu.Unlock()
	return e
}

// wait waits until every restart has finished and returns the mail body.
func (r *report) wait() string {
	r.pending.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := append([]string{r.msg}, r.head...)
	for _, e := range r.entries {
		lines = append(lines, e.prelude...)
		lines = append(lines, e.lines...)
	}
	lines = append(lines, r.tail...)
	return strings.Join(lines, "\n")
}

func (e *entry) add(line string) {
	e.r.log.Print(line)
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	e.lines = append(e.lines, line)
}

// prepend adds a line that the mail shows before the entry's others, as
// superlance shows gcore's output before the restart.
func (e *entry) prepend(line string) {
	e.r.log.Print(line)
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	e.prelude = append(e.prelude, line)
}

func (e *entry) done() { e.once.Do(e.r.pending.Done) }
