package exporter

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/alertmanager"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
)

// Alert names. One process can have both firing: it crashed, and then
// supervisord gave up restarting it.
const (
	alertExited = "SupervisordProcessExited"
	alertFatal  = "SupervisordProcessFatal"
)

// alertsState names the outbox state that holds the firing alerts, so that
// a restarted exporter goes on resending and resolving them.
const alertsState = "alerts"

// alerter holds the alerts that fire at Alertmanager. A transition (an
// alert fires, an alert is resolved) is queued in the outbox for every
// Alertmanager, together with the new set of firing alerts, in one durable
// step; the resend of what fires, every resend interval, goes straight to
// each Alertmanager and is not stored, since a lost resend costs nothing
// that the next one does not mend.
type alerter struct {
	ob     *outbox.Outbox
	sinks  []namedSink
	labels map[string]string // host and --alertmanager.label
	resend time.Duration
	clock  clock.Clock
	log    *slog.Logger

	// mu guards firing, which only the handler changes (one event at a
	// time) and the resends read.
	mu     sync.Mutex
	firing map[string]alertmanager.Alert // by alertID
}

type namedSink struct {
	name string
	sink *alertmanager.Sink
}

// alertID identifies an alert by the labels that vary.
func alertID(alertname, group, name string) string {
	return alertname + "\x00" + group + "\x00" + name
}

// load reads the alerts an earlier run left firing.
func (a *alerter) load() error {
	a.firing = map[string]alertmanager.Alert{}
	_, err := a.ob.LoadState(alertsState, &a.firing)
	return err
}

// count returns how many alerts fire.
func (a *alerter) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.firing)
}

// fire makes the alert al fire, unless it fires already; key identifies
// the cause (the event) for the outbox.
func (a *alerter) fire(ctx context.Context, al alertmanager.Alert, key, subject string) error {
	id := alertID(al.Name(), al.Labels["group"], al.Labels["process"])
	a.mu.Lock()
	_, already := a.firing[id]
	next := maps.Clone(a.firing)
	a.mu.Unlock()
	if already {
		return nil
	}
	next[id] = al
	return a.commit(ctx, next, []alertmanager.Alert{al}, key+"/firing", subject)
}

// resolve resolves every alert firing about group:name, as of at.
func (a *alerter) resolve(ctx context.Context, group, name string, at time.Time, key, why string) error {
	a.mu.Lock()
	next := maps.Clone(a.firing)
	var resolved []alertmanager.Alert
	for _, alertname := range []string{alertExited, alertFatal} {
		id := alertID(alertname, group, name)
		if al, ok := next[id]; ok {
			al.EndsAt = at.UTC()
			resolved = append(resolved, al)
			delete(next, id)
		}
	}
	a.mu.Unlock()
	if len(resolved) == 0 {
		return nil
	}
	return a.commit(ctx, next, resolved, key+"/resolved", listener.Namespec(group, name)+" "+why)
}

// commit queues alerts for every Alertmanager and saves next as the firing
// set, in one outbox update; only once that is durable does next become
// the firing set.
func (a *alerter) commit(ctx context.Context, next map[string]alertmanager.Alert, alerts []alertmanager.Alert, key, subject string) error {
	err := a.ob.Update(ctx, func(tx *outbox.Tx) error {
		for _, s := range a.sinks {
			for _, al := range alerts {
				it, err := s.sink.Item(s.name, key+"/"+al.Name(), subject, al)
				if err != nil {
					return err
				}
				tx.Enqueue(it)
			}
		}
		return tx.Save(alertsState, next)
	})
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.firing = next
	a.mu.Unlock()
	for _, al := range alerts {
		ns := listener.Namespec(al.Labels["group"], al.Labels["process"])
		if al.EndsAt.IsZero() {
			a.log.Info(fmt.Sprintf("alert %s firing for %s: %s", al.Name(), ns, al.Annotations["summary"]))
		} else {
			a.log.Info(fmt.Sprintf("alert %s resolved: %s", al.Name(), subject))
		}
	}
	return nil
}

// snapshot returns the firing alerts, sorted for stable posts.
func (a *alerter) snapshot() []alertmanager.Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]string, 0, len(a.firing))
	for id := range a.firing {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]alertmanager.Alert, len(ids))
	for i, id := range ids {
		out[i] = a.firing[id]
	}
	return out
}

// run resends the firing alerts to every Alertmanager at each resend
// interval until ctx ends, each Alertmanager on its own, so that one that
// is down or slow does not delay the others.
func (a *alerter) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range a.sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failures := log.NewRecurring(a.log, slog.LevelWarn, a.clock)
			for clock.Sleep(ctx, a.clock, a.resend) == nil {
				n := 0
				err := s.sink.Resend(ctx, func() []alertmanager.Alert {
					al := a.snapshot()
					n = len(al)
					return al
				})
				switch {
				case err != nil && ctx.Err() == nil:
					failures.Fail(fmt.Sprintf("cannot re-send %d firing alert(s) to %s: %v", n, s.sink, err))
				case err == nil:
					failures.Recover(fmt.Sprintf("%s takes the firing alerts again", s.sink))
				}
			}
		}()
	}
	wg.Wait()
}
