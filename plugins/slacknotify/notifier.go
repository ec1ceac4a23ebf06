// Package slacknotify is the slack-notify listener: it posts supervisord
// process failures to Slack as Block Kit messages, and keeps the channel
// readable while a process fails again and again.
//
// The Notifier is a listener.Handler for PROCESS_STATE and TICK events.
// The first alerting transition of a process (by default an unexpected
// EXITED, BACKOFF or FATAL) opens an incident and posts an alert. For the
// next Window, further failures of that process do not post again: with a
// bot token the alert is edited in place to show the count, with an
// incoming webhook (which cannot edit) they are counted and reported in
// one summary when the window closes. An escalation to FATAL is always
// posted at once, and so is the first return to RUNNING, as a recovery.
//
// An event is acknowledged only once what it owes Slack has been posted.
// A post is retried with backoff, honouring Slack's Retry-After, for a
// bounded time; after that the event is rejected and supervisord delivers
// it again.
package slacknotify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/retry"
)

// DefaultAlertOn are the states that alert unless configured otherwise.
// EXITED alerts only when the exit was unexpected (see
// Config.ExpectedExits).
var DefaultAlertOn = []listener.State{listener.StateExited, listener.StateBackoff, listener.StateFatal}

// Defaults for the zero fields of a Config.
const (
	DefaultRetryFor       = 30 * time.Second
	DefaultDetailsTimeout = 5 * time.Second
)

// Config says what the Notifier reports and where.
type Config struct {
	// Poster delivers the messages. An Updater (a bot token) gets its
	// alerts edited and threaded; a plain Poster (a webhook) gets
	// summaries instead.
	Poster Poster

	// Select chooses the processes to report on; nil selects every
	// process. Exclude removes processes from the selection.
	Select, Exclude *listener.Matcher
	// SelfGroup and SelfName name the listener's own process, which is
	// never reported on (supervisord sets SUPERVISOR_GROUP_NAME and
	// SUPERVISOR_PROCESS_NAME).
	SelfGroup, SelfName string

	// AlertOn lists the states whose entry is a failure; nil means
	// DefaultAlertOn. RUNNING cannot be one: it is the recovery.
	AlertOn []listener.State
	// ExpectedExits makes an EXITED with an expected exit code alert too.
	ExpectedExits bool
	// NoRecovery turns off recovery messages. A bot's alert is still
	// edited to show that the process recovered, which notifies nobody.
	NoRecovery bool
	// Window is how long after an alert further failures of the same
	// process are folded into it. Zero posts every failure.
	Window time.Duration

	// Host names the machine in messages.
	Host string
	// Supervisor is where details (exit status, run time, log lines) come
	// from, *rpc.Client in production; nil leaves them out.
	Supervisor crashinfo.Source
	// LogLines is how many of the process's last stderr lines a failure
	// message shows; 0 shows none.
	LogLines int
	// DetailsTimeout bounds the XML-RPC calls for details
	// (DefaultDetailsTimeout if zero).
	DetailsTimeout time.Duration

	// Retry is the policy for each post. Its MaxElapsed also bounds all
	// the posts one event needs together; DefaultRetryFor if zero.
	Retry retry.Policy

	// Log receives one line per message posted or failure to post; nil
	// discards them.
	Log io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnConfigError, if set, is called when Slack refuses the
	// configuration (see ConfigError): the command stops the listener.
	OnConfigError func(*ConfigError)
}

// A Notifier is the slack-notify handler. Create it with New.
type Notifier struct {
	cfg     Config
	alertOn map[listener.State]bool
	log     *slog.Logger

	mu        sync.Mutex // Serve calls one at a time; tests may not
	incidents map[string]*incident
}

// ErrBadConfig is wrapped by the errors New returns.
var ErrBadConfig = errors.New("bad slack-notify configuration")

