package exporter

import (
	"fmt"
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/alertmanager"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/prometheus/exporter-toolkit/web"
)

// Defaults. 9876 is the port the polling supervisord exporters already
// use, so that a fleet switching to this one keeps its scrape
// configuration; the Prometheus wiki's list of default ports could not be
// consulted from here (see docs/fleet.md).
const (
	defaultListen         = ":9876"
	defaultTelemetryPath  = "/metrics"
	defaultSampleInterval = 10 * time.Second
	defaultTextfileEvery  = 15 * time.Second
	defaultResend         = time.Minute
	defaultLogLines       = 10
	// historySpan is how far back the status page's plots go.
	historySpan = time.Hour
	// maxSamples bounds each process's history: an hour at the default
	// interval.
	maxSamples = 360
)

// config is every setting of supervisord_exporter.
type config struct {
	listen         []string
	listenSet      bool // --web.listen-address was given
	telemetryPath  string
	webConfigFile  string
	textfile       string
	textfileEvery  time.Duration
	sampleInterval time.Duration

	alertmanagers []string
	amAuthFile    string // --alertmanager.auth-file
	resend        time.Duration
	labels        map[string]string
	logLines      int
	host          string
	alertOn       *selection.Flags
	outbox        *outbox.Flags
}

// serves reports whether the exporter serves HTTP: always, unless
// --textfile is given without --web.listen-address.
func (c *config) serves() bool { return c.textfile == "" || c.listenSet }

// validate checks the settings; its errors name the flag and the fix.
func (c *config) validate() error {
	if c.serves() && len(c.listen) == 0 {
		return fmt.Errorf("no --web.listen-address: give one such as %s", defaultListen)
	}
	if !strings.HasPrefix(c.telemetryPath, "/") || c.telemetryPath == "/" {
		return fmt.Errorf("invalid --web.telemetry-path %q: give a path such as /metrics (/ is the status page)", c.telemetryPath)
	}
	if c.webConfigFile != "" {
		if err := web.Validate(c.webConfigFile); err != nil {
			return fmt.Errorf("invalid --web.config.file %s: %w", c.webConfigFile, err)
		}
	}
	if c.sampleInterval < 100*time.Millisecond {
		return fmt.Errorf("invalid --sample-interval %s: give 100ms or more, e.g. 10s", c.sampleInterval)
	}
	if c.textfile != "" && c.textfileEvery < 100*time.Millisecond {
		return fmt.Errorf("invalid --textfile.interval %s: give 100ms or more, e.g. 15s", c.textfileEvery)
	}
	if c.textfile != "" && !strings.HasSuffix(c.textfile, ".prom") {
		return fmt.Errorf("invalid --textfile %s: node_exporter's textfile collector reads only files ending in .prom", c.textfile)
	}
	seen := map[string]bool{}
	for _, u := range c.alertmanagers {
		if _, err := alertmanager.NewClient(u, nil); err != nil {
			return fmt.Errorf("--alertmanager.url: %w", err)
		}
		if seen[u] {
			return fmt.Errorf("--alertmanager.url %s is given twice", u)
		}
		seen[u] = true
	}
	if len(c.alertmanagers) > 0 {
		if c.resend < time.Second {
			return fmt.Errorf("invalid --alertmanager.resend-interval %s: give 1s or more, e.g. 1m", c.resend)
		}
		if c.logLines < 0 {
			return fmt.Errorf("invalid --alertmanager.log-lines %d: give 0 or more", c.logLines)
		}
		if err := c.outbox.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// samples is the length of each process's history: an hour, at most
// maxSamples.
func (c *config) samples() int {
	n := int(historySpan / c.sampleInterval)
	return max(2, min(n, maxSamples))
}

// Where the Alertmanagers' basic credentials come from, other than a URL's
// user:password@, which ps shows.
const (
	envAMUsername  = "GOLANCE_ALERTMANAGER_USERNAME"
	envAMPassword  = "GOLANCE_ALERTMANAGER_PASSWORD"
	flagAMAuthFile = "alertmanager.auth-file"
)
