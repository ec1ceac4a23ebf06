package testharness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/golance/golance/listener"
)

// Config describes an emulated supervisord: what its configuration file
// would hold, plus the knobs a test needs (clock, ticks, timeouts). The zero
// value of every field means supervisord's default, except where a field's
// comment says otherwise (StartSecs is the notable one: zero means no delay,
// not supervisord's 1 second, so tests are fast by default).
type Config struct {
	// Identifier is [supervisord] identifier: the server field of every
	// envelope and the answer to getIdentification. Default "supervisor".
	Identifier string

	// Groups are [group:x] sections. Programs they name belong to them
	// instead of forming a group of their own.
	Groups []Group
	// Programs are [program:x] sections.
	Programs []Program
	// Pools are [eventlistener:x] sections.
	Pools []Pool

	// RPC starts the fake XML-RPC server on a unix socket. Children then
	// get SUPERVISOR_SERVER_URL, as under a real [unix_http_server].
	RPC bool
	// Username and Password, when set, make the RPC server demand HTTP
	// basic authentication and answer 401 otherwise, like supervisord.
	Username, Password string

	// Dir holds log files; default a new temporary directory removed by
	// Close. The RPC socket always lives in a short temporary directory of
	// its own, because unix socket paths are limited to about 100 bytes.
	Dir string
	// Env is the environment children start from (supervisord passes its
	// own); default os.Environ().
	Env []string

	// Clock is the source of time; default RealClock.
	Clock Clock
	// ClockTicks emits TICK_5, TICK_60 and TICK_3600 whenever Clock enters
	// a new slice, as supervisord does. With the real clock that is every 5
	// seconds; with a FakeClock it happens as the test advances it.
	ClockTicks bool
	// TickEvery, when positive, emits ticks fast: every TickEvery of real
	// time a tick clock, starting at Clock.Now(), advances by 5 seconds and
	// the TICK_* events whose slices rolled over are notified, so TICK_60
	// comes every 12th time. Zero means no accelerated ticks.
	TickEvery time.Duration
	// BackoffUnit is how long a process waits in BACKOFF after its n-th
	// failed start: n units. supervisord's unit is one second (the default);
	// a test can shorten it to reach FATAL quickly.
	BackoffUnit time.Duration

	// WaitTimeout bounds every Wait method in addition to its context, so
	// that a test without a deadline fails instead of hanging. Default 10s.
	WaitTimeout time.Duration
}

// Group is a [group:x] section: a heterogeneous process group made of the
// processes of the named programs.
type Group struct {
	Name     string   // the x of [group:x]
	Programs []string // programs=: names of Config.Programs entries
	// Priority orders groups at start and shutdown; zero means 999.
	Priority int
}

// Program is a [program:x] section.
type Program struct {
	Name string // the x of [program:x]; also the group's name unless a Group claims it
	ProcessConfig
}

// Pool is an [eventlistener:x] section: a pool of listener processes that
// share one event buffer.
type Pool struct {
	Name string // the x of [eventlistener:x], the envelope's pool field
	// Events lists the subscribed types. A base type also subscribes to its
	// subtypes, and overlapping entries (TICK and TICK_5) make supervisord
	// deliver the same event twice, with the same serials; the harness does
	// the same. Duplicate names count once.
	Events []listener.EventType
	// BufferSize is how many events the pool holds while no listener is
	// free; the oldest is discarded when it overflows. Zero means 10.
	BufferSize int

	ProcessConfig

	// Handler runs each listener of the pool in-process with
	// listener.Serve over real pipes, instead of Command or Run. Serve's
	// logger writes to the process's stderr (see Process.Stderr) unless
	// ServeOptions sets another.
	Handler listener.Handler
	// ServeOptions are passed to listener.Serve after the logger option.
	ServeOptions []listener.Option

	// ResultHandler, if set, replaces supervisord's default result handler
	// (only the exact body "OK" means processed), like result_handler=.
	// Returning nil accepts the result, ErrReject rejects the event (it is
	// rebuffered and the listener stays usable), any other error puts the
	// listener in UNKNOWN and rebuffers the event.
	ResultHandler func(ev Event, body []byte) error
}

// ErrReject is returned by a Pool's ResultHandler to reject an event the
// way supervisord's RejectEvent does.
var ErrReject = errors.New("testharness: event rejected")

// RunFunc is the body of an in-process child. It is given the child's end
// of three real pipes and runs until it returns; ctx is cancelled when the
// process is sent a signal that would terminate it (and stdin is closed at
// the same time). Returning nil is exit status 0, ExitCode(n) is status n,
// any other error status 1. A RunFunc must return once ctx is done or its
// pipes are closed: one that ignores both is abandoned (SIGKILL closes its
// pipes and counts it dead) and delays Close by a few seconds.
type RunFunc func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error

