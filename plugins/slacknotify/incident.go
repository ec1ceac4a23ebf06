package slacknotify

import (
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
)

// A failure is one alerting transition of a process.
type failure struct {
	at       time.Time
	from, to listener.State
	expected bool // EXITED with an exit code listed in exitcodes=
	pid      int
	details  crashinfo.Details
}

// An incident is what slack-notify remembers about one failing process,
// from its first alerting transition until it is RUNNING again and its
// window has closed. Its window bounds the noise: within it, further
// failures update or add to what was posted instead of posting anew.
type incident struct {
	process string // namespec, "name" or "group:name"
	group   string
	name    string
	server  string // supervisord's identifier, from the event header

	since    time.Time // first failure
	failures int       // failures since then
	last     failure

	// windowEnd is when the current window closes; failures after it
	// post a fresh alert.
	windowEnd time.Time
	// reportedAt is when a message last reported the failure count, and
	// unreported counts the failures since, which a webhook (unable to
	// edit its messages) reports in one summary when the window closes.
	reportedAt time.Time
	unreported int

	recovered         bool
	recoveredAt       time.Time
	recoveredFrom     listener.State
	recoveredPID      int
	recoveryAnnounced bool // a recovery was posted in the current window

	// parent is the alert message, when it can be updated (bot token).
	parent msgRef
}

// inWindow reports whether now falls in the incident's window.
func (inc *incident) inWindow(now time.Time) bool {
	return now.Before(inc.windowEnd)
}

// threaded reports whether the incident's alert can be updated and
// replied to.
func (inc *incident) threaded() bool { return !inc.parent.IsZero() }
