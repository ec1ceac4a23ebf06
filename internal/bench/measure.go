package main

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// A workload is the event every delivery of a measurement carries.
type workload struct {
	name string
	env  *envelope
}

// A contender is a listener program the bench measures.
type contender struct {
	name   string
	argv   []string
	events int // timed deliveries per measurement
}

// A sample is one measurement of one contender on one workload.
type sample struct {
	rate     float64       // events answered per second
	cpu      time.Duration // the listener's CPU time per event
	switches float64       // the listener's context switches per event
	driver   time.Duration // the dispatcher's CPU time per event
}

// measure runs the contender twice: once for warm deliveries alone, once
// for warm deliveries followed by the timed ones. The listener's CPU per
// event is the difference of the two lifetimes' rusage divided by the
// timed deliveries, so that start-up and exit cancel out.
func measure(c contender, w workload, warm int) (sample, error) {
	short, err := life(c, w, warm, 0)
	if err != nil {
		return sample{}, err
	}
	long, err := life(c, w, warm, c.events)
	if err != nil {
		return sample{}, err
	}
	n := time.Duration(c.events)
	return sample{
		rate:     float64(c.events) / long.elapsed.Seconds(),
		cpu:      max(long.cpu-short.cpu, 0) / n,
		switches: float64(long.switches-short.switches) / float64(c.events),
		driver:   long.driver / n,
	}, nil
}

type lifetime struct {
	elapsed time.Duration // wall time of the timed deliveries
	usage                 // the listener's whole life
	driver  time.Duration // the dispatcher's CPU time over the timed deliveries
}

// life starts the listener, delivers warm events, then n timed ones, and
// stops it.
func life(c contender, w workload, warm, n int) (lifetime, error) {
	runtime.LockOSThread() // threadCPU below reads this thread's clock
	defer runtime.UnlockOSThread()
	ch, err := startChild(c.argv, 10*time.Minute)
	if err != nil {
		return lifetime{}, fmt.Errorf("starting %s: %w", c.name, err)
	}
	var l lifetime
	err = func() error {
		if err := ch.ready(); err != nil {
			return err
		}
		for range warm {
			if err := ch.deliver(w.env); err != nil {
				return err
			}
		}
		cpu0 := threadCPU()
		start := time.Now()
		for range n {
			if err := ch.deliver(w.env); err != nil {
				return err
			}
		}
		l.elapsed = time.Since(start)
		l.driver = threadCPU() - cpu0
		return nil
	}()
	u, ferr := ch.finish()
	if err != nil {
		return lifetime{}, fmt.Errorf("%s: %w%s", c.name, err, ch.stderrTail())
	}
	if ferr != nil {
		return lifetime{}, fmt.Errorf("%s: %w", c.name, ferr)
	}
	l.usage = u
	return l, nil
}

// threadCPU is the CPU time the calling thread has used, from the
// scheduler's own count (CLOCK_THREAD_CPUTIME_ID, in nanoseconds):
// getrusage's figure is sampled at the timer tick, so a batch of a few
// milliseconds on a loaded machine could read as no time at all (seen as
// "0s per event" in TestInstantListener at a load of 9).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// median returns the median of each figure of ss, taken on its own.
func median(ss []sample) sample {
	rates := make([]float64, len(ss))
	cpus := make([]time.Duration, len(ss))
	switches := make([]float64, len(ss))
	drivers := make([]time.Duration, len(ss))
	for i, s := range ss {
		rates[i], cpus[i], switches[i], drivers[i] = s.rate, s.cpu, s.switches, s.driver
	}
	slices.Sort(rates)
	slices.Sort(cpus)
	slices.Sort(switches)
	slices.Sort(drivers)
	m := len(ss) / 2
	return sample{rate: rates[m], cpu: cpus[m], switches: switches[m], driver: drivers[m]}
}