// ProcessConfig holds the settings [program:x] and [eventlistener:x]
// share. A process runs Command as a real child, or Run in-process; with
// neither it is virtual: it "runs" until the test makes it exit (see
// Process.Exit) or signals it.
type ProcessConfig struct {
	// Command is the argv of a real child process, resolved on PATH.
	Command []string
	// Run is an in-process child.
	Run RunFunc
	// Dir is the child's working directory (directory=).
	Dir string
	// Env adds or overrides variables (environment=), as "KEY=value".
	Env []string

	// NumProcs is how many processes the section makes; zero means 1.
	NumProcs int
	// NumProcsStart is the first process_num.
	NumProcsStart int
	// ProcessName is the process_name= template, in Python %-format with
	// program_name, process_num, group_name, numprocs and host_node_name,
	// for example "%(program_name)s_%(process_num)02d". Default
	// "%(program_name)s". NumProcs > 1 requires %(process_num).
	ProcessName string
	// Priority orders start and shutdown; zero means supervisord's default
	// (999 for programs, -1 for pools). Pools with equal priority receive
	// each other's rejected events: see the package documentation.
	Priority int

	// NoAutostart is autostart=false.
	NoAutostart bool
	// Autorestart is autorestart=; the zero value is supervisord's default,
	// unexpected.
	Autorestart Autorestart
	// StartSecs is how long a process must stay up to count as started
	// (RUNNING). Zero means at once — not supervisord's default of 1s.
	StartSecs time.Duration
	// StartRetries is startretries=; zero means 3 and a negative value 0.
	StartRetries int
	// ExitCodes are the expected exit codes; nil means [0].
	ExitCodes []int
	// StopSignal is stopsignal=; zero means SIGTERM.
	StopSignal syscall.Signal
	// StopWaitSecs is how long after the stop signal SIGKILL follows; zero
	// means 10s and a negative value no wait at all.
	StopWaitSecs time.Duration
	// StopAsGroup and KillAsGroup signal the child's whole process group.
	StopAsGroup, KillAsGroup bool

	// RedirectStderr sends stderr to the stdout pipe (not allowed for
	// pools, as in supervisord).
	RedirectStderr bool
	// StdoutEvents and StderrEvents are stdout_events_enabled= and
	// stderr_events_enabled=: every chunk of output becomes a PROCESS_LOG
	// event. A listener's stdout carries the protocol and never does.
	StdoutEvents, StderrEvents bool
	// StdoutCaptureMaxBytes and StderrCaptureMaxBytes enable capture mode:
	// output between <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END-->
	// becomes a PROCESS_COMMUNICATION event keeping the last this many bytes.
	StdoutCaptureMaxBytes, StderrCaptureMaxBytes int

	// StdoutLogfile and StderrLogfile are stdout_logfile= and
	// stderr_logfile=: "" (or AUTO) is a file in Config.Dir, NONE is no log
	// (the read methods then fault with NO_FILE), anything else a path.
	StdoutLogfile, StderrLogfile string

	// ServerURL overrides SUPERVISOR_SERVER_URL for this process.
	ServerURL string

	// commandTemplate is command= as ParseConfig read it: it is expanded
	// again for each process, since it may use %(process_num)d.
	commandTemplate string
}

// Autorestart is the autorestart= setting.
type Autorestart int

// The three autorestart policies. The zero value is supervisord's default.
const (
	// RestartUnexpected restarts a process that exits with a code not in
	// ExitCodes.
	RestartUnexpected Autorestart = iota
	// RestartAlways restarts a process whenever it exits (autorestart=true).
	RestartAlways
	// RestartNever never restarts it (autorestart=false).
	RestartNever
)

// String returns the policy as autorestart= spells it.
func (a Autorestart) String() string {
	switch a {
	case RestartAlways:
		return "true"
	case RestartNever:
		return "false"
	}
	return "unexpected"
}

// ExitCode is an error a RunFunc returns to exit with a given status.
type ExitCode int

// Error describes the exit status.
func (e ExitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ConfigError reports a configuration supervisord would refuse, naming the
// section and what to change.
type ConfigError struct {
	Section string // "program:x", "eventlistener:x", "group:x" or ""
	Problem string // what is wrong and how to fix it
}

// Error names the section and the problem on one line.
func (e *ConfigError) Error() string {
	if e.Section == "" {
		return "testharness: " + e.Problem
	}
	return "testharness: [" + e.Section + "] " + e.Problem
}

// processSpec is one process after numprocs expansion and defaults.
type processSpec struct {
	name      string
	program   string // the section name
	group     string
	priority  int
	cfg       ProcessConfig
	listener  bool
	command   string // rendered for getAllConfigInfo
	exitcodes []int
	retries   int
}

// groupSpec is one process group after validation, in creation order.
type groupSpec struct {
	name       string
	priority   int
	procs      []processSpec
	pool       bool
	events     []listener.EventType
	bufferSize int
	judge      func(ev Event, body []byte) error
}

// validName reports whether name is a valid process or group name
// (datatypes.process_or_group_name: no space, colon or slash).
func validName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " :/\t\n\r")
}

