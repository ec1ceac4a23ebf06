package slacknotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

// handler is the slack-notify handler. It keeps the incidents' state
// machine. Every message an event owes Slack is rendered at once, with the
// facts of that moment, and queued in the outbox together with the new
// state of the incidents, in one durable step; then the event is
// answered, and the outbox's sink posts the messages in the background,
// in order. Without an outbox (--outbox none, or a store that cannot be
// used) the messages are posted before the event is answered, and a post
// that keeps failing rejects the event.
type handler struct {
	cfg     config
	alertOn map[listener.State]bool
	// threaded: alerts are edited in place and replied to (a bot
	// token); otherwise (a webhook) repeats are summarised.
	threaded bool
	ob       *outbox.Outbox
	sink     *sink
	// keep is how long the place of an alert no new message names is
	// kept: until every message queued for it was delivered, or dropped
	// by the outbox's age bound.
	keep time.Duration

	mu    sync.Mutex // Serve calls one at a time; tests may not
	state *state
	// posting logs, once until it changes or recovers, that messages
	// cannot be made durable (without an outbox: posted) and events are
	// rejected for it, which supervisord then delivers again and again.
	posting *log.Recurring
}

// newHandler returns the handler for cfg, its outbox open and delivering
// what an earlier run left, its incidents those that run kept.
func newHandler(cfg config) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &handler{cfg: cfg, alertOn: map[listener.State]bool{}, threaded: threads(cfg.poster),
		posting: log.NewRecurring(cfg.log, slog.LevelError, cfg.clock)}
	for _, s := range cfg.alertOn {
		n.alertOn[s] = true
	}
	n.sink = &sink{poster: cfg.poster, target: cfg.target, host: cfg.host, log: cfg.log}
	oc := cfg.outbox
	oc.Program, oc.Log, oc.SyncRetry = "slack-notify", cfg.log, cfg.retry
	if oc.Clock == nil {
		oc.Clock = cfg.clock
	}
	oc.Sinks = map[string]outbox.Sink{sinkName: n.sink}
	n.keep = oc.MaxAge
	if n.keep <= 0 {
		n.keep = outbox.DefaultMaxAge
	}
	n.keep += time.Hour
	ob, err := outbox.Open(oc)
	if err != nil {
		return nil, err
	}
	n.ob, n.sink.ob = ob, ob
	n.state = loadState(ob, cfg.log)
	if k := len(n.state.incidents); k > 0 {
		cfg.log.Info(fmt.Sprintf("%d open incident(s) left by an earlier run, in the %s", k, ob))
	}
	ob.Start()
	return n, nil
}

// budget is the longest HandleEvent works on one event: the details
// timeout plus, without an outbox, the retry budget. The command gives
// listener.WithTimeout a little more, as a backstop.
func (n *handler) budget() time.Duration {
	return n.cfg.detailsTimeout + n.cfg.retry.MaxElapsed
}

// Stop ends the retries of a post under way without an outbox, and the
// background retries of a Slack that is failing (SIGTERM): what is not
// posted waits in the outbox for the next start.
func (n *handler) Stop() { n.ob.Stop() }

// Shutdown lets a post under way finish briefly and closes the outbox.
func (n *handler) Shutdown(ctx context.Context) error { return n.ob.Close(ctx) }

// HandleEvent reports PROCESS_STATE events and closes windows on TICK
// events; it acknowledges every other event.
func (n *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, n.budget())
	defer cancel()
	switch {
	case ev.EventName.Is(listener.Tick):
		now := n.cfg.clock.Now()
		return n.run(ctx, ev, now, func(c *change) error { return n.tick(c, now) })
	case ev.EventName.Is(listener.ProcessState):
		ps, err := ev.ProcessState()
		if err != nil {
			log.MalformedEvent(n.cfg.log, ev, err)
			return nil
		}
		if !n.cfg.selector.Selects(ps.GroupName, ps.ProcessName) {
			return nil
		}
		now := n.cfg.clock.Now()
		switch {
		case n.isFailure(ps):
			if n.state.handled(outbox.EventKey(ev)) {
				return nil // before asking supervisord anything
			}
			f := failure{At: now, From: ps.FromState, To: ps.State, Expected: ps.Expected, PID: ps.PID}
			if n.cfg.supervisor != nil {
				dctx, cancel := context.WithTimeout(ctx, n.cfg.detailsTimeout)
				f.Facts = factsOf(crashinfo.Fetch(dctx, n.cfg.supervisor, ps, crashinfo.Options{TailLines: n.cfg.logLines, Logs: crashinfo.StderrOnly}))
				cancel()
			}
			return n.run(ctx, ev, now, func(c *change) error { return n.failure(c, ev.Server, ps, f) })
		case ps.State == listener.StateRunning:
			return n.run(ctx, ev, now, func(c *change) error { return n.running(c, ps, now) })
		}
	}
	return nil
}

