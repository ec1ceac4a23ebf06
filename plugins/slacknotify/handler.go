package slacknotify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/retry"
)

// handler is the slack-notify handler.
type handler struct {
	cfg     config
	alertOn map[listener.State]bool

	mu        sync.Mutex // Serve calls one at a time; tests may not
	incidents map[string]*incident
}

// newHandler returns the handler for cfg.
func newHandler(cfg config) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &handler{cfg: cfg, alertOn: map[listener.State]bool{}, incidents: map[string]*incident{}}
	for _, s := range cfg.alertOn {
		n.alertOn[s] = true
	}
	return n, nil
}

// budget is the longest HandleEvent works on one event: the details
// timeout plus the retry budget. The command gives listener.WithTimeout a
// little more, as a backstop.
func (n *handler) budget() time.Duration {
	return n.cfg.detailsTimeout + n.cfg.retry.MaxElapsed
}

// Shutdown returns at once: every post is made, or given up, within
// HandleEvent.
func (n *handler) Shutdown(ctx context.Context) error { return nil }

// HandleEvent reports PROCESS_STATE events and closes windows on TICK
// events; it acknowledges every other event.
func (n *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	// Every post the event owes shares one budget.
	ctx, cancel := context.WithTimeout(ctx, n.budget())
	defer cancel()
	switch {
	case ev.EventName.Is(listener.Tick):
		return n.tick(ctx, n.cfg.clock.Now())
	case ev.EventName.Is(listener.ProcessState):
		ps, err := ev.ProcessState()
		if err != nil {
			// supervisord will never send it differently: rejecting it
			// would only have it redelivered forever.
			n.cfg.log.Warn("ignoring malformed event", "serial", ev.Serial, "err", err)
			return nil
		}
		return n.processState(ctx, ev.Server, ps)
	}
	return nil
}

func (n *handler) isFailure(ps listener.ProcessStateEvent) bool {
	if !n.alertOn[ps.State] {
		return false
	}
	return ps.State != listener.StateExited || !ps.Expected || n.cfg.expectedExits
}

