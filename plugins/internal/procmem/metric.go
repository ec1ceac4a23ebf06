package procmem

import (
	"fmt"
	"strings"
)

// A Metric is a way of counting a process's memory.
type Metric int

// The metrics a Snapshot can report.
const (
	// RSS is the resident set size: every page of the process in RAM,
	// shared ones included. It is what ps reports and superlance's memmon
	// compares.
	RSS Metric = iota
	// PSS is the proportional set size: private pages plus each shared
	// page divided by the number of processes sharing it.
	PSS
	// USS is the unique set size: the pages only this process maps, the
	// memory its exit would give back.
	USS
)

// Metrics lists every Metric, in the order of their constants.
var Metrics = []Metric{RSS, PSS, USS}

// ParseMetric returns the metric named s ("rss", "pss" or "uss", in any
// case).
func ParseMetric(s string) (Metric, error) {
	for _, m := range Metrics {
		if strings.EqualFold(s, m.Name()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown memory metric %q: use rss, pss or uss", s)
}

// Name returns the metric's name as flags spell it: "rss", "pss" or "uss".
func (m Metric) Name() string {
	switch m {
	case RSS:
		return "rss"
	case PSS:
		return "pss"
	case USS:
		return "uss"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// String returns the metric's abbreviation as log lines spell it: "RSS",
// "PSS" or "USS".
func (m Metric) String() string {
	switch m {
	case RSS:
		return "RSS"
	case PSS:
		return "PSS"
	case USS:
		return "USS"
	}
	return m.Name()
}