// run works out the change ev makes, and makes it durable with the
// messages it queues. An event that made its change already (delivered
// again after the listener was killed before answering it, or rejected
// by another pool) changes nothing.
func (n *handler) run(ctx context.Context, ev listener.Event, now time.Time, work func(*change) error) error {
	key := outbox.EventKey(ev)
	if n.state.handled(key) {
		return nil
	}
	c := newChange(n.state, key, now, n.keep)
	if err := work(c); err != nil {
		// A message that cannot be encoded never will be.
		n.cfg.log.Error(fmt.Sprintf("cannot queue the messages about an event: %v", err))
		return nil
	}
	if c.empty() {
		return nil
	}
	if err := n.ob.Update(ctx, c.write); err != nil {
		return n.failed(err)
	}
	n.posting.Recover("messages go to Slack again")
	c.apply()
	return nil
}

// failed reports a change that could not be made durable: without an
// outbox, a post that failed. When Slack refuses the configuration, or a
// message even as plain text, the event would only fail again: the
// command is told (onConfigError), so that it stops with the fix, and
// supervisord keeps the event for the next start.
func (n *handler) failed(err error) error {
	var ce *configError
	if !errors.As(err, &ce) && errors.Is(err, errRejected) {
		ce = &configError{Code: "rejected", Fix: "Slack refuses even a plain-text message here: check the channel and the app's permissions", Err: err}
		err = fmt.Errorf("%w: %w", ce, err)
	}
	if ce != nil && n.cfg.onConfigError != nil {
		n.cfg.onConfigError(ce)
	}
	n.posting.FailAs(retry.Cause(err).Error(), "Slack post failed; the event is rejected so that supervisord delivers it again", "err", err)
	return err
}

func (n *handler) isFailure(ps listener.ProcessStateEvent) bool {
	if !n.alertOn[ps.State] {
		return false
	}
	return ps.State != listener.StateExited || !ps.Expected || n.cfg.expectedExits
}

// failure records f: an alert, or a repeat within the window.
func (n *handler) failure(c *change, server string, ps listener.ProcessStateEvent, f failure) error {
	ns := ps.Namespec()
	old := c.incident(ns)
	if old != nil && old.inWindow(f.At) {
		return n.repeat(c, old, f)
	}
	inc := &incident{Process: ns, Group: ps.GroupName, Name: ps.ProcessName, Server: server, Since: f.At}
	switch {
	case old != nil && old.Recovered:
		// The window closed without a tick to summarise it.
		if err := n.summarize(c, old, f.At); err != nil {
			return err
		}
		c.retireAlert(old.Alert)
	case old != nil:
		// Still failing from an earlier window: one incident, and a
		// fresh alert whose count includes what came before.
		inc.Since, inc.Failures = old.Since, old.Failures
		c.retireAlert(old.Alert)
	}
	inc.Failures++
	inc.Last = f
	inc.WindowEnd = f.At.Add(n.cfg.window)
	inc.ReportedAt = f.At
	if n.threaded {
		inc.Alert = c.nextKey()
	}
	if err := c.queue("alert", inc, opPost, alertMessage(n.scene(inc, f.At)), f.At); err != nil {
		return err
	}
	c.put(inc)
	n.cfg.log.Info("alerting", "process", ns, "transition", transition(f.From, f.To), "failures", inc.Failures)
	return nil
}

