package httpok

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/proctable"
	"github.com/golance/golance/plugins/internal/restart"
)

// handler is the httpok handler.
type handler struct {
	cfg    config
	sup    restart.Supervisor
	prober *prober
	// url is the URL as httpok writes it in its log and mail: a password
	// in it shows as xxxxx.
	url       string
	restarter *restart.Restarter
	streaks   *restart.Streaks
	// table follows supervisord's processes for -E, which needs to know
	// at every tick whether a watched process is RUNNING.
	table *proctable.Table
	// listFailure logs a process list supervisord cannot give once, not
	// at every tick.
	listFailure *log.Recurring
	// notices are httpok's mails; nil without -m.
	notices *mailcli.Notices
	// hinted are the -p names said to name a group (hintGroups).
	hinted map[string]bool
	// procs is the table's processes at the last tick, a buffer reused
	// rather than hundreds of copies allocated at every tick.
	procs []proctable.Process
}

// newHandler returns the handler for cfg, asking sup about processes.
func newHandler(cfg config, sup restart.Supervisor) (*handler, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if sup == nil {
		return nil, errors.New("httpok: no supervisord to ask")
	}
	u, _ := parseURL(cfg.url)
	a, err := resolveAuth(u, cfg.authFile, cfg.headerFile, cfg.log)
	if err != nil {
		return nil, err
	}
	oc := cfg.outbox
	oc.Clock, oc.SyncRetry = cfg.clock, cfg.mailRetry
	notices, err := mailcli.OpenNotices(cfg.mail, oc, "httpok", cfg.log)
	if err != nil {
		return nil, err
	}
	table, err := proctable.New(proctable.Config{Supervisor: sup, Clock: cfg.clock, Log: cfg.log})
	if err != nil {
		notices.Close(context.Background())
		return nil, err
	}
	return &handler{
		cfg:         cfg,
		table:       table,
		sup:         sup,
		prober:      newProber(u, a, cfg.timeout, cfg.retryInterval, cfg.body != "", cfg.insecure, cfg.rootCAs),
		url:         u.Redacted(),
		restarter:   restart.New(sup, cfg.restart),
		streaks:     restart.NewStreaks(cfg.restart.Consecutive),
		listFailure: log.NewRecurring(cfg.log, slog.LevelWarn, cfg.clock),
		notices:     notices,
		hinted:      map[string]bool{},
	}, nil
}

// HandleEvent checks the URL on a TICK event. With -E the process table
// follows supervisord through every event, from the first tick on, which
// loads it; without -E httpok needs no process list until it acts, and
// other events are acknowledged untouched. It always acknowledges: a tick
// whose work could not be done (supervisord shutting down or unreachable)
// is not worth redelivering, since the next tick checks afresh.
func (c *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	if !ev.EventName.Is(listener.Tick) {
		if c.cfg.notEager && c.table.Loaded() {
			// A failure here is asked again at the next tick's Check.
			if _, err := c.table.Observe(ctx, ev); errors.Is(err, listener.ErrMalformedPayload) {
				log.MalformedEvent(c.cfg.log, ev, err)
			}
		}
		return nil
	}
	c.check(ctx, ev)
	return nil
}

// Shutdown waits for the restarts under way, until ctx ends, and closes
// the outbox of the mail, where undelivered mail waits for the next start.
func (c *handler) Shutdown(ctx context.Context) error {
	err := c.restarter.Shutdown(ctx)
	c.table.Close()
	return errors.Join(err, c.notices.Close(ctx))
}

// Stop ends the retries of mail under way (SIGTERM).
func (c *handler) Stop() { c.notices.Stop() }

// check is one tick's work.
func (c *handler) check(ctx context.Context, tick listener.Event) {
	if c.cfg.notEager {
		running, err := c.watchedRunning(ctx, tick)
		if err != nil {
			c.listFailure.Fail(fmt.Sprintf("Exception retrieving process info %v, not checking %s", err, c.url))
			return
		}
		c.listFailure.Recover("supervisord answers again")
		if !running {
			return
		}
	}
	res := c.prober.check(ctx)
	var msg, subject string
	switch {
	case res.err != nil:
		msg, subject = fmt.Sprintf("error contacting %s:\n\n %v", c.url, res.err), "bad status returned"
	case !slices.Contains(c.cfg.codes, res.code):
		msg, subject = fmt.Sprintf("status contacting %s: %s", c.url, res.status), "bad status returned"
	case c.cfg.body != "" && !strings.Contains(res.body, c.cfg.body):
		msg, subject = fmt.Sprintf("status contacting %s: %s", c.url, res.status), "bad body returned"
	default:
		c.streaks.Pass(c.url)
		return
	}
	n, due := c.streaks.Fail(c.url)
	if !due {
		c.cfg.log.Warn(fmt.Sprintf("%s (%d of %d failed checks in a row before restarting)", msg, n, c.streaks.Need()))
		return
	}
	c.streaks.Pass(c.url)
	c.act(ctx, outbox.EventKey(tick), c.url+": "+subject, msg)
}

