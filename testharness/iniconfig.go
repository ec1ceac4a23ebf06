package testharness

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/internal/supervisorconf"
)

// ParseConfig reads supervisord.conf text into a Config, so that the
// sections a project deploys can run unchanged in the harness. here is
// what %(here)s expands to and where [include] patterns start (supervisord
// uses the configuration file's directory).
//
// The text is read by golance's configuration reader exactly as
// supervisord 4.2.5 reads it, with its defaults, expansions (%(ENV_X)s
// from this process's environment, %(process_num)d, ...) and checks, and
// refused as supervisord would refuse it, with the file, line, section,
// key and fix on one line. [include] files are read.
//
// A Command set on the result replaces the file's command line for every
// process of its section (a nil one makes them virtual, their command=
// still reported by getAllConfigInfo): run a freshly built listener in the
// configuration a project deploys, or drive its programs from the test. [supervisord] is
// optional here; its identifier= is read. [unix_http_server] and
// [inet_http_server] turn Config.RPC on, with their username= and
// password=. [program:x], [group:x] and [eventlistener:x] become Programs,
// Groups and Pools, each process with the name, command line, directory,
// environment and log files supervisord gives it. Keys the harness does
// not emulate (user=, umask=, syslog and rotation settings) are read and
// checked, then ignored; what it cannot express is an error: a
// non-default result_handler=, [fcgi-program:x], a priority, numprocs or
// stopsignal of 0.
func ParseConfig(text, here string) (Config, error) {
	c, err := supervisorconf.Loader{}.Parse([]byte(text), filepath.Join(here, "supervisord.conf"))
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	if _, ok := c.Section("supervisord"); ok {
		sv, err := c.Supervisord()
		if err != nil {
			return Config{}, err
		}
		cfg.Identifier = sv.Identifier
	}
	servers, err := c.Servers()
	if err != nil {
		return Config{}, err
	}
	for _, s := range servers {
		cfg.RPC = true
		if s.HasPassword && cfg.Username == "" {
			cfg.Username, cfg.Password = s.Username, s.Password
		}
	}
	groups, err := c.Groups()
	if err != nil {
		return Config{}, err
	}
	programs := map[*supervisorconf.Section]int{} // index in cfg.Programs
	for _, g := range groups {
		switch g.Kind {
		case "fcgi-program":
			return Config{}, unsupported(g.Section, "[fcgi-program:x] cannot run in the harness")
		case "eventlistener":
			if g.ResultHandler != supervisorconf.DefaultResultHandler {
				return Config{}, unsupported(g.Section, "result_handler="+g.ResultHandler+" cannot run in the harness; use Pool.ResultHandler")
			}
			pc, err := processConfig(g.Programs[0], g)
			if err != nil {
				return Config{}, err
			}
			if pc.Priority, err = priority(g.Section, g.Priority); err != nil {
				return Config{}, err
			}
			cfg.Pools = append(cfg.Pools, Pool{Name: g.Name, Events: g.Events, BufferSize: g.BufferSize, ProcessConfig: pc})
			continue
		case "group":
			p, err := priority(g.Section, g.Priority)
			if err != nil {
				return Config{}, err
			}
			hg := Group{Name: g.Name, Priority: p}
			for _, prog := range g.Programs {
				hg.Programs = append(hg.Programs, prog.Name)
			}
			cfg.Groups = append(cfg.Groups, hg)
		}
		for _, prog := range g.Programs {
			i, seen := programs[prog.Section]
			if !seen {
				pc, err := processConfig(prog, g)
				if err != nil {
					return Config{}, err
				}
				i = len(cfg.Programs)
				programs[prog.Section] = i
				cfg.Programs = append(cfg.Programs, Program{Name: prog.Name, ProcessConfig: pc})
			}
			cfg.Programs[i].fromFile[g.Name] = processesOf(g, prog)
		}
	}
	return cfg, nil
}