func (n *handler) processState(ctx context.Context, server string, ps listener.ProcessStateEvent) error {
	if !n.cfg.selector.Selects(ps.GroupName, ps.ProcessName) {
		return nil
	}
	now := n.cfg.clock.Now()
	switch {
	case n.isFailure(ps):
		f := failure{at: now, from: ps.FromState, to: ps.State, expected: ps.Expected, pid: ps.PID}
		if n.cfg.supervisor != nil {
			dctx, cancel := context.WithTimeout(ctx, n.cfg.detailsTimeout)
			f.details = crashinfo.Fetch(dctx, n.cfg.supervisor, ps, crashinfo.Options{TailLines: n.cfg.logLines, Logs: crashinfo.StderrOnly})
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
func (n *handler) failure(ctx context.Context, server string, ps listener.ProcessStateEvent, f failure) error {
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
	inc.windowEnd = f.at.Add(n.cfg.window)
	inc.reportedAt = f.at
	ref, err := n.post(ctx, "alert", n.scene(inc, f.at), alertMessage, msgRef{})
	if err != nil {
		return err
	}
	inc.parent = ref
	n.incidents[ns] = inc
	n.cfg.log.Info("posted alert", "process", ns, "transition", transition(f.from, f.to), "failures", inc.failures)
	return nil
}

// repeat folds a failure within the window into its incident.
func (n *handler) repeat(ctx context.Context, old *incident, f failure) error {
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
			if _, err := n.post(ctx, "escalation", n.scene(&inc, f.at), alertMessage, msgRef{}); err != nil {
				return err
			}
			inc.unreported, inc.reportedAt = 0, f.at
		}
	}
	*old = inc
	n.cfg.log.Info("repeated failure", "process", inc.process, "transition", transition(f.from, f.to), "failures", inc.failures, "escalation", escalation)
	return nil
}

// running records that a process is RUNNING, which recovers its incident.
func (n *handler) running(ctx context.Context, ps listener.ProcessStateEvent, now time.Time) error {
	ns := ps.Namespec()
	old := n.incidents[ns]
	if old == nil || old.recovered {
		return nil
	}
	inc := *old
	inc.recovered, inc.recoveredAt, inc.recoveredFrom, inc.recoveredPID = true, now, ps.FromState, ps.PID
	windowOver := !inc.inWindow(now)
	announce := !n.cfg.noRecovery && (!inc.recoveryAnnounced || windowOver)
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
		if _, err := n.post(ctx, "recovery", n.scene(&inc, now), recoveryMessage, msgRef{}); err != nil {
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
		n.cfg.log.Info("posted recovery", "process", ns, "failures", inc.failures)
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
func (n *handler) tick(ctx context.Context, now time.Time) error {
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
func (n *handler) summarize(ctx context.Context, inc *incident, now time.Time) error {
	if inc.threaded() || inc.unreported == 0 {
		return nil
	}
	if _, err := n.post(ctx, "summary", n.scene(inc, now), summaryMessage, msgRef{}); err != nil {
		return err
	}
	n.cfg.log.Info("posted summary", "process", inc.process, "failures", inc.unreported)
	inc.unreported, inc.reportedAt = 0, now
	return nil
}

func (n *handler) scene(inc *incident, now time.Time) scene {
	return scene{inc: inc, host: n.cfg.host, now: now}
}

func broadcast(render func(scene) message) func(scene) message {
	return func(s scene) message {
		m := render(s)
		m.Broadcast = true
		return m
	}
}

// updateParent edits the incident's alert to show it as it now stands. If
// the alert is gone (deleted in Slack), a new one takes its place.
func (n *handler) updateParent(ctx context.Context, inc *incident, now time.Time) error {
	u, ok := n.cfg.poster.(slackUpdater)
	if !ok {
		return nil
	}
	m := alertMessage(n.scene(inc, now))
	err := n.deliver(ctx, "update", func(ctx context.Context) error {
		return n.withTextFallback(inc.process, m, func(m message) error { return u.Update(ctx, inc.parent, m) })
	})
	if errors.Is(err, errGone) {
		n.cfg.log.Warn("alert message gone, posting a new one", "process", inc.process)
		ref, err := n.post(ctx, "alert", n.scene(inc, now), alertMessage, msgRef{})
		if err != nil {
			return err
		}
		inc.parent = ref
		return nil
	}
	return err
}

// post renders and posts a message, with retries.
func (n *handler) post(ctx context.Context, what string, s scene, render func(scene) message, parent msgRef) (msgRef, error) {
	m := render(s)
	var ref msgRef
	err := n.deliver(ctx, what, func(ctx context.Context) error {
		return n.withTextFallback(s.inc.process, m, func(m message) error {
			var err error
			ref, err = n.cfg.poster.Post(ctx, m, parent)
			if errors.Is(err, errGone) && !parent.IsZero() {
				// The thread is gone: say it in the channel.
				ref, err = n.cfg.poster.Post(ctx, m, msgRef{})
			}
			return err
		})
	})
	return ref, err
}

// withTextFallback calls send with m, and with m's plain text alone if
// Slack rejects m itself, so that a rendering problem costs the
// formatting and not the alert.
func (n *handler) withTextFallback(process string, m message, send func(message) error) error {
	err := send(m)
	if !errors.Is(err, errRejected) {
		return err
	}
	n.cfg.log.Warn("Slack rejected the message, sending its text alone", "process", process, "err", err)
	err = send(message{Text: m.Text, Broadcast: m.Broadcast})
	if errors.Is(err, errRejected) {
		// Then it is not the message but where it goes: delivered again,
		// the event would only be refused again.
		return retry.Permanent(&configError{Code: "rejected", Fix: "Slack refuses even a plain-text message here: check the channel and the app's permissions", Err: err})
	}
	return err
}

// deliver runs op under the retry policy and reports a configuration
// error to OnConfigError.
func (n *handler) deliver(ctx context.Context, what string, op func(context.Context) error) error {
	p := n.cfg.retry
	p.OnRetry = func(attempt int, err error, wait time.Duration) {
		n.cfg.log.Warn("Slack post failed, retrying", "what", what, "attempt", attempt, "wait", wait, "err", err)
		if n.cfg.retry.OnRetry != nil {
			n.cfg.retry.OnRetry(attempt, err, wait)
		}
	}
	err := retry.Do(ctx, p, op)
	if err == nil {
		return nil
	}
	var ce *configError
	if errors.As(err, &ce) && n.cfg.onConfigError != nil {
		n.cfg.onConfigError(ce)
	}
	if !errors.Is(err, errGone) {
		n.cfg.log.Error("Slack post failed; the event is rejected so that supervisord delivers it again", "what", what, "err", err)
	}
	return fmt.Errorf("posting %s to Slack: %w", what, err)
}
