package slacknotify

import (
	"time"

	"github.com/golance/golance/listener"
)

// An incident is what slack-notify remembers about one failing process,
// from its first alerting transition until it is RUNNING again and its
// window has closed. Its window bounds the noise: within it, further
// failures update or add to what was posted instead of posting anew.
//
// Incidents live in the outbox's store (see state), so they are encoded
// as JSON; states are supervisord's numeric codes, which do not change.
type incident struct {
	Process string `json:"process"` // namespec, "name" or "group:name"
	Group   string `json:"group"`
	Name    string `json:"name"`
	Server  string `json:"server"` // supervisord's identifier, from the event header

	Since    time.Time `json:"since"`    // first failure
	Failures int       `json:"failures"` // failures since then
	Last     failure   `json:"last"`

	// WindowEnd is when the current window closes; failures after it
	// post a fresh alert.
	WindowEnd time.Time `json:"window_end"`
	// ReportedAt is when a message last reported the failure count, and
	// Unreported counts the failures since, which a webhook (unable to
	// edit its messages) reports in one summary when the window closes.
	ReportedAt time.Time `json:"reported_at"`
	Unreported int       `json:"unreported,omitempty"`

	Recovered         bool           `json:"recovered,omitempty"`
	RecoveredAt       time.Time      `json:"recovered_at,omitzero"`
	RecoveredFrom     listener.State `json:"recovered_from,omitempty"`
	RecoveredPID      int            `json:"recovered_pid,omitempty"`
	RecoveryAnnounced bool           `json:"recovery_announced,omitempty"` // a recovery was queued in the current window

	// Alert identifies the incident's current alert message, with a bot
	// token: the sink keeps the message's channel and timestamp under it
	// once Slack has taken the alert (see refName), which may be long
	// after the edits and thread replies that name it were queued.
	Alert string `json:"alert,omitempty"`
}

// inWindow reports whether now falls in the incident's window.
func (inc *incident) inWindow(now time.Time) bool {
	return now.Before(inc.WindowEnd)
}

// A failure is one alerting transition of a process, with the facts of
// that moment: a message about it says what was true then, whenever it is
// delivered.
type failure struct {
	At       time.Time      `json:"at"`
	From     listener.State `json:"from"`
	To       listener.State `json:"to"`
	Expected bool           `json:"expected,omitempty"` // EXITED with an exit code listed in exitcodes=
	PID      int            `json:"pid,omitempty"`
	Facts    facts          `json:"facts"`
}