// processConfig turns what supervisord reads in a program's section into
// the harness's settings; the processes of g give their own names,
// commands, directories, environments and log files.
func processConfig(p *supervisorconf.Program, g *supervisorconf.Group) (ProcessConfig, error) {
	pc := ProcessConfig{
		NumProcs: p.NumProcs, NumProcsStart: p.NumProcsStart, ProcessName: p.ProcessName,
		NoAutostart: !p.Autostart, StartSecs: time.Duration(p.StartSecs) * time.Second,
		StartRetries: p.StartRetries, ExitCodes: p.ExitCodes, StopSignal: p.StopSignal,
		StopWaitSecs: time.Duration(p.StopWaitSecs) * time.Second, StopAsGroup: p.StopAsGroup, KillAsGroup: p.KillAsGroup,
		RedirectStderr: p.RedirectStderr, ServerURL: p.ServerURL, Autorestart: p.Autorestart,
		fromFile: map[string][]*supervisorconf.Process{g.Name: processesOf(g, p)},
	}
	// The harness's zero values mean supervisord's defaults; supervisord's
	// zeros are spelled otherwise.
	if pc.StartRetries == 0 {
		pc.StartRetries = -1
	}
	if pc.StopWaitSecs == 0 {
		pc.StopWaitSecs = -1
	}
	if pc.ExitCodes == nil {
		pc.ExitCodes = []int{}
	}
	switch {
	case p.NumProcs < 1:
		return pc, unsupported(p.Section, fmt.Sprintf("numprocs=%d cannot be expressed in the harness (zero means one); use at least 1", p.NumProcs))
	case p.StopSignal == 0:
		return pc, unsupported(p.Section, "stopsignal=0 cannot be expressed in the harness (zero means TERM); use another signal")
	}
	var err error
	if g.Kind != "eventlistener" {
		if pc.Priority, err = priority(p.Section, p.Priority); err != nil {
			return pc, err
		}
	}
	// The first process stands for the section; each process gets its own
	// values when the harness makes it (applyFromFile).
	if procs := processesOf(g, p); len(procs) > 0 {
		first := procs[0]
		var spec processSpec
		if err := applyFromFile(&spec, first); err != nil {
			v, _ := p.Section.Lookup("command")
			e := unsupported(p.Section, err.Error()).(*supervisorconf.Error)
			e.Key, e.Value, e.Line = "command", first.Command, v.Line
			return pc, e
		}
		pc.Command, pc.Dir, pc.Env = spec.cfg.Command, spec.cfg.Dir, spec.cfg.Env
		pc.fileCommand = spec.cfg.Command
		pc.StdoutLogfile, pc.StderrLogfile = spec.cfg.StdoutLogfile, spec.cfg.StderrLogfile
		pc.StdoutCaptureMaxBytes, pc.StdoutEvents = int(first.Stdout.CaptureMaxBytes), first.Stdout.EventsEnabled
		pc.StderrCaptureMaxBytes, pc.StderrEvents = int(first.Stderr.CaptureMaxBytes), first.Stderr.EventsEnabled
	}
	return pc, nil
}

// processesOf returns g's processes of p in process_num order.
func processesOf(g *supervisorconf.Group, p *supervisorconf.Program) []*supervisorconf.Process {
	var out []*supervisorconf.Process
	for _, proc := range g.Processes {
		if proc.Program == p {
			out = append(out, proc)
		}
	}
	slices.SortFunc(out, func(a, b *supervisorconf.Process) int { return a.Num - b.Num })
	return out
}

// applyFromFile gives spec what supervisord gives the process p: its
// command line, directory, environment and log files.
func applyFromFile(spec *processSpec, p *supervisorconf.Process) error {
	argv, err := supervisorconf.SplitCommand(p.Command)
	if err != nil {
		return fmt.Errorf("can't parse command %s: %w", pyfmt.Repr(p.Command), err)
	}
	if len(argv) == 0 {
		return fmt.Errorf("command is empty")
	}
	spec.cfg.Command, spec.command = argv, p.Command
	spec.cfg.Dir, spec.cfg.Env = p.Directory, p.Environment
	spec.cfg.StdoutLogfile, spec.cfg.StderrLogfile = logfile(p.Stdout), logfile(p.Stderr)
	return nil
}

// priority refuses 0, which the harness reads as supervisord's default.
func priority(s *supervisorconf.Section, n int) (int, error) {
	if n == 0 {
		return 0, unsupported(s, "priority=0 cannot be expressed in the harness (zero means the default); use another number")
	}
	return n, nil
}

func unsupported(s *supervisorconf.Section, problem string) error {
	return &supervisorconf.Error{File: s.File, Line: s.Line, Section: s.Name, Problem: problem}
}

// logfile is a supervisorconf log file as ProcessConfig spells it.
func logfile(l supervisorconf.Log) string {
	if l.File == supervisorconf.LogAuto {
		return ""
	}
	return l.File
}
