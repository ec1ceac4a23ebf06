// Command bench is the second half of `make bench`. Over real pipes, a
// lean dispatcher plays supervisord to one listener process at a time,
// both pinned to one CPU, and reports for TICK events and for
// 200-character UTF-8 log events the events per second each listener
// answers, the CPU time it spends per event (the kernel's rusage of the
// listener process; a short life is subtracted from a long one, so that
// start-up and exit cancel out) and its context switches per event. Each
// figure is the median of several rounds, which interleave the listeners.
//
// The listeners:
//
//   - c: the reference, internal/cref's listener.c built with the system's compiler
//     ($CC, else cc): one read and one write per event, the physical
//     limit. Without a compiler the bench says so and reports the Go
//     figures without ratios;
//   - sdk: listener.Run with a handler that does nothing;
//   - go-by-hand: the protocol by hand in Go over bufio and os.File, as
//     a Go program without the SDK would speak it; the SDK's answers by
//     raw write and its passes through the scheduler (listener/serve.go)
//     are what separates the two;
//   - childutils: Python's supervisor.childutils as superlance uses it,
//     when a python3 that imports supervisor is installed;
//   - any program named with -listener name=command.
//
// The dispatcher (dispatcher.go) writes supervisord 4.2's framing
// (envelope.go, checked against a capture of the real one), one write per
// envelope, and checks each answer as supervisord does, reading with plain
// blocking system calls. Its own cost per event, measured against a
// listener that answers instantly (instant.go), is reported beside the
// listeners': were it not below the least any of them spends, the figures
// would be the dispatcher's.
//
// On one CPU an event costs the dispatcher's time plus the listener's, so
// a ratio of events/s understates a ratio of CPU per event; the project's
// targets are both: the SDK at least 0.9x the C listener's events/s and
// at most 1.25x its CPU per event. Pinning matters: across two CPUs a
// virtual machine's wake-up latency dominates and every listener falls to
// the same low rate. A Go listener pinned to one CPU runs with
// GOMAXPROCS=1, as on a one-CPU machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/golance/golance/internal/cref"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) > 1 {
		if serve, ok := listeners[os.Args[1]]; ok {
			if err := serve(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
	}
	var o options
	flag.IntVar(&o.events, "events", 100000, "timed events per measurement")
	flag.IntVar(&o.pyEvents, "python-events", 10000, "timed events per measurement for childutils")
	flag.IntVar(&o.warm, "warm", 2000, "events delivered before timing starts")
	flag.IntVar(&o.rounds, "rounds", 5, "measurements per listener and workload; the median is reported")
	flag.IntVar(&o.cpu, "cpu", -1, "the CPU to pin the dispatcher and the listeners to (default: the last one allowed)")
	flag.StringVar(&o.only, "only", "", "comma-separated listeners to measure (default: all)")
	flag.Var(&o.extra, "listener", "name=command: measure this listener program too (repeatable; the command is split on spaces)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// listeners are the Go listeners, run as `bench <name>` by the dispatcher.
var listeners = map[string]func() error{
	"listen-sdk": func() error {
		nop := listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })
		return listener.Run(context.Background(), nop)
	},
	"listen-go-by-hand": func() error { return minimal(os.Stdin, os.Stdout) },
}

const childutilsListener = `
import sys
from supervisor import childutils
while True:
    try:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    except KeyError:  # readline() found the end of the stream
        break
    childutils.listener.ok(sys.stdout)
`

type options struct {
	events, pyEvents, warm, rounds, cpu int
	only                                string
	extra                               extraListeners
}

// extraListeners are the listeners named on the command line.
type extraListeners []struct {
	name string
	argv []string
}

func (e *extraListeners) String() string { return fmt.Sprint(len(*e), " listeners") }

func (e *extraListeners) Set(v string) error {
	name, command, ok := strings.Cut(v, "=")
	argv := strings.Fields(command)
	if !ok || name == "" || len(argv) == 0 {
		return fmt.Errorf("want name=command, as in -listener 'mine=/usr/local/bin/mylistener --flag'")
	}
	*e = append(*e, struct {
		name string
		argv []string
	}{name, argv})
	return nil
}

