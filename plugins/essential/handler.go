package essential

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/retry"
)

// supervisor is what the listener asks of supervisord; *rpc.Client is one.
type supervisor interface {
	crashinfo.Source
	GetState(ctx context.Context) (rpc.SupervisorState, error)
	Shutdown(ctx context.Context) error
}

// handler shuts supervisord down when an essential program ends as the
// trigger says, after recording why. It answers the event only once the
// record is on disk and supervisord has accepted the shutdown, so that a
// listener that dies at any point leaves the event to its successor or
// the record to essential run.
type handler struct {
	cfg   config
	sv    supervisor
	fails *log.Recurring

	// stopped ends the retries at SIGTERM (Stop).
	stopped context.Context
	stop    context.CancelFunc
}

// newHandler returns the handler for cfg, asking sv.
func newHandler(cfg config, sv supervisor) *handler {
	cfg = cfg.withDefaults()
	h := &handler{cfg: cfg, sv: sv, fails: log.NewRecurring(cfg.log, slog.LevelError, cfg.clock)}
	h.stopped, h.stop = context.WithCancel(context.Background())
	return h
}

// resume finishes what an earlier run of the listener began: a record
// already there means an essential program ended and a listener wrote it,
// but may have died before supervisord accepted the shutdown. essential
// run clears the record when it starts supervisord, so one found here is
// this supervisord's.
func (h *handler) resume(ctx context.Context) error {
	if h.cfg.record == "" {
		return nil
	}
	r, ok, err := readRecord(h.cfg.record)
	if err != nil || !ok {
		return err
	}
	h.cfg.log.Warn(fmt.Sprintf("%s, as an earlier essential listener recorded: shutting supervisord down (again)", r))
	return h.shutdown(ctx)
}

// HandleEvent shuts supervisord down for a PROCESS_STATE_FATAL or
// PROCESS_STATE_EXITED event of an essential program that fires the
// trigger, and acknowledges every other event untouched.
func (h *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	if ev.EventName != listener.ProcessStateFatal && ev.EventName != listener.ProcessStateExited {
		return nil
	}
	ps, err := ev.ProcessState()
	if err != nil {
		log.MalformedEvent(h.cfg.log, ev, err)
		return nil
	}
	if !h.cfg.selector.Selects(ps.GroupName, ps.ProcessName) || !h.cfg.on.fires(ps) {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.stopped, cancel)()
	err = retry.Do(ctx, h.cfg.retry, func(ctx context.Context) error { return h.act(ctx, ps) })
	if err != nil {
		h.fails.Fail(fmt.Sprintf("%s ended but supervisord is not shut down: %v; rejecting the event so that supervisord delivers it again",
			ps.Namespec(), err))
		return err
	}
	h.fails.Recover("supervisord accepted the shutdown")
	return nil
}

// act records why ps's program ended, unless a record is there already,
// and asks supervisord to shut down.
func (h *handler) act(ctx context.Context, ps listener.ProcessStateEvent) error {
	if h.cfg.record != "" {
		if r, ok, err := readRecord(h.cfg.record); err != nil {
			return err
		} else if ok {
			// A redelivery, or a second essential program ending in the
			// shutdown: the first record stands.
			h.cfg.log.Info(fmt.Sprintf("%s %s; the record of %s stands", ps.Namespec(), ps.State, r.Program))
			return h.shutdown(ctx)
		}
	}
	// supervisord answers SHUTDOWN_STATE to every question while it
	// stops or restarts for another reason (docker stop, supervisorctl
	// shutdown or reload): the program's end is then not why it exits.
	if _, err := h.sv.GetState(ctx); errors.Is(err, rpc.ErrShutdownState) {
		h.cfg.log.Info(fmt.Sprintf("%s %s while supervisord is stopping for another reason: leaving its shutdown alone", ps.Namespec(), ps.State))
		return nil
	}
	r := h.describe(ctx, ps)
	if h.cfg.record == "" {
		h.cfg.log.Warn(fmt.Sprintf("%s: shutting supervisord down; it will exit 0, since no essential run started it to pass the exit code %d on", r, r.Code))
		return h.shutdown(ctx)
	}
	kept, err := writeRecord(h.cfg.record, r)
	if err != nil {
		return err
	}
	h.cfg.log.Info(fmt.Sprintf("%s: shutting supervisord down; essential run will exit with %d", kept, kept.Code))
	return h.shutdown(ctx)
}

// describe asks supervisord how ps's program ended and returns the record
// of it. What cannot be had is left out: the record must be written
// whatever supervisord answers.
func (h *handler) describe(ctx context.Context, ps listener.ProcessStateEvent) record {
	dctx, cancel := context.WithTimeout(ctx, h.cfg.detailsTimeout)
	d := crashinfo.Fetch(dctx, h.sv, ps, crashinfo.Options{})
	cancel()
	if d.InfoErr != nil || d.ExitErr != nil {
		h.cfg.log.Warn(fmt.Sprintf("how %s ended is not known: %v", ps.Namespec(), errors.Join(d.InfoErr, d.ExitErr)))
	}
	return record{
		Program:  ps.Namespec(),
		Group:    ps.GroupName,
		Name:     ps.ProcessName,
		State:    ps.State.String(),
		From:     ps.FromState.String(),
		Expected: ps.Expected,
		PID:      ps.PID,
		Exit:     d.Exit.Cause,
		SpawnErr: d.SpawnErr,
		Code:     exitCode(ps.State, ps.Expected, d.Exit),
		At:       h.cfg.clock.Now().UTC(),
	}
}

// shutdown asks supervisord to stop every program and exit. A supervisord
// already shutting down has what was asked.
func (h *handler) shutdown(ctx context.Context) error {
	err := h.sv.Shutdown(ctx)
	if errors.Is(err, rpc.ErrShutdownState) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("supervisor.shutdown: %w", err)
	}
	return nil
}

// Stop ends the retries at once (SIGTERM): the event goes back to
// supervisord.
func (h *handler) Stop() { h.stop() }
