package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func testReport(contenders ...string) *report {
	r := &report{
		workloads: []workload{{name: "TICK_5"}},
		samples:   map[string]map[string][]sample{"TICK_5": {}},
		instant:   map[string][]time.Duration{"TICK_5": {time.Microsecond, time.Microsecond, time.Microsecond}},
		opts:      options{rounds: 3},
	}
	for _, c := range contenders {
		r.contenders = append(r.contenders, contender{name: c})
	}
	return r
}

// TestRatiosComparePerRound: each round's ratio compares two listeners
// under the same load, and the median of those is reported, not the ratio
// of two medians taken from different rounds.
func TestRatiosComparePerRound(t *testing.T) {
	r := testReport("c", "sdk")
	r.samples["TICK_5"]["c"] = []sample{{rate: 100, cpu: 4000}, {rate: 50, cpu: 8000}, {rate: 200, cpu: 2000}}
	r.samples["TICK_5"]["sdk"] = []sample{{rate: 90, cpu: 5000}, {rate: 40, cpu: 10000}, {rate: 190, cpu: 2200}}
	rate, cpu := r.ratios("TICK_5", "sdk", "c")
	if rate != 0.9 || cpu != 1.25 {
		t.Fatalf("ratios %.3f, %.3f; want 0.9 and 1.25", rate, cpu)
	}
	var out bytes.Buffer
	r.print(&out)
	if !strings.Contains(out.String(), "TICK_5: sdk/c events/s 0.90x (target >= 0.90x), CPU per event 1.25x (target <= 1.25x)") {
		t.Fatalf("report:\n%s", out.String())
	}
}

func TestReportWithoutTheCReferenceHasNoRatios(t *testing.T) {
	r := testReport("sdk")
	r.notes = []string{"C reference: no C compiler: cc is not on PATH; the Go figures follow without ratios."}
	r.samples["TICK_5"]["sdk"] = []sample{{rate: 90, cpu: 5000}, {rate: 90, cpu: 5000}, {rate: 90, cpu: 5000}}
	var out bytes.Buffer
	r.print(&out)
	if s := out.String(); !strings.Contains(s, "cc is not on PATH") || strings.Contains(s, "sdk/c") || !strings.Contains(s, "90") {
		t.Fatalf("report:\n%s", s)
	}
}

func TestDispatcherNoteSaysWhenTheDispatcherBoundsAListener(t *testing.T) {
	r := testReport("c", "fast")
	r.samples["TICK_5"]["c"] = []sample{{cpu: 4000, driver: 4000}, {cpu: 4000, driver: 4000}, {cpu: 4000, driver: 4000}}
	r.samples["TICK_5"]["fast"] = []sample{{cpu: 900, driver: 3000}, {cpu: 900, driver: 3000}, {cpu: 900, driver: 3000}}
	if note := r.dispatcherNote("TICK_5"); !strings.Contains(note, "as much as fast (0.90 µs): the figures are bounded by the dispatcher") {
		t.Fatal(note)
	}
	r.samples["TICK_5"]["fast"] = []sample{{cpu: 2000, driver: 3000}, {cpu: 2000, driver: 3000}, {cpu: 2000, driver: 3000}}
	if note := r.dispatcherNote("TICK_5"); !strings.Contains(note, "50% of the least a listener spends (fast, 2.00 µs)") {
		t.Fatal(note)
	}
}
