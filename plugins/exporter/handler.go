package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/proctable"
	"github.com/golance/golance/plugins/internal/selection"
)

// processTable is what the exporter needs of the shared process table
// (package proctable): it follows supervisord from the events, and asks it
// only at start, when the events do not tell enough, and on TICK.
type processTable interface {
	Load(ctx context.Context) error
	Loaded() bool
	Observe(ctx context.Context, ev listener.Event) ([]proctable.Change, error)
	Processes() []proctable.Process
}

// handler is the exporter's listener.Handler: every event updates the
// state that scrapes and the status page read, and failures fire and
// resolve alerts.
type handler struct {
	table  processTable
	sup    crashinfo.Source
	st     *state
	health *health
	alerts *alerter // nil without --alertmanager.url
	// alertOn selects the processes alerted about (-p, --exclude); it
	// never selects the exporter itself, which cannot see its own crash.
	alertOn *selection.Selector
	// logLines is how many log lines an alert quotes.
	logLines int
	clock    clock.Clock
	log      *slog.Logger
	calls    *log.Recurring

	poolSerial uint64
	serialSeen bool
}

// detailsTimeout bounds the calls that fetch a crash's facts.
const detailsTimeout = 5 * time.Second

// info asks supervisord about itself: version, identification, state. A
// supervisord that cannot be asked does not stop the exporter.
func (h *handler) info(ctx context.Context, sup interface {
	GetSupervisorVersion(context.Context) (string, error)
	GetIdentification(context.Context) (string, error)
	GetState(context.Context) (rpc.SupervisorState, error)
}) {
	version, err := sup.GetSupervisorVersion(ctx)
	var id string
	var s rpc.SupervisorState
	if err == nil {
		id, err = sup.GetIdentification(ctx)
	}
	if err == nil {
		s, err = sup.GetState(ctx)
	}
	if err == nil {
		h.st.setSupervisor(func(sv *supervisor) {
			sv.version, sv.identification, sv.state, sv.stateKnown = version, id, s, true
		})
	}
	h.called(err)
}

// load reads every process into the table and the state, and settles the
// alerts an earlier run left firing. When supervisord cannot be asked, the
// first event tries again.
func (h *handler) load(ctx context.Context) {
	err := h.table.Load(ctx)
	h.called(err)
	if err != nil {
		return
	}
	now := h.clock.Now()
	h.st.load(h.table.Processes(), now)
	if err := h.settleAll(ctx, now); err != nil {
		h.log.Warn(fmt.Sprintf("cannot resolve the alerts of processes that recovered while the exporter was away: %v; trying again at the next event", err))
	}
}

// called records the outcome of a call to supervisord.
func (h *handler) called(err error) {
	h.st.setSupervisor(func(sv *supervisor) { sv.up = err == nil })
	if err != nil {
		h.calls.Fail(fmt.Sprintf("supervisord cannot be asked: %v; metrics show what the events told since", err))
		return
	}
	h.calls.Recover("supervisord answers again")
}

// HandleEvent updates the state from ev. It rejects an event only when an
// alert it causes cannot be made durable (nor delivered, with --outbox
// none), so that supervisord delivers it again.
func (h *handler) HandleEvent(ctx context.Context, ev listener.Event) (err error) {
	began := time.Now()
	defer func() {
		h.health.duration.Observe(time.Since(began).Seconds())
		if err != nil {
			h.health.rejected.Inc()
		}
	}()
	h.health.events.WithLabelValues(string(ev.EventName)).Inc()
	h.noteSerial(ev.PoolSerial)
	now := h.clock.Now()

	loaded := h.table.Loaded()
	changes, terr := h.table.Observe(ctx, ev)
	if errors.Is(terr, listener.ErrMalformedPayload) {
		log.MalformedEvent(h.log, ev, terr)
		return nil
	}
	if terr != nil || h.table.Loaded() {
		h.called(terr)
	}
	if !loaded && h.table.Loaded() {
		h.st.load(h.table.Processes(), now)
		if err := h.settleAll(ctx, now); err != nil {
			return err
		}
	} else {
		h.st.changes(changes, now)
	}

	switch name := ev.EventName; {
	case name.Is(listener.ProcessState):
		ps, perr := ev.ProcessState()
		if perr != nil {
			log.MalformedEvent(h.log, ev, perr)
			return nil
		}
		h.st.event(ps, now)
		if err := h.processState(ctx, ev, ps, now); err != nil {
			return err
		}
	case name.Is(listener.Tick):
		h.st.tick(now)
	case name == listener.SupervisorStateChangeRunning, name == listener.SupervisorStateChangeStopping:
		s := rpc.SupervisorRunning
		if name == listener.SupervisorStateChangeStopping {
			s = rpc.SupervisorShutdown
		}
		h.st.setSupervisor(func(sv *supervisor) { sv.state, sv.stateKnown = s, true })
	}
	return h.settle(ctx, changes, now)
}

