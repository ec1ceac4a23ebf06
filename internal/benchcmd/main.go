// Command benchcmd is `make bench`: it drives three listeners over real
// pipes through the test harness's emulated supervisord and reports, for
// TICK events and for 200-character UTF-8 log events, the events per
// second each answers and the CPU time it spends per event:
//
//   - sdk: a golance listener (listener.Run with a handler that does nothing);
//   - baseline: the protocol written by hand, with nothing else: read the
//     header, read len code points, answer OK together with the next READY;
//   - childutils: Python's supervisor.childutils, as superlance uses it
//     (/usr/bin/python3 with Debian's supervisor package).
//
// It also reports the harness's own dispatch rate. The numbers depend on the
// machine; the ratios are what the project's targets are about: the SDK at
// least 0.9x the baseline's events/s, and less CPU per event than
// childutils.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
	"github.com/prometheus/procfs"
)

const childutilsListener = `
import sys
from supervisor import childutils
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    childutils.listener.ok(sys.stdout)
`

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "listen-sdk":
			nop := listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })
			if err := listener.Run(context.Background(), nop); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		case "listen-baseline":
			if err := baseline(os.Stdin, os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
	}
	events := flag.Int("events", 20000, "events per measurement")
	pyEvents := flag.Int("python-events", 10000, "events per measurement for the Python listener")
	rounds := flag.Int("rounds", 5, "measurements per listener and workload; the median is reported")
	flag.Parse()
	if err := run(*events, *pyEvents, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// baseline is the protocol by hand and nothing more. It counts code points
// for len, as it must to stay in step with supervisord 4.
func baseline(stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReaderSize(stdin, 64<<10)
	if _, err := io.WriteString(stdout, "READY\n"); err != nil {
		return err
	}
	for {
		line, err := in.ReadSlice('\n')
		if err != nil {
			return nil
		}
		i := strings.LastIndex(string(line), "len:")
		n, err := strconv.Atoi(string(line[i+4 : len(line)-1]))
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if _, _, err := in.ReadRune(); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(stdout, "RESULT 2\nOKREADY\n"); err != nil {
			return err
		}
	}
}

type workload struct {
	name  string
	event testharness.Event
}

type result struct {
	eventsPerSec float64
	cpuPerEvent  time.Duration
}

func run(n, pyN, rounds int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	log200 := []byte(strings.Repeat("é€a", 66) + "bc\n") // 200 characters and a newline
	workloads := []workload{
		{"TICK_5", testharness.NewTickEvent(listener.Tick5, time.Unix(1795239755, 0))},
		{"log 200 chars UTF-8", testharness.NewProcessLogEvent(testharness.Stdout, "web", "web", 4242, log200)},
	}
	listeners := []struct {
		name    string
		command []string
		events  int
	}{
		{"sdk", []string{self, "listen-sdk"}, n},
		{"baseline", []string{self, "listen-baseline"}, n},
		{"childutils", []string{"/usr/bin/python3", "-c", childutilsListener}, pyN},
	}
	if _, err := exec.Command("/usr/bin/python3", "-c", "import supervisor.childutils").CombinedOutput(); err != nil {
		return fmt.Errorf("/usr/bin/python3 cannot import supervisor.childutils (apt-get install -y supervisor): %w", err)
	}

	// Rounds interleave the listeners so that a change in the machine's
	// load affects them alike; the median of each is reported.
	samples := map[string]map[string][]result{}
	for _, w := range workloads {
		samples[w.name] = map[string][]result{}
	}
	for round := 0; round < rounds; round++ {
		for _, w := range workloads {
			for _, l := range listeners {
				r, err := measure(l.command, w.event, l.events)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", l.name, w.name, err)
				}
				samples[w.name][l.name] = append(samples[w.name][l.name], r)
			}
		}
	}
	results := map[string]map[string]result{}
	for w, byListener := range samples {
		results[w] = map[string]result{}
		for l, rs := range byListener {
			results[w][l] = median(rs)
		}
	}
	harness, err := measureHarness(n)
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Printf("median of %d rounds; %d events per measurement (%d for childutils)\n\n", rounds, n, pyN)
	fmt.Fprintln(tw, "workload\tlistener\tevents/s\tCPU µs/event\t")
	for _, w := range workloads {
		for _, l := range listeners {
			r := results[w.name][l.name]
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t\n", w.name, l.name, r.eventsPerSec, float64(r.cpuPerEvent.Nanoseconds())/1e3)
		}
	}
	tw.Flush()
	fmt.Println()
	for _, w := range workloads {
		r := results[w.name]
		fmt.Printf("%s: sdk/baseline events/s = %.2fx (target >= 0.9x); sdk/childutils CPU per event = %.2fx (target < 1x)\n",
			w.name, r["sdk"].eventsPerSec/r["baseline"].eventsPerSec,
			float64(r["sdk"].cpuPerEvent)/float64(r["childutils"].cpuPerEvent))
	}
	fmt.Printf("harness dispatch rate (in-process minimal listener, TICK_5): %.0f events/s (supervisord 4.2.5: about 2,000)\n", harness)
	return nil
}