// watchedRunning reports whether a process httpok watches is RUNNING, for
// -E, from the process table brought up to date with the tick: a tick
// after which no process was started or reaped asks supervisord nothing.
func (c *handler) watchedRunning(ctx context.Context, tick listener.Event) (bool, error) {
	if _, err := c.table.Observe(ctx, tick); err != nil {
		return false, err
	}
	c.procs = c.table.AppendProcesses(c.procs[:0])
	procs := c.procs
	for _, p := range procs {
		if p.State == listener.StateRunning && c.cfg.selector.Selects(p.Group, p.Name) {
			return true, nil
		}
	}
	each := func(yield func(group, name string)) {
		for _, p := range procs {
			yield(p.Group, p.Name)
		}
	}
	c.hintGroups(c.cfg.selector.Unmatched(each), each)
	return false, nil
}

// hintGroups says once for each -p name that matches no process but
// names a group (a numprocs program, a [group:x]) how to select the
// group's processes: superlance's httpok takes a bare name for a process's
// name alone, and so does httpok, so that a superlance command line
// restarts what it restarted, but superlance never said why nothing was.
func (c *handler) hintGroups(missing []string, each func(yield func(group, name string))) {
	for _, spec := range missing {
		spec = strings.TrimSpace(spec)
		if c.hinted[spec] || strings.Contains(spec, ":") {
			continue
		}
		var members []string
		each(func(group, name string) {
			if ok, _ := path.Match(spec, group); ok {
				members = append(members, listener.Namespec(group, name))
			}
		})
		if len(members) == 0 {
			continue
		}
		c.hinted[spec] = true
		shown := strings.Join(members, ", ")
		if len(members) > 3 {
			shown = strings.Join(members[:3], ", ") + ", ..."
		}
		c.cfg.log.Warn(fmt.Sprintf("-p %s matches no process, but processes of a group of that name (%s): "+
			"a bare name is one process's name, as in superlance's httpok; write -p '%s:*' to restart all of them, or -p %s for one",
			spec, shown, spec, members[0]))
	}
}

// act restarts the watched processes and reports, as superlance's act
// does: its lines go to stderr as they happen, and once every restart has
// finished, to the mail, after msg. key, the outbox key of the mail and
// what its Message-ID derives from, is the failed check's tick
// (outbox.EventKey): one act per tick at most, and the same key whenever
// that mail is made.
func (c *handler) act(ctx context.Context, key, subject, msg string) {
	infos, err := c.sup.GetAllProcessInfo(ctx)
	if err != nil {
		c.cfg.log.Warn(msg)
		c.listFailure.Fail(fmt.Sprintf("Exception retrieving process info %v, not acting", err))
		return
	}
	c.listFailure.Recover("supervisord answers again")
	sel := c.cfg.selector
	if c.cfg.notEager && !slices.ContainsFunc(infos, func(info rpc.ProcessInfo) bool {
		return info.State == listener.StateRunning && sel.Selects(info.Group, info.Name)
	}) {
		// The table saw no change, yet none runs any more: a stop under
		// way (STOPPING keeps its pid). superlance, which asks at every
		// tick, would not have checked; neither does httpok act.
		return
	}
	c.cfg.log.Warn(msg)
	rep := &report{log: c.cfg.log, msg: msg}
	if sel.Any() {
		rep.add("Restarting all running processes")
	} else {
		rep.add("Restarting selected processes " + pyList(sel.Specs()))
	}
	for _, info := range infos {
		if sel.Covers(info.Group, info.Name) {
			c.restart(info, rep)
		}
	}
	if !sel.Any() {
		missing := sel.Unmatched(func(yield func(group, name string)) {
			for _, info := range infos {
				yield(info.Group, info.Name)
			}
		})
		if len(missing) > 0 {
			rep.add("Programs not restarted because they did not exist: " + pyList(missing))
			c.hintGroups(missing, func(yield func(group, name string)) {
				for _, info := range infos {
					yield(info.Group, info.Name)
				}
			})
		}
	}
	d := c.cfg.mail
	if d == nil {
		return
	}
	subject = c.subject(subject)
	to := strings.Join(d.To, ", ")
	err = c.restarter.Go(func(ctx context.Context) {
		body := rep.wait()
		if err := c.notices.Send(ctx, key, subject, body, c.cfg.clock.Now()); err != nil {
			return
		}
		c.cfg.log.Info(fmt.Sprintf("Mailed:\n\nTo: %s\nSubject: %s\n\n%s", to, subject, body))
	})
	if err != nil {
		c.cfg.log.Warn(fmt.Sprintf("Not mailing %q: %v", subject, err))
	}
}

// restart restarts one selected process, or says why not.
func (c *handler) restart(info rpc.ProcessInfo, rep *report) {
	ns := info.Namespec()
	if c.cfg.selector.IsSelf(info.Group, info.Name) {
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
	if c.cfg.coreDir != "" {
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
func (c *handler) subject(s string) string {
	if c.cfg.name != "" {
		return "httpok [" + c.cfg.name + "]: " + s
	}
	return "httpok: " + s
}
