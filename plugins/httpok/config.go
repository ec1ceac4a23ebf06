package httpok

import (
	"crypto/x509"
	"errors"
	"log/slog"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
)

// defaultGcore is superlance's gcore command.
const defaultGcore = "/usr/bin/gcore -o"

// config is every setting of httpok.
type config struct {
	// url is the http or https URL to GET (see parseURL).
	url string
	// selector picks the processes to restart (-p, -a); httpok itself is
	// never among them.
	selector *selection.Selector
	// timeout bounds each check, retries of a refused connection
	// included; defaultTimeout if zero.
	timeout time.Duration
	// codes are the healthy statuses; [200] if empty.
	codes []int
	// body, if not empty, must appear in the response body.
	body string
	// notEager checks the URL only while a watched process is RUNNING
	// (-E); by default it is always checked (-e).
	notEager bool
	// insecure skips the verification of https certificates.
	insecure bool
	// authFile holds the check's user:password, headerFile its headers
	// (see resolveAuth); the environment's HTTPOK_* variables come first.
	authFile, headerFile string
	// rootCAs, if set, replaces the system's certificate authorities.
	rootCAs *x509.CertPool
	// retryInterval is the wait before trying a refused connection again;
	// defaultRetryInterval if zero.
	retryInterval time.Duration

	// gcore is the command that dumps a process's core before a restart,
	// run as `<gcore> "<coreDir>/<name>" <pid>`; defaultGcore if empty.
	// Cores are dumped only when coreDir is set.
	gcore   string
	coreDir string

	// mail says how and to whom httpok mails its report of each restart;
	// nil sends none.
	mail *mailcli.Delivery
	// mailRetry bounds each mail's delivery; mail.DefaultRetryPolicy() if
	// zero.
	mailRetry retry.Policy
	// outbox says where mail waits for delivery (Dir, MaxItems, MaxAge).
	outbox outbox.Config
	// name tags the mail subjects: "httpok [name]: ...".
	name string

	// restart configures restarts: flap control and timeouts.
	restart restart.Config

	// clock dates the mail; nil means the real clock.
	clock clock.Clock
	// log receives httpok's report lines.
	log *slog.Logger
}

// withDefaults fills in the zero settings.
func (c config) withDefaults() config {
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.retryInterval <= 0 {
		c.retryInterval = defaultRetryInterval
	}
	if len(c.codes) == 0 {
		c.codes = []int{200}
	}
	if c.gcore == "" {
		c.gcore = defaultGcore
	}
	c.mailRetry = mail.BoundedRetry(c.mailRetry)
	c.clock = clock.Or(c.clock)
	c.restart = c.restart.WithDefaults(c.clock)
	c.log = log.Or(c.log)
	return c
}

// validate reports a configuration httpok cannot work with.
func (c config) validate() error {
	if _, err := parseURL(c.url); err != nil {
		return err
	}
	if c.selector == nil {
		return errors.New("httpok: no process selection")
	}
	return c.restart.Policy.Validate()
}
