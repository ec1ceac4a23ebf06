package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// A report is what one run of the bench found.
type report struct {
	cpu        int
	opts       options
	notes      []string
	workloads  []workload
	contenders []contender
	samples    map[string]map[string][]sample // by workload, then listener
	instant    map[string][]time.Duration     // the dispatcher alone, by workload
	loadBefore string
	loadAfter  string
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "dispatcher and listeners pinned to CPU %d; median of %d rounds of %d timed events (%d for childutils) after %d to warm up\n",
		r.cpu, r.opts.rounds, r.opts.events, r.opts.pyEvents, r.opts.warm)
	fmt.Fprintf(w, "load average: %s before, %s after\n", r.loadBefore, r.loadAfter)
	for _, n := range r.notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tlistener\tevents/s\tCPU µs/event\tswitches/event\tdispatcher µs/event\t")
	for _, wl := range r.workloads {
		for _, c := range r.contenders {
			m := median(r.samples[wl.name][c.name])
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t\n", wl.name, c.name, m.rate, micros(m.cpu), m.switches, micros(m.driver))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, wl := range r.workloads {
		fmt.Fprintln(w, r.dispatcherNote(wl.name))
	}
	if !r.has("c") || !r.has("sdk") {
		return
	}
	fmt.Fprintln(w)
	for _, wl := range r.workloads {
		rate, cpu := r.ratios(wl.name, "sdk", "c")
		fmt.Fprintf(w, "%s: sdk/c events/s %.2fx (target >= 0.90x), CPU per event %.2fx (target <= 1.25x)\n", wl.name, rate, cpu)
	}
}

// dispatcherNote compares the dispatcher's own cost, measured against a
// listener that answers instantly, with the least any listener spends. A
// listener cheaper than the dispatcher would be measured against the
// dispatcher's limit rather than its own, and the note says so.
func (r *report) dispatcherNote(workload string) string {
	costs := slices.Clone(r.instant[workload])
	slices.Sort(costs)
	alone := costs[len(costs)/2]
	var least sample
	var cheapest string
	for _, c := range r.contenders {
		if m := median(r.samples[workload][c.name]); cheapest == "" || m.cpu < least.cpu {
			least, cheapest = m, c.name
		}
	}
	note := fmt.Sprintf("%s: the dispatcher alone (a listener that answers instantly) spends %.2f µs per event", workload, micros(alone))
	if cheapest == "" {
		return note
	}
	if alone >= least.cpu {
		return note + fmt.Sprintf(", as much as %s (%.2f µs): the figures are bounded by the dispatcher", cheapest, micros(least.cpu))
	}
	return note + fmt.Sprintf(", %.0f%% of the least a listener spends (%s, %.2f µs); in lockstep it also sleeps and wakes once per event, as supervisord does: %.2f µs against %s",
		100*float64(alone)/float64(least.cpu), cheapest, micros(least.cpu), micros(least.driver), cheapest)
}

func (r *report) has(name string) bool {
	return slices.ContainsFunc(r.contenders, func(c contender) bool { return c.name == name })
}

// ratios returns the median over rounds of a's events/s and CPU per event
// relative to b's in the same round: the rounds interleave the listeners,
// so each round's ratio compares them under the same load.
func (r *report) ratios(workload, a, b string) (rate, cpu float64) {
	as, bs := r.samples[workload][a], r.samples[workload][b]
	rates := make([]float64, len(as))
	cpus := make([]float64, len(as))
	for i := range as {
		rates[i] = as[i].rate / bs[i].rate
		cpus[i] = float64(as[i].cpu) / float64(bs[i].cpu)
	}
	slices.Sort(rates)
	slices.Sort(cpus)
	return rates[len(rates)/2], cpus[len(cpus)/2]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