// New returns a Notifier for cfg.
func New(cfg Config) (*Notifier, error) {
	if cfg.Poster == nil {
		return nil, fmt.Errorf("%w: no Poster", ErrBadConfig)
	}
	if cfg.AlertOn == nil {
		cfg.AlertOn = DefaultAlertOn
	}
	if cfg.Window < 0 || cfg.LogLines < 0 {
		return nil, fmt.Errorf("%w: negative window or log lines", ErrBadConfig)
	}
	if cfg.DetailsTimeout <= 0 {
		cfg.DetailsTimeout = DefaultDetailsTimeout
	}
	if cfg.Retry.MaxElapsed <= 0 && cfg.Retry.MaxAttempts <= 0 {
		cfg.Retry.MaxElapsed = DefaultRetryFor
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	n := &Notifier{cfg: cfg, alertOn: map[listener.State]bool{}, incidents: map[string]*incident{}}
	for _, s := range cfg.AlertOn {
		if s == listener.StateRunning {
			return nil, fmt.Errorf("%w: RUNNING cannot alert, it is the recovery", ErrBadConfig)
		}
		n.alertOn[s] = true
	}
	w := cfg.Log
	if w == nil {
		w = io.Discard
	}
	n.log = slog.New(slog.NewTextHandler(w, nil))
	return n, nil
}

// Budget is the longest HandleEvent works on one event: the details
// timeout plus the retry budget. The command gives listener.WithTimeout a
// little more, as a backstop.
func (n *Notifier) Budget() time.Duration {
	return n.cfg.DetailsTimeout + n.cfg.Retry.MaxElapsed
}

// HandleEvent reports PROCESS_STATE events and closes windows on TICK
// events; it acknowledges every other event.
func (n *Notifier) HandleEvent(ctx context.Context, ev listener.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	// Every post the event owes shares one budget.
	ctx, cancel := context.WithTimeout(ctx, n.Budget())
	defer cancel()
	switch {
	case ev.EventName.Is(listener.Tick):
		return n.tick(ctx, n.cfg.Now())
	case ev.EventName.Is(listener.ProcessState):
		ps, err := ev.ProcessState()
		if err != nil {
			// supervisord will never send it differently: rejecting it
			// would only have it redelivered forever.
			n.log.Warn("ignoring malformed event", "serial", ev.Serial, "err", err)
			return nil
		}
		return n.processState(ctx, ev.Server, ps)
	}
	return nil
}

// Selected reports whether the process name of group is reported on.
func (n *Notifier) Selected(group, name string) bool {
	if group == n.cfg.SelfGroup && name == n.cfg.SelfName {
		return false
	}
	if n.cfg.Select != nil && !n.cfg.Select.Match(group, name) {
		return false
	}
	return n.cfg.Exclude == nil || !n.cfg.Exclude.Match(group, name)
}

func (n *Notifier) isFailure(ps listener.ProcessStateEvent) bool {
	if !n.alertOn[ps.State] {
		return false
	}
	return ps.State != listener.StateExited || !ps.Expected || n.cfg.ExpectedExits
}

func (n *Notifier) processState(ctx context.Context, server string, ps listener.ProcessStateEvent) error {
	if !n.Selected(ps.GroupName, ps.ProcessName) {
		return nil
	}
	now := n.cfg.Now()
	switch {
	case n.isFailure(ps):
		f := failure{at: now, from: ps.FromState, to: ps.State, expected: ps.Expected, pid: ps.PID}
		if n.cfg.Supervisor != nil {
			dctx, cancel := context.WithTimeout(ctx, n.cfg.DetailsTimeout)
			f.details = crashinfo.Fetch(dctx, n.cfg.Supervisor, ps, crashinfo.Options{TailLines: n.cfg.LogLines, Logs: crashinfo.StderrOnly})
			cancel()
		}
		return n.failure(ctx, server, ps, f)
	case ps.State == listener.StateRunning:
		return n.running(ctx, ps, now)
	}
	return nil
}

// failure records f. Every change to an incident is made on a copy and
// stored only once Slack has taken what it owes, so that a rejected event,
// delivered again, does the same work again and no more.
func (n *Notifier) failure(ctx context.Context, server string, ps listener.ProcessStateEvent, f failure) error {
	ns := ps.Namespec()
	old := n.incidents[ns]
	if old != nil && old.inWindow(f.at) {
		return n.repeat(ctx, old, f)
	}
	inc := &incident{process: ns, group: ps.GroupName, name: ps.ProcessName, server: server, since: f.at}
	switch {
	case old != nil && old.recovered:
		// The window closed without a tick to summarise it.
		if err := n.summarize(ctx, old, f.at); err != nil {
			return err
		}
	case old != nil:
		// Still failing from an earlier window: one incident, and a
		// fresh alert whose count includes what came before.
		inc.since, inc.failures = old.since, old.failures
	}
	inc.failures++
	inc.last = f
	inc.windowEnd = f.at.Add(n.cfg.Window)
	inc.reportedAt = f.at
	ref, err := n.post(ctx, "alert", n.scene(inc, f.at), alertMessage, Ref{})
	if err != nil {
		return err
	}
	inc.parent = ref
	n.incidents[ns] = inc
	n.log.Info("posted alert", "process", ns, "transition", transition(f.from, f.to), "failures", inc.failures)
	return nil
}

// repeat folds a failure within the window into its incident.
func (n *Notifier) repeat(ctx context.Context, old *incident, f failure) error {
	inc := *old
	inc.failures++
	inc.last = f
	inc.recovered = false
	// FATAL means supervisord gave up: worth telling at once.
	escalation := f.to == listener.StateFatal && old.last.to != listener.StateFatal
	if inc.threaded() {
		if err := n.updateParent(ctx, &inc, f.at); err != nil {
			return err
		}
		if escalation {
			if _, err := n.post(ctx, "escalation", n.scene(&inc, f.at), broadcast(alertMessage), inc.parent); err != nil {
				return err
			}
		}
		inc.reportedAt = f.at
	} else {
		inc.unreported++
		if escalation {
			if _, err := n.post(ctx, "escalation", n.scene(&inc, f.at), alertMessage, Ref{}); err != nil {
				return err
			}
			inc.unreported, inc.reportedAt = 0, f.at
		}
	}
	*old = inc
	n.log.Info("repeated failure", "process", inc.process, "transition", transition(f.from, f.to), "failures", inc.failures, "escalation", escalation)
	return nil
}

// running records that a process is RUNNING, which recovers its incident.
func (n *Notifier) running(ctx context.Context, ps listener.ProcessStateEvent, now time.Time) error {
	ns := ps.Namespec()
	old := n.incidents[ns]
	if old == nil || old.recovered {
		return nil
	}
	inc := *old
	inc.recovered, inc.recoveredAt, inc.recoveredFrom, inc.recoveredPID = true, now, ps.FromState, ps.PID
	windowOver := !inc.inWindow(now)
	announce := !n.cfg.NoRecovery && (!inc.recoveryAnnounced || windowOver)
	if inc.threaded() {
		if err := n.updateParent(ctx, &inc, now); err != nil {
			return err
		}
		if announce {
			if _, err := n.post(ctx, "recovery", n.scene(&inc, now), recoveryMessage, inc.parent); err != nil {
				return err
			}
		}
	} else if announce {
		// The recovery counts every failure, those not yet reported too.
		if _, err := n.post(ctx, "recovery", n.scene(&inc, now), recoveryMessage, Ref{}); err != nil {
			return err
		}
		inc.unreported, inc.reportedAt = 0, now
	} else if windowOver {
		if err := n.summarize(ctx, &inc, now); err != nil {
			return err
		}
	}
	if announce {
		inc.recoveryAnnounced = true
		n.log.Info("posted recovery", "process", ns, "failures", inc.failures)
	}
	if windowOver {
		delete(n.incidents, ns)
	} else {
		*old = inc
	}
	return nil
}

// tick closes the windows that have ended: a webhook's uncounted failures
// are summarised, and recovered incidents are forgotten.
func (n *Notifier) tick(ctx context.Context, now time.Time) error {
	names := make([]string, 0, len(n.incidents))
	for ns := range n.incidents {
		names = append(names, ns)
	}
	slices.Sort(names)
	for _, ns := range names {
		inc := n.incidents[ns]
		if inc.inWindow(now) {
			continue
		}
		if err := n.summarize(ctx, inc, now); err != nil {
			// The summaries already posted stay done; the rejected tick,
			// delivered again, posts the rest.
			return err
		}
		if inc.recovered {
			delete(n.incidents, ns)
		}
	}
	return nil
}

// summarize posts, for a webhook, the failures of inc that no message
// has counted yet.
func (n *Notifier) summarize(ctx context.Context, inc *incident, now time.Time) error {
	if inc.threaded() || inc.unreported == 0 {
		return nil
	}
	if _, err := n.post(ctx, "summary", n.scene(inc, now), summaryMessage, Ref{}); err != nil {
		return err
	}
	n.log.Info("posted summary", "process", inc.process, "failures", inc.unreported)
	inc.unreported, inc.reportedAt = 0, now
	return nil
}

func (n *Notifier) scene(inc *incident, now time.Time) scene {
	return scene{inc: inc, host: n.cfg.Host, now: now}
}

func broadcast(render func(scene) Message) func(scene) Message {
	return func(s scene) Message {
		m := render(s)
		m.Broadcast = true
		return m
	}
}

// updateParent edits the incident's alert to show it as it now stands. If
// the alert is gone (deleted in Slack), a new one takes its place.
func (n *Notifier) updateParent(ctx context.Context, inc *incident, now time.Time) error {
	u, ok := n.cfg.Poster.(Updater)
	if !ok {
		return nil
	}
	m := alertMessage(n.scene(inc, now))
	err := n.deliver(ctx, "update", func(ctx context.Context) error {
		return n.withTextFallback(inc.process, m, func(m Message) error { return u.Update(ctx, inc.parent, m) })
	})
	if errors.Is(err, ErrGone) {
		n.log.Warn("alert message gone, posting a new one", "process", inc.process)
		ref, err := n.post(ctx, "alert", n.scene(inc, now), alertMessage, Ref{})
		if err != nil {
			return err
		}
		inc.parent = ref
		return nil
	}
	return err
}

// post renders and posts a message, with retries.
func (n *Notifier) post(ctx context.Context, what string, s scene, render func(scene) Message, parent Ref) (Ref, error) {
	m := render(s)
	var ref Ref
	err := n.deliver(ctx, what, func(ctx context.Context) error {
		return n.withTextFallback(s.inc.process, m, func(m Message) error {
			var err error
			ref, err = n.cfg.Poster.Post(ctx, m, parent)
			if errors.Is(err, ErrGone) && !parent.IsZero() {
				// The thread is gone: say it in the channel.
				ref, err = n.cfg.Poster.Post(ctx, m, Ref{})
			}
			return err
		})
	})
	return ref, err
}

// withTextFallback calls send with m, and with m's plain text alone if
// Slack rejects m itself, so that a rendering problem costs the
// formatting and not the alert.
func (n *Notifier) withTextFallback(process string, m Message, send func(Message) error) error {
	err := send(m)
	if !errors.Is(err, ErrRejected) {
		return err
	}
	n.log.Warn("Slack rejected the message, sending its text alone", "process", process, "err", err)
	err = send(Message{Text: m.Text, Broadcast: m.Broadcast})
	if errors.Is(err, ErrRejected) {
		// Then it is not the message but where it goes: delivered again,
		// the event would only be refused again.
		return retry.Permanent(&ConfigError{Code: "rejected", Fix: "Slack refuses even a plain-text message here: check the channel and the app's permissions", Err: err})
	}
	return err
}

// deliver runs op under the retry policy and reports a configuration
// error to OnConfigError.
func (n *Notifier) deliver(ctx context.Context, what string, op func(context.Context) error) error {
	p := n.cfg.Retry
	p.OnRetry = func(attempt int, err error, wait time.Duration) {
		n.log.Warn("Slack post failed, retrying", "what", what, "attempt", attempt, "wait", wait, "err", err)
		if n.cfg.Retry.OnRetry != nil {
			n.cfg.Retry.OnRetry(attempt, err, wait)
		}
	}
	err := retry.Do(ctx, p, op)
	if err == nil {
		return nil
	}
	var ce *ConfigError
	if errors.As(err, &ce) && n.cfg.OnConfigError != nil {
		n.cfg.OnConfigError(ce)
	}
	if !errors.Is(err, ErrGone) {
		n.log.Error("Slack post failed; the event is rejected so that supervisord delivers it again", "what", what, "err", err)
	}
	return fmt.Errorf("posting %s to Slack: %w", what, err)
}
