package outbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/asctime"
)

// maxNamed is how many subjects a summary names before it only counts.
const maxNamed = 5

// Dropped describes the items a bound made the outbox drop, for the
// summary delivered in their place.
type Dropped struct {
	// Count is how many notifications were dropped.
	Count int `json:"count"`
	// Subjects are the first few of their subjects, oldest first.
	Subjects []string `json:"subjects"`
	// First and Last are the times of the oldest and newest dropped item
	// (their At).
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Sink names where they were to go, Why says which bound was hit, and
	// LastError is the sink's last failure.
	Sink      string `json:"sink"`
	Why       string `json:"why"`
	LastError string `json:"last_error,omitempty"`
}

// add counts one more dropped item into d.
func (d *Dropped) add(it Item) {
	if it.Dropped != nil {
		d.merge(*it.Dropped)
		return
	}
	d.Count++
	if len(d.Subjects) < maxNamed {
		d.Subjects = append(d.Subjects, it.Subject)
	}
	d.span(it.At, it.At)
}

// merge folds an earlier summary into d.
func (d *Dropped) merge(o Dropped) {
	d.Count += o.Count
	for _, s := range o.Subjects {
		if len(d.Subjects) < maxNamed {
			d.Subjects = append(d.Subjects, s)
		}
	}
	d.span(o.First, o.Last)
}

func (d *Dropped) span(first, last time.Time) {
	if d.First.IsZero() || first.Before(d.First) {
		d.First = first
	}
	if last.After(d.Last) {
		d.Last = last
	}
}

// Subject is a one-line title for the summary.
func (d Dropped) Subject() string {
	return fmt.Sprintf("%d notification(s) dropped: %s was unreachable", d.Count, d.Sink)
}

// String is the summary's text: "13 notifications about web crashed at
// ..., db crashed at ... and 11 more were dropped between T1 and T2
// because SMTP server x:25 was unreachable (the outbox keeps at most 1000
// notifications; last error: ...)".
func (d Dropped) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d notification(s) about ", d.Count)
	b.WriteString(strings.Join(d.Subjects, "; "))
	if more := d.Count - len(d.Subjects); more > 0 {
		fmt.Fprintf(&b, " and %d more", more)
	}
	fmt.Fprintf(&b, " were dropped, from between %s and %s, because %s was unreachable (%s)",
		asctime.Format(d.First), asctime.Format(d.Last), d.Sink, d.Why)
	if d.LastError != "" {
		fmt.Fprintf(&b, "; last error: %s", d.LastError)
	}
	return b.String()
}
