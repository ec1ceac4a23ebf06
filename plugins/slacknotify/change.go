package slacknotify

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/outbox"
)

// A change is what handling one event does to the state: the incidents it
// touches, worked on as copies until the outbox has made the change
// durable, and the messages it queues.
// An event whose change cannot be made durable (without an outbox: whose
// messages cannot be posted) leaves the state as it was, so that its
// redelivery does the same work again, and no more.
type change struct {
	st   *state
	key  string // the event's (outbox.EventKey)
	now  time.Time
	keep time.Duration // how long the place of a retired alert is kept

	incs   map[string]*incident // touched, by namespec; nil: closed
	items  []outbox.Item
	retire []expiry // alerts no new message will name
	drop   []string // alerts whose places are forgotten now
}

func newChange(st *state, key string, now time.Time, keep time.Duration) *change {
	c := &change{st: st, key: key, now: now, keep: keep, incs: map[string]*incident{}}
	for _, e := range st.forget {
		if !e.After.After(now) {
			c.drop = append(c.drop, e.Alert)
		}
	}
	return c
}

// incident returns the open incident of namespec as this change sees it,
// a copy to change and put back, or nil.
func (c *change) incident(namespec string) *incident {
	if inc, ok := c.incs[namespec]; ok {
		return inc
	}
	old := c.st.incidents[namespec]
	if old == nil {
		return nil
	}
	inc := *old
	return &inc
}

// put records inc as changed.
func (c *change) put(inc *incident) { c.incs[inc.Process] = inc }

// close ends inc.
func (c *change) close(inc *incident) {
	c.incs[inc.Process] = nil
	c.retireAlert(inc.Alert)
}

// retireAlert records that no message queued from now on names alert.
func (c *change) retireAlert(alert string) {
	if alert != "" {
		c.retire = append(c.retire, expiry{Alert: alert, After: c.now.Add(c.keep)})
	}
}

// nextKey is the key the next queued message gets.
func (c *change) nextKey() string { return fmt.Sprintf("%s/%d", c.key, len(c.items)) }

// queue queues m, what kind of message it is about inc (for log lines and
// the summary of dropped messages), to be delivered by o for inc's alert.
// at is when its facts were taken.
func (c *change) queue(what string, inc *incident, o op, m message, at time.Time) error {
	d, err := newDelivery(o, inc.Alert, inc.Process, m)
	if err != nil {
		return err
	}
	payload, err := marshal(d)
	if err != nil {
		return err
	}
	c.items = append(c.items, outbox.Item{
		Key:     c.nextKey(),
		Sink:    sinkName,
		Subject: fmt.Sprintf("%s for %s at %s", what, inc.Process, asctime.Format(at)),
		At:      at,
		Payload: payload,
	})
	return nil
}

// empty reports whether the change changes nothing.
func (c *change) empty() bool { return len(c.incs) == 0 && len(c.items) == 0 && len(c.drop) == 0 }

// write makes the change in tx.
func (c *change) write(tx *outbox.Tx) error {
	for _, it := range c.items {
		tx.Enqueue(it)
	}
	for _, ns := range slices.Sorted(maps.Keys(c.incs)) {
		if inc := c.incs[ns]; inc == nil {
			tx.Delete(incidentName(ns))
		} else if err := tx.Save(incidentName(ns), inc); err != nil {
			return err
		}
	}
	for _, alert := range c.drop {
		tx.Delete(refName(alert))
	}
	open := map[string]bool{}
	for ns := range c.st.incidents {
		open[ns] = true
	}
	for ns, inc := range c.incs {
		open[ns] = inc != nil
	}
	idx := index{Recent: c.recent(), Forget: c.forget()}
	for _, ns := range slices.Sorted(maps.Keys(open)) {
		if open[ns] {
			idx.Open = append(idx.Open, ns)
		}
	}
	return tx.Save(indexName, idx)
}

func (c *change) recent() []string {
	r := append(slices.Clone(c.st.recent), c.key)
	if len(r) > recentEvents {
		r = r[len(r)-recentEvents:]
	}
	return r
}

func (c *change) forget() []expiry {
	var out []expiry
	for _, e := range c.st.forget {
		if !slices.Contains(c.drop, e.Alert) {
			out = append(out, e)
		}
	}
	return append(out, c.retire...)
}

// apply makes the change current in st, once it is durable.
func (c *change) apply() {
	for ns, inc := range c.incs {
		if inc == nil {
			delete(c.st.incidents, ns)
		} else {
			c.st.incidents[ns] = inc
		}
	}
	c.st.recent, c.st.forget = c.recent(), c.forget()
}