// Stop ends the retries of an alert under way (SIGTERM): without an
// outbox, its event goes back to supervisord, which delivers it again to
// the next start; with one, the alert waits in it.
func (h *handler) Stop() {
	if h.alerts != nil {
		h.alerts.ob.Stop()
	}
}

// noteSerial counts the events supervisord discarded from the pool's
// buffer: its pool serials count up by one, and a rejected event comes
// again with its own.
func (h *handler) noteSerial(serial uint64) {
	if h.serialSeen && serial > h.poolSerial+1 {
		h.health.lost.Add(float64(serial - h.poolSerial - 1))
	}
	if !h.serialSeen || serial > h.poolSerial {
		h.poolSerial, h.serialSeen = serial, true
	}
}

// processState takes a crash's facts and fires or resolves alerts.
func (h *handler) processState(ctx context.Context, ev listener.Event, ps listener.ProcessStateEvent, now time.Time) error {
	alerting := h.alerts != nil && h.alertOn.Selects(ps.GroupName, ps.ProcessName)
	crash := (ps.State == listener.StateExited && !ps.Expected) || ps.State == listener.StateFatal
	switch ps.State {
	case listener.StateExited, listener.StateBackoff, listener.StateFatal:
		if ps.State == listener.StateFatal && !alerting {
			return nil // no exit of its own to read
		}
		opts := crashinfo.Options{Logs: crashinfo.StderrOnly}
		if alerting && crash {
			opts.TailLines = h.logLines
		}
		dctx, cancel := context.WithTimeout(ctx, detailsTimeout)
		d := crashinfo.Fetch(dctx, h.sup, ps, opts)
		cancel()
		if !d.Exit.IsZero() {
			status, ok := d.Exit.Status()
			if !ok {
				status = -1
			}
			h.st.exit(ps.GroupName, ps.ProcessName, status)
		}
		if alerting && crash {
			al := crashAlert(h.alerts.labels, ps, now, d)
			return h.alerts.fire(ctx, al, outbox.EventKey(ev), al.Annotations["summary"])
		}
	case listener.StateRunning:
		if alerting {
			return h.alerts.resolve(ctx, ps.GroupName, ps.ProcessName, now, outbox.EventKey(ev), "is RUNNING again")
		}
	case listener.StateStopped:
		if alerting {
			return h.alerts.resolve(ctx, ps.GroupName, ps.ProcessName, now, outbox.EventKey(ev), "was stopped")
		}
	}
	return nil
}

// settle resolves the alerts of processes the table found recovered,
// stopped or gone without an event saying so (after lost events, or
// changes made while the exporter was away).
func (h *handler) settle(ctx context.Context, changes []proctable.Change, now time.Time) error {
	if h.alerts == nil {
		return nil
	}
	for _, c := range changes {
		if c.Event {
			continue
		}
		p, why := c.After, "is RUNNING again"
		switch {
		case c.Removed():
			p, why = c.Before, "was removed from supervisord"
		case p.State == listener.StateStopped:
			why = "was stopped"
		case p.State != listener.StateRunning:
			continue
		}
		if err := h.alerts.resolve(ctx, p.Group, p.Name, now, settleKey(p, now), why); err != nil {
			return err
		}
	}
	return nil
}

// settleAll resolves the firing alerts of processes that are RUNNING,
// STOPPED or gone.
func (h *handler) settleAll(ctx context.Context, now time.Time) error {
	if h.alerts == nil {
		return nil
	}
	current := map[procKey]proctable.Process{}
	for _, p := range h.table.Processes() {
		current[procKey{p.Group, p.Name}] = p
	}
	for _, al := range h.alerts.snapshot() {
		group, name := al.Labels["group"], al.Labels["process"]
		p, ok := current[procKey{group, name}]
		why := ""
		switch {
		case !ok:
			why = "was removed from supervisord"
		case p.State == listener.StateRunning:
			why = "is RUNNING again"
		case p.State == listener.StateStopped:
			why = "was stopped"
		default:
			continue
		}
		p.Group, p.Name = group, name
		if err := h.alerts.resolve(ctx, group, name, now, settleKey(p, now), why); err != nil {
			return err
		}
	}
	return nil
}

// settleKey identifies a resolution that no event caused.
func settleKey(p proctable.Process, now time.Time) string {
	return fmt.Sprintf("table/%s/%d", p.Namespec(), now.UnixNano())
}
