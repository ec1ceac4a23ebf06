package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/prometheus/client_golang/prometheus"
)

// textfile writes the metrics for node_exporter's textfile collector:
// into a temporary file beside path, renamed over it, so that node_exporter
// never reads half a file. It writes only the exporter's own metrics: the
// go_* and process_* ones would collide with node_exporter's.
type textfile struct {
	path  string
	g     prometheus.Gatherer
	every time.Duration
	clock clock.Clock
	fails *log.Recurring
}

func newTextfile(path string, g prometheus.Gatherer, every time.Duration, clk clock.Clock, l *slog.Logger) *textfile {
	return &textfile{path: path, g: g, every: every, clock: clock.Or(clk), fails: log.NewRecurring(l, slog.LevelWarn, clk)}
}

// write writes the file once.
func (t *textfile) write() {
	if err := prometheus.WriteToTextfile(t.path, t.g); err != nil {
		t.fails.Fail(fmt.Sprintf("cannot write the metrics to %s: %v", t.path, err))
		return
	}
	t.fails.Recover(fmt.Sprintf("the metrics are written to %s again", t.path))
}

// run writes the file every interval until ctx ends, and once more then,
// so that the file's last word is the exporter's last state.
func (t *textfile) run(ctx context.Context) {
	for {
		t.write()
		if clock.Sleep(ctx, t.clock, t.every) != nil {
			t.write()
			return
		}
	}
}