// resolve validates cfg and expands it into groups, in supervisord's order:
// by priority, then by name.
func (cfg *Config) resolve() ([]groupSpec, error) {
	var groups []groupSpec
	seenGroup := map[string]bool{}
	programs := map[string]*Program{}
	for i := range cfg.Programs {
		p := &cfg.Programs[i]
		if !validName(p.Name) {
			return nil, &ConfigError{Section: "program:" + p.Name, Problem: "invalid name: it must be non-empty and contain no space, ':' or '/'"}
		}
		if programs[p.Name] != nil {
			return nil, &ConfigError{Section: "program:" + p.Name, Problem: "defined twice; give each program a unique name"}
		}
		programs[p.Name] = p
	}
	inGroup := map[string]bool{}
	for _, g := range cfg.Groups {
		section := "group:" + g.Name
		if !validName(g.Name) {
			return nil, &ConfigError{Section: section, Problem: "invalid name: it must be non-empty and contain no space, ':' or '/'"}
		}
		if seenGroup[g.Name] {
			return nil, &ConfigError{Section: section, Problem: "group name used twice; rename one group"}
		}
		seenGroup[g.Name] = true
		gs := groupSpec{name: g.Name, priority: orDefault(g.Priority, 999)}
		for _, name := range g.Programs {
			p := programs[name]
			if p == nil {
				return nil, &ConfigError{Section: section, Problem: fmt.Sprintf("names unknown program %s; add it to Config.Programs", name)}
			}
			inGroup[name] = true
			procs, err := expandProcesses("program:"+name, name, g.Name, p.ProcessConfig, false)
			if err != nil {
				return nil, err
			}
			gs.procs = append(gs.procs, procs...)
		}
		groups = append(groups, gs)
	}
	for _, p := range cfg.Programs {
		if inGroup[p.Name] {
			continue
		}
		if seenGroup[p.Name] {
			return nil, &ConfigError{Section: "program:" + p.Name, Problem: "a group of this name already exists; rename the program or the group"}
		}
		seenGroup[p.Name] = true
		procs, err := expandProcesses("program:"+p.Name, p.Name, p.Name, p.ProcessConfig, false)
		if err != nil {
			return nil, err
		}
		groups = append(groups, groupSpec{name: p.Name, priority: orDefault(p.Priority, 999), procs: procs})
	}
	for _, p := range cfg.Pools {
		section := "eventlistener:" + p.Name
		if !validName(p.Name) {
			return nil, &ConfigError{Section: section, Problem: "invalid name: it must be non-empty and contain no space, ':' or '/'"}
		}
		if seenGroup[p.Name] {
			return nil, &ConfigError{Section: section, Problem: "a group of this name already exists; rename the pool"}
		}
		seenGroup[p.Name] = true
		if len(p.Events) == 0 {
			return nil, &ConfigError{Section: section, Problem: `requires an "events" line: set Pool.Events`}
		}
		var events []listener.EventType
		seen := map[listener.EventType]bool{}
		for _, e := range p.Events {
			t, err := listener.ParseEventType(string(e))
			if err != nil {
				return nil, &ConfigError{Section: section, Problem: err.Error()}
			}
			if !seen[t] {
				seen[t] = true
				events = append(events, t)
			}
		}
		if p.BufferSize < 0 {
			return nil, &ConfigError{Section: section, Problem: fmt.Sprintf("invalid buffer_size %d; it must be at least 1 (0 means the default 10)", p.BufferSize)}
		}
		if p.RedirectStderr {
			return nil, &ConfigError{Section: section, Problem: "redirect_stderr is not allowed for event listeners: stderr output would corrupt the protocol"}
		}
		pc := p.ProcessConfig
		if p.Handler != nil {
			if pc.Command != nil || pc.Run != nil {
				return nil, &ConfigError{Section: section, Problem: "set one of Handler, Command or Run, not several"}
			}
			pc.Run = serveFunc(p.Handler, p.ServeOptions)
		}
		procs, err := expandProcesses(section, p.Name, p.Name, pc, true)
		if err != nil {
			return nil, err
		}
		groups = append(groups, groupSpec{
			name: p.Name, priority: orDefault(p.Priority, -1), procs: procs, pool: true,
			events: events, bufferSize: orDefault(p.BufferSize, 10), judge: p.ResultHandler,
		})
	}
	// supervisord sorts group configs, and the processes of a section, by
	// priority and then by name (options.Config.__lt__).
	sortStable(groups, func(a, b groupSpec) bool {
		if a.priority != b.priority {
			return a.priority < b.priority
		}
		return a.name < b.name
	})
	return groups, nil
}