// measure runs command as the only listener of a pool, sends it n copies of
// ev through the harness and returns its rate and CPU time per event.
func measure(command []string, ev testharness.Event, n int) (result, error) {
	s, err := testharness.New(testharness.Config{
		Pools: []testharness.Pool{{
			Name:          "bench",
			Events:        []listener.EventType{listener.AnyEvent},
			BufferSize:    n + 1,
			ProcessConfig: testharness.ProcessConfig{Command: command},
		}},
		WaitTimeout: 10 * time.Minute,
	})
	if err != nil {
		return result{}, err
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.WaitListenerState(ctx, "bench", testharness.ListenerReady); err != nil {
		return result{}, err
	}
	// Warm up (Python imports, Go runtime) before measuring.
	const warm = 200
	for range warm {
		s.Notify(ev)
	}
	if err := s.WaitResults(ctx, "bench", warm); err != nil {
		return result{}, err
	}
	pid := s.Process("bench").PID()
	cpu0, err := cpuTime(pid)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	for range n {
		s.Notify(ev)
	}
	if err := s.WaitResults(ctx, "bench", warm+n); err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return result{}, err
	}
	if s.Transcript().WentUnknown("bench") {
		return result{}, fmt.Errorf("the listener went UNKNOWN")
	}
	return result{
		eventsPerSec: float64(n) / elapsed.Seconds(),
		cpuPerEvent:  (cpu1 - cpu0) / time.Duration(n),
	}, nil
}

// cpuTime is the CPU time a process has used so far, summed over its
// threads (a Go program runs several), to the nanosecond from schedstat
// rather than /proc/<pid>/stat's clock ticks.
// median returns the median rate and the median CPU time of rs, each
// taken on its own.
func median(rs []result) result {
	rates := make([]float64, len(rs))
	cpus := make([]time.Duration, len(rs))
	for i, r := range rs {
		rates[i], cpus[i] = r.eventsPerSec, r.cpuPerEvent
	}
	slices.Sort(rates)
	slices.Sort(cpus)
	return result{eventsPerSec: rates[len(rates)/2], cpuPerEvent: cpus[len(cpus)/2]}
}

func cpuTime(pid int) (time.Duration, error) {
	threads, err := procfs.AllThreads(pid)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, t := range threads {
		st, err := t.Schedstat()
		if err != nil {
			continue // the thread ended meanwhile
		}
		total += st.RunningNanoseconds
	}
	return time.Duration(total), nil
}

// measureHarness is the harness's own dispatch rate, with an in-process
// listener that answers over real pipes.
func measureHarness(n int) (float64, error) {
	nop := listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })
	s, err := testharness.New(testharness.Config{
		Pools:       []testharness.Pool{{Name: "bench", Events: []listener.EventType{listener.Tick}, BufferSize: n + 1, Handler: nop}},
		WaitTimeout: 10 * time.Minute,
	})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.WaitListenerState(ctx, "bench", testharness.ListenerReady); err != nil {
		return 0, err
	}
	ev := testharness.NewTickEvent(listener.Tick5, time.Unix(1795239755, 0))
	start := time.Now()
	for range n {
		s.Notify(ev)
	}
	if err := s.WaitResults(ctx, "bench", n); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
