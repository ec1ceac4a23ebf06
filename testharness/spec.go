package testharness

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
)

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
	slices.SortStableFunc(groups, func(a, b groupSpec) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), strings.Compare(a.name, b.name))
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
	fromFile := pc.fromFile[group]
	for i, num := 0, pc.NumProcsStart; num < pc.NumProcsStart+numprocs; i, num = i+1, num+1 {
		var name string
		if fromFile != nil {
			name = fromFile[i].Name
		} else {
			var err error
			name, err = supervisorconf.Expand(tmpl, map[string]any{
				"program_name": program, "process_num": num, "group_name": group,
				"numprocs": numprocs, "host_node_name": host,
			}, "process_name")
			if err != nil {
				return nil, &ConfigError{Section: section, Problem: "process_name: " + err.Error()}
			}
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
		if fromFile != nil {
			if err := applyFromFile(&spec, fromFile[i]); err != nil {
				return nil, &ConfigError{Section: section, Problem: err.Error()}
			}
			// A Command changed after ParseConfig wins over the file's.
			if !slices.Equal(pc.Command, pc.fileCommand) {
				spec.cfg.Command = pc.Command
				if pc.Command != nil {
					spec.command = shellJoin(pc.Command)
				}
			}
		}
		out = append(out, spec)
	}
	// programs.sort(): by priority, which is the section's, then by name,
	// so web_10 comes before web_2.
	slices.SortStableFunc(out, func(a, b processSpec) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// validName reports whether name is a valid process or group name
// (datatypes.process_or_group_name: no space, colon or slash).
func validName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " :/\t\n\r")
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
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