// expandProcesses applies numprocs and process_name to one section.
func expandProcesses(section, program, group string, pc ProcessConfig, isListener bool) ([]processSpec, error) {
	if pc.Command != nil && pc.Run != nil {
		return nil, &ConfigError{Section: section, Problem: "set either Command (a real child) or Run (in-process), not both"}
	}
	if pc.Command != nil && len(pc.Command) == 0 {
		return nil, &ConfigError{Section: section, Problem: "Command is empty; give the argv of the program to run"}
	}
	numprocs := orDefault(pc.NumProcs, 1)
	if numprocs < 1 {
		return nil, &ConfigError{Section: section, Problem: fmt.Sprintf("invalid numprocs %d", pc.NumProcs)}
	}
	tmpl := pc.ProcessName
	if tmpl == "" {
		tmpl = "%(program_name)s"
	}
	if numprocs > 1 && !strings.Contains(tmpl, "%(process_num)") {
		return nil, &ConfigError{Section: section, Problem: "%(process_num) must be present within process_name when numprocs > 1"}
	}
	if pc.StopAsGroup && !pc.KillAsGroup {
		pc.KillAsGroup = true // killasgroup defaults to stopasgroup
	}
	priority := orDefault(pc.Priority, 999)
	if isListener {
		priority = orDefault(pc.Priority, -1)
	}
	exitcodes := pc.ExitCodes
	if exitcodes == nil {
		exitcodes = []int{0}
	}
	retries := pc.StartRetries
	switch {
	case retries == 0:
		retries = 3
	case retries < 0:
		retries = 0
	}
	host, _ := os.Hostname()
	var out []processSpec
	seen := map[string]bool{}
	for num := pc.NumProcsStart; num < pc.NumProcsStart+numprocs; num++ {
		name, err := pyFormat(tmpl, map[string]any{
			"program_name": program, "process_num": num, "group_name": group,
			"numprocs": numprocs, "host_node_name": host,
		})
		if err != nil {
			return nil, &ConfigError{Section: section, Problem: "process_name: " + err.Error()}
		}
		if !validName(name) {
			return nil, &ConfigError{Section: section, Problem: fmt.Sprintf("process_name expands to %q, which is not a valid process name", name)}
		}
		if seen[name] {
			return nil, &ConfigError{Section: section, Problem: fmt.Sprintf("process_name expands to %q more than once; include %%(process_num)", name)}
		}
		seen[name] = true
		spec := processSpec{
			name: name, program: program, group: group, priority: priority, cfg: pc,
			listener: isListener, command: shellJoin(pc.Command), exitcodes: exitcodes, retries: retries,
		}
		if pc.commandTemplate != "" {
			vars := map[string]any{"program_name": program, "process_num": num, "group_name": group,
				"numprocs": numprocs, "host_node_name": host}
			line, err := pyFormat(expandStatic(pc.commandTemplate, program, ""), vars)
			if err != nil {
				return nil, &ConfigError{Section: section, Problem: "command: " + err.Error()}
			}
			if spec.cfg.Command, err = SplitCommand(line); err != nil || len(spec.cfg.Command) == 0 {
				return nil, &ConfigError{Section: section, Problem: fmt.Sprintf("can't parse command %q", line)}
			}
			spec.command = line
		}
		out = append(out, spec)
	}
	// programs.sort(): by priority, which is the section's, then by name,
	// so web_10 comes before web_2.
	sortStable(out, func(a, b processSpec) bool { return a.name < b.name })
	return out, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// sortStable is an insertion sort: stable, and the lists are short.
func sortStable[T any](s []T, less func(a, b T) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// shellJoin renders argv as a command= line.
func shellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]#~=%!{}") {
			parts[i] = a
			continue
		}
		parts[i] = "'" + strings.ReplaceAll(a, "'", `'"'"'`) + "'"
	}
	return strings.Join(parts, " ")
}

// serveFunc runs h with listener.Serve as an in-process child.
func serveFunc(h listener.Handler, opts []listener.Option) RunFunc {
	return func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
		all := append([]listener.Option{listener.WithLogger(slog.New(slog.NewTextHandler(stderr, nil)))}, opts...)
		return listener.Serve(ctx, stdin, stdout, h, all...)
	}
}
