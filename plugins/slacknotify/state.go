package slacknotify

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/golance/golance/plugins/internal/outbox"
)

// Names of slack-notify's state in the outbox, beside the places of the
// alerts the sink keeps (refName).
const (
	indexName      = "incidents"
	incidentPrefix = "incident/"
)

func incidentName(namespec string) string { return incidentPrefix + namespec }

// recentEvents is how many of the latest events the state remembers, so
// that an event supervisord delivers again changes nothing.
const recentEvents = 128

// state is what slack-notify keeps in the outbox beside the messages it
// queued, changed in the same durable step as they are queued: the open
// incidents, each under a name of its own so that an event rewrites only
// the incident it changes, and an index of them. After a restart, kill -9
// included, the listener goes on with the same incidents, windows and
// counts, and its edits and replies find the alerts posted before.
type state struct {
	incidents map[string]*incident
	// recent are the keys of the latest events that changed something,
	// oldest first.
	recent []string
	// forget lists the alerts whose places in Slack can be forgotten once
	// every message queued for them is delivered or dropped.
	forget []expiry
}

// index is how the state's list of incidents is stored.
type index struct {
	Open   []string `json:"open"` // namespecs, sorted
	Recent []string `json:"recent,omitempty"`
	Forget []expiry `json:"forget,omitempty"`
}

// An expiry says when the place of an alert that no new message will
// name can be forgotten.
type expiry struct {
	Alert string    `json:"alert"`
	After time.Time `json:"after"`
}

// loadState reads the state an earlier run left in ob. What cannot be
// read (written by another version) is said in one line and left out:
// the next failure of such a process opens a new incident.
func loadState(ob *outbox.Outbox, log *slog.Logger) *state {
	st := &state{incidents: map[string]*incident{}}
	var idx index
	if _, err := ob.LoadState(indexName, &idx); err != nil {
		log.Error(fmt.Sprintf("%v; starting without the incidents it held", err))
		return st
	}
	st.recent, st.forget = idx.Recent, idx.Forget
	for _, ns := range idx.Open {
		var inc incident
		ok, err := ob.LoadState(incidentName(ns), &inc)
		switch {
		case err != nil:
			log.Error(fmt.Sprintf("%v; the next failure of %s opens a new incident", err, ns))
		case ok:
			st.incidents[ns] = &inc
		}
	}
	return st
}

// handled reports whether the event with key changed the state already.
func (st *state) handled(key string) bool { return slices.Contains(st.recent, key) }

// names returns the namespecs of the open incidents, sorted.
func (st *state) names() []string {
	names := make([]string, 0, len(st.incidents))
	for ns := range st.incidents {
		names = append(names, ns)
	}
	slices.Sort(names)
	return names
}
