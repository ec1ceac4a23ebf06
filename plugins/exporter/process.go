package exporter

import (
	"math"
	"time"

	"github.com/golance/golance/listener"
)

// process is one supervisord process as the exporter knows it: what the
// process table says of it now, what the events told about it since the
// exporter started, what /proc shows, and the last hour of that.
type process struct {
	group, name string
	state       listener.State
	pid         int
	// since is when the process entered its state, as far as the
	// exporter saw (an event, or the table's answer).
	since time.Time
	// start is when the current or last run began, in Unix seconds; 0
	// when unknown.
	start float64
	// exitStatus is the status of the last exit, when exitKnown.
	exitStatus int
	exitKnown  bool

	// Counted from PROCESS_STATE events: what polling cannot see.
	transitions map[transition]uint64
	exits       [2]uint64 // by expected: [0] unexpected, [1] expected
	fatals      uint64
	spawns      uint64

	// From /proc at the last sample, when sampled.
	sampled bool
	rss     uint64
	cpu     float64 // user + system seconds of the current pid
	cpuPID  int     // the pid cpu was read from

	// The last hour, for the status page: samples aligned with the
	// state's sample clock, and the times of recent starts and exits.
	history []point
	starts  []time.Time
	crashes []time.Time // unexpected exits, BACKOFFs and FATALs
	exited  []time.Time // every exit

	// For scrapes: label pairs made once, and the transitions seen,
	// sorted.
	lbl   *procLabels
	order []transition
}

// transition is one edge of supervisord's process state graph.
type transition struct{ from, to listener.State }

// point is one sample: resident memory in bytes and the share of one CPU
// used since the previous sample, NaN where unknown.
type point struct{ rss, cpu float32 }

var noPoint = point{float32(math.NaN()), float32(math.NaN())}

func newProcess(group, name string) *process {
	return &process{group: group, name: name, transitions: map[transition]uint64{}, lbl: newProcLabels(group, name)}
}

// namespec is the name supervisorctl gives the process.
func (p *process) namespec() string { return listener.Namespec(p.group, p.name) }

// failing reports whether the process should stand out: it is FATAL,
// BACKOFF, or EXITED unexpectedly, or it crashed within the last hour.
func (p *process) failing(now time.Time) bool {
	switch p.state {
	case listener.StateFatal, listener.StateBackoff, listener.StateUnknown:
		return true
	}
	return countSince(p.crashes, now.Add(-time.Hour)) > 0
}

// remember appends t to times, keeping only the last hour and at most
// maxRecent entries.
func remember(times []time.Time, t time.Time) []time.Time {
	cut := t.Add(-time.Hour)
	i := 0
	for i < len(times) && times[i].Before(cut) {
		i++
	}
	times = append(times[i:], t)
	if len(times) > maxRecent {
		times = times[len(times)-maxRecent:]
	}
	return times
}

// maxRecent bounds the recent starts and exits kept per process: a
// program that crashes more often than that per hour shows as "256+".
const maxRecent = 256

// countSince counts the times at or after cut.
func countSince(times []time.Time, cut time.Time) int {
	n := 0
	for i := len(times) - 1; i >= 0 && !times[i].Before(cut); i-- {
		n++
	}
	return n
}