// repeat folds a failure within the window into its incident.
func (n *handler) repeat(c *change, inc *incident, f failure) error {
	// FATAL means supervisord gave up: worth telling at once.
	escalation := f.To == listener.StateFatal && inc.Last.To != listener.StateFatal
	inc.Failures++
	inc.Last = f
	inc.Recovered = false
	if n.threaded {
		if err := c.queue("alert update", inc, opUpdate, alertMessage(n.scene(inc, f.At)), f.At); err != nil {
			return err
		}
		if escalation {
			if err := c.queue("escalation", inc, opReply, broadcast(alertMessage(n.scene(inc, f.At))), f.At); err != nil {
				return err
			}
		}
		inc.ReportedAt = f.At
	} else {
		inc.Unreported++
		if escalation {
			if err := c.queue("escalation", inc, opPost, alertMessage(n.scene(inc, f.At)), f.At); err != nil {
				return err
			}
			inc.Unreported, inc.ReportedAt = 0, f.At
		}
	}
	c.put(inc)
	n.cfg.log.Info("repeated failure", "process", inc.Process, "transition", transition(f.From, f.To), "failures", inc.Failures, "escalation", escalation)
	return nil
}

// running records that a process is RUNNING, which recovers its incident.
func (n *handler) running(c *change, ps listener.ProcessStateEvent, now time.Time) error {
	inc := c.incident(ps.Namespec())
	if inc == nil || inc.Recovered {
		return nil
	}
	inc.Recovered, inc.RecoveredAt, inc.RecoveredFrom, inc.RecoveredPID = true, now, ps.FromState, ps.PID
	windowOver := !inc.inWindow(now)
	announce := !n.cfg.noRecovery && (!inc.RecoveryAnnounced || windowOver)
	switch {
	case n.threaded:
		if err := c.queue("alert update", inc, opUpdate, alertMessage(n.scene(inc, now)), now); err != nil {
			return err
		}
		if announce {
			if err := c.queue("recovery", inc, opReply, recoveryMessage(n.scene(inc, now)), now); err != nil {
				return err
			}
		}
	case announce:
		// The recovery counts every failure, those not yet reported too.
		if err := c.queue("recovery", inc, opPost, recoveryMessage(n.scene(inc, now)), now); err != nil {
			return err
		}
		inc.Unreported, inc.ReportedAt = 0, now
	case windowOver:
		if err := n.summarize(c, inc, now); err != nil {
			return err
		}
	}
	if announce {
		inc.RecoveryAnnounced = true
		n.cfg.log.Info("announcing recovery", "process", inc.Process, "failures", inc.Failures)
	}
	if windowOver {
		c.close(inc)
	} else {
		c.put(inc)
	}
	return nil
}

// tick closes the windows that have ended: a webhook's uncounted failures
// are summarised, and recovered incidents are forgotten.
func (n *handler) tick(c *change, now time.Time) error {
	for _, ns := range n.state.names() {
		inc := c.incident(ns)
		if inc.inWindow(now) {
			continue
		}
		summarized := inc.Unreported > 0 && !n.threaded
		if err := n.summarize(c, inc, now); err != nil {
			return err
		}
		switch {
		case inc.Recovered:
			c.close(inc)
		case summarized:
			c.put(inc)
		}
	}
	return nil
}

// summarize queues, for a webhook, the summary of the failures of inc
// that no message has counted yet.
func (n *handler) summarize(c *change, inc *incident, now time.Time) error {
	if n.threaded || inc.Unreported == 0 {
		return nil
	}
	if err := c.queue("summary", inc, opPost, summaryMessage(n.scene(inc, now)), now); err != nil {
		return err
	}
	n.cfg.log.Info("summarizing", "process", inc.Process, "failures", inc.Unreported)
	inc.Unreported, inc.ReportedAt = 0, now
	return nil
}

func (n *handler) scene(inc *incident, now time.Time) scene {
	return scene{inc: inc, host: n.cfg.host, now: now}
}

func broadcast(m message) message {
	m.Broadcast = true
	return m
}