func run(o options) error {
	cpu, err := pin(o.cpu)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "golance-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var contenders []contender
	var notes []string
	if cc, err := cref.Build(dir, "listener"); err != nil {
		notes = append(notes, fmt.Sprintf("C reference: %v; the Go figures follow without ratios.", err))
	} else {
		contenders = append(contenders, contender{"c", []string{cc}, o.events})
	}
	contenders = append(contenders,
		contender{"sdk", []string{self, "listen-sdk"}, o.events},
		contender{"go-by-hand", []string{self, "listen-go-by-hand"}, o.events})
	if py, err := pythonWithSupervisor(); err != nil {
		notes = append(notes, fmt.Sprintf("childutils: %v; not measured.", err))
	} else {
		contenders = append(contenders, contender{"childutils", []string{py, "-c", childutilsListener}, o.pyEvents})
	}
	for _, l := range o.extra {
		contenders = append(contenders, contender{l.name, l.argv, o.events})
	}
	if o.only != "" {
		contenders = selectContenders(contenders, strings.Split(o.only, ","))
	}

	log200 := "processname:web groupname:web pid:4242 channel:stdout\n" + strings.Repeat("é€a", 66) + "bc\n"
	workloads := []workload{
		{"TICK_5", newEnvelope("supervisor", "bench", "TICK_5", "when:1795239755")},
		{"log 200 chars UTF-8", newEnvelope("supervisor", "bench", "PROCESS_LOG_STDOUT", log200)},
	}

	r := report{cpu: cpu, opts: o, notes: notes, workloads: workloads, contenders: contenders, loadBefore: loadAverage()}
	r.samples = make(map[string]map[string][]sample)
	r.instant = make(map[string][]time.Duration)
	for _, w := range workloads {
		r.samples[w.name] = make(map[string][]sample)
	}
	// Rounds interleave the listeners, so that a change in the machine's
	// load touches them alike.
	for range o.rounds {
		for _, w := range workloads {
			cost, err := measureInstant(w, o.events)
			if err != nil {
				return fmt.Errorf("%s, the dispatcher alone: %w", w.name, err)
			}
			r.instant[w.name] = append(r.instant[w.name], cost)
			for _, c := range contenders {
				s, err := measure(c, w, o.warm)
				if err != nil {
					return fmt.Errorf("%s: %w", w.name, err)
				}
				r.samples[w.name][c.name] = append(r.samples[w.name][c.name], s)
			}
		}
	}
	r.loadAfter = loadAverage()
	r.print(os.Stdout)
	return nil
}

// pin locks the calling goroutine to its thread and that thread to one
// CPU. Listeners started from it inherit the affinity.
func pin(cpu int) (int, error) {
	runtime.LockOSThread()
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return 0, err
	}
	if cpu < 0 {
		for i := 0; i < 1024; i++ {
			if set.IsSet(i) {
				cpu = i
			}
		}
	} else if !set.IsSet(cpu) {
		return 0, fmt.Errorf("CPU %d is not one this process may use (%s)", cpu, cpuList(set))
	}
	set.Zero()
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return 0, fmt.Errorf("pinning to CPU %d: %w", cpu, err)
	}
	return cpu, nil
}

// pythonWithSupervisor finds a python3 that imports supervisor.childutils:
// Debian's supervisor package installs it for /usr/bin/python3, which need
// not be the python3 first on PATH.
func pythonWithSupervisor() (string, error) {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import supervisor.childutils").Run() == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no python3 imports supervisor.childutils (apt-get install supervisor)")
}

func selectContenders(all []contender, names []string) []contender {
	var out []contender
	for _, c := range all {
		for _, n := range names {
			if c.name == strings.TrimSpace(n) {
				out = append(out, c)
			}
		}
	}
	return out
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
