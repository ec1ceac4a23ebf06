package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"
)

// server serves the metrics and the status page on every
// --web.listen-address, with exporter-toolkit's TLS and basic
// authentication from --web.config.file.
type server struct {
	http      *http.Server
	listeners []net.Listener
	flags     *web.FlagConfig
	log       *slog.Logger
}

// newServer listens on every address at once, so that a port in use is
// an error at start, not a line in a log nobody reads.
// The metrics are g's; promhttp's own (scrapes served, errors) register
// in reg.
func newServer(cfg *config, reg prometheus.Registerer, g prometheus.Gatherer, status http.Handler, l *slog.Logger) (*server, error) {
	mux := http.NewServeMux()
	mux.Handle(cfg.telemetryPath, promhttp.InstrumentMetricHandler(reg,
		promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: slogErrorLog{l}, Registry: reg})))
	mux.Handle("/{$}", status)
	s := &server{
		http: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		log:  l,
	}
	noSystemd := false
	s.flags = &web.FlagConfig{WebListenAddresses: &cfg.listen, WebSystemdSocket: &noSystemd, WebConfigFile: &cfg.webConfigFile}
	for _, addr := range cfg.listen {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("cannot serve on --web.listen-address %s: %w", addr, err)
		}
		s.listeners = append(s.listeners, ln)
	}
	return s, nil
}

// serve serves until shutdown; it returns the error that stopped it, nil
// after shutdown.
func (s *server) serve() error {
	err := web.ServeMultiple(s.listeners, s.http, s.flags, s.log)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// shutdown stops serving, letting requests under way finish until ctx
// ends.
func (s *server) shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

func (s *server) close() {
	for _, ln := range s.listeners {
		ln.Close()
	}
}

// slogErrorLog is promhttp's error logger on the exporter's log.
type slogErrorLog struct{ l *slog.Logger }

func (e slogErrorLog) Println(v ...any) { e.l.Error(fmt.Sprint(v...)) }
