package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/alertmanager"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/proctable"
	"github.com/golance/golance/plugins/internal/secret"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
)

// run serves supervisord's events to the exporter's handler until
// supervisord stops it, serving HTTP, sampling /proc, writing the textfile
// and re-sending alerts meanwhile.
func run(cmd *cobra.Command, cfg *config) error {
	logger := cli.Logger(cmd)
	client, err := rpc.FromEnv()
	if err != nil {
		return err
	}
	clk := clock.Real{}
	st := newState(cfg.samples())
	table, err := proctable.New(proctable.Config{Supervisor: client, Clock: clk, Log: logger})
	if err != nil {
		return err
	}
	defer table.Close()
	h := &handler{table: table, sup: client, st: st, health: newHealth(), logLines: cfg.logLines,
		clock: clk, log: logger, calls: log.NewRecurring(logger, slog.LevelWarn, clk)}
	if h.alertOn, err = cfg.alertOn.Selector(); err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(cmd.Context())
	defer cancel(nil)
	h.info(ctx, client)

	col := &collector{st: st, now: clk.Now}
	var ob *outbox.Outbox
	if len(cfg.alertmanagers) > 0 {
		if ob, err = openAlerts(cfg, h, col, logger); err != nil {
			return err
		}
		ob.Start()
		defer func() {
			if err := ob.Close(context.Background()); err != nil {
				logger.Warn(fmt.Sprintf("closing the outbox: %v", err))
			}
		}()
	}
	h.load(ctx)

	// Exported: the state, the listener's health, and (when served) the
	// Go runtime and the process, as every exporter does.
	healthReg := prometheus.NewRegistry()
	h.health.register(healthReg)
	own := merged(col, healthReg)
	var bg sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	defer bg.Wait()
	defer stopBG()
	background := func(f func(context.Context)) {
		bg.Add(1)
		go func() { defer bg.Done(); f(bgCtx) }()
	}
	if smp, err := newSampler("/proc", st, cfg.sampleInterval, clk); err != nil {
		logger.Warn(fmt.Sprintf("%v; no memory or CPU metrics", err))
	} else {
		background(smp.run)
	}
	if h.alerts != nil {
		background(h.alerts.run)
	}
	if cfg.textfile != "" {
		background(newTextfile(cfg.textfile, own, cfg.textfileEvery, clk, logger).run)
	}
	if cfg.serves() {
		runtime := prometheus.NewRegistry()
		runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		srv, err := newServer(cfg, runtime, merged(col, healthReg, runtime), newStatusPage(st, h.alerts, clk), logger)
		if err != nil {
			return err
		}
		go func() {
			if err := srv.serve(); err != nil {
				cancel(fmt.Errorf("serving HTTP: %w", err))
			}
		}()
		defer func() {
			sctx, scancel := context.WithTimeout(context.Background(), cli.DrainTimeout/2)
			defer scancel()
			_ = srv.shutdown(sctx)
		}()
	}
	cmd.SetContext(ctx)
	err = cli.RunListener(cmd, h, logger, cli.DrainTimeout)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// openAlerts opens the outbox with one sink per Alertmanager and gives the
// handler its alerter.
func openAlerts(cfg *config, h *handler, col *collector, logger *slog.Logger) (*outbox.Outbox, error) {
	labels := map[string]string{"host": alertHost(cfg.host, h.st)}
	for k, v := range cfg.labels {
		labels[k] = v
	}
	validFor := 4 * cfg.resend
	sinks := map[string]outbox.Sink{}
	var named []namedSink
	col.sinkLabel = map[string]string{}
	user, password, err := secret.UserPassword("Alertmanager credentials", envAMUsername, envAMPassword, cfg.amAuthFile, logger)
	hasAuth := err == nil
	if err != nil && !errors.Is(err, secret.ErrNotSet) {
		return nil, cli.Usagef("%v", err)
	}
	for _, u := range cfg.alertmanagers {
		c, err := alertmanager.NewClient(u, nil)
		if err != nil {
			return nil, err
		}
		if pu, _ := url.Parse(u); pu != nil && pu.User != nil {
			if _, given := pu.User.Password(); given {
				secret.WarnCommandLine(logger, "Alertmanager password", "in --alertmanager.url "+pu.Redacted(),
					"write the URL without user:password@ and set "+envAMUsername+" and "+envAMPassword+
						" (environment= in the [eventlistener:x] section), or name a file holding user:password with --"+flagAMAuthFile)
			}
		} else if hasAuth {
			c.SetBasicAuth(user, password)
		}
		s := alertmanager.NewSink(c, validFor, map[string]string{"host": labels["host"]}, h.clock)
		name := "alertmanager " + u
		sinks[name] = s
		named = append(named, namedSink{name, s})
		col.sinkLabel[name] = s.String()[len("Alertmanager "):]
	}
	oc := outbox.Config{Program: "supervisord_exporter", Sinks: sinks, Clock: h.clock, Log: logger}
	cfg.outbox.Apply(&oc)
	ob, err := outbox.Open(oc)
	if err != nil {
		return nil, err
	}
	a := &alerter{ob: ob, sinks: named, labels: labels, resend: cfg.resend, clock: h.clock, log: logger}
	if err := a.load(); err != nil {
		ob.Close(context.Background())
		return nil, err
	}
	h.alerts = a
	col.pending = ob.Pending
	col.firing = a.count
	return ob, nil
}

// alertHost is the host label: --host, else supervisord's identification
// unless it is the default, else the host name.
func alertHost(flag string, st *state) string {
	if flag != "" {
		return flag
	}
	st.mu.RLock()
	id := st.sup.identification
	st.mu.RUnlock()
	if id != "" && id != "supervisor" {
		return id
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "supervisor"
}
