package orderedstartup

import (
	"fmt"
	"strings"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
)

// The keys ordered-startup reads in a [program:x] section. The first two
// are ordered-startup-supervisord's, the next three
// supervisord-dependent-startup's; supervisord itself ignores them all.
const (
	keyStartInOrder     = "startinorder"
	keyStartNextAfter   = "startnextafter"
	keyDependentStartup = "dependent_startup"
	keyWaitFor          = "dependent_startup_wait_for"
	keyInheritPriority  = "dependent_startup_inherit_priority"
	// keyRuntime is golance's own: what a running program does when one
	// it waits for as RUNNING leaves RUNNING (runtimeMode).
	keyRuntime = "dependent_runtime"
)

// programOptions are the startup settings of one [program:x] section, as
// written in the configuration.
type programOptions struct {
	// Name is the program's name, the part of the section name after
	// "program:".
	Name string
	// Section is the section the options come from.
	Section *supervisorconf.Section
	// Group is the name of the [group:x] that lists the program, or Name
	// when none does.
	Group string
	// ProcessNames are the names supervisord gives the program's
	// processes, from process_name=, numprocs= and numprocs_start=.
	ProcessNames []string

	// StartInOrder is startinorder=: when the program reaches
	// StartNextAfter, the next program in priority order is started.
	StartInOrder bool
	// StartNextAfter is startnextafter=, RUNNING by default.
	StartNextAfter listener.State
	// DependentStartup is dependent_startup=: the listener starts the
	// program once everything in WaitFor has happened.
	DependentStartup bool
	// WaitFor is dependent_startup_wait_for=.
	WaitFor []waitSpec
	// InheritPriority is dependent_startup_inherit_priority=: among
	// programs ready at the same time, this one ranks with the most urgent
	// of the programs it waits for.
	InheritPriority bool
	// Runtime is dependent_runtime=: off by default.
	Runtime runtimeMode
}

// hasKeys reports whether the program uses any startup key.
func (p programOptions) hasKeys() bool {
	for _, k := range []string{keyStartInOrder, keyStartNextAfter, keyDependentStartup, keyWaitFor, keyInheritPriority, keyRuntime} {
		if _, ok := p.Section.Lookup(k); ok {
			return true
		}
	}
	return false
}

// waitSpec is one entry of dependent_startup_wait_for: a program and the
// states that satisfy the wait, any one of them.
type waitSpec struct {
	Program string
	States  []listener.State
}

// String returns the entry as it is written: "db:RUNNING,EXITED".
func (w waitSpec) String() string {
	return w.Program + ":" + joinStates(w.States, ",")
}

func joinStates(states []listener.State, sep string) string {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = s.String()
	}
	return strings.Join(names, sep)
}

// readOptions reads the startup settings of every [program:x] and
// [fcgi-program:x] section of c, with the groups and process names
// supervisord gives them, and returns them with the names of the
// [eventlistener:x] pools, which are never started in order. A
// configuration supervisord would refuse, or an invalid startup key, is an
// error naming the file, the line, the section and what to write instead.
func readOptions(c *supervisorconf.Config) (programs []programOptions, pools []string, err error) {
	groups, err := c.Layout()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errConf, err)
	}
	for _, g := range groups {
		if g.Kind == "eventlistener" {
			pools = append(pools, g.Name)
			continue
		}
		for _, prog := range g.Programs {
			var names []string
			for _, proc := range g.Processes {
				if proc.Program == prog {
					names = append(names, proc.Name)
				}
			}
			p, err := readProgram(c, prog, names)
			if err != nil {
				return nil, nil, err
			}
			programs = append(programs, p)
		}
	}
	return programs, pools, nil
}

// readProgram reads ordered-startup's keys in one program's section,
// expanded as supervisord expands the keys it reads there.
func readProgram(c *supervisorconf.Config, prog *supervisorconf.Program, names []string) (programOptions, error) {
	s := prog.Section
	p := programOptions{Name: prog.Name, Section: s, Group: prog.Group, ProcessNames: names, StartNextAfter: listener.StateRunning}
	// get returns the expanded value of key, and an error maker placing a
	// problem with it in the file.
	get := func(key string) (string, bool, func(problem, fix string) error, error) {
		v, ok, err := prog.Get(key)
		if err != nil {
			return "", false, nil, fmt.Errorf("%w: %w", errConf, err)
		}
		raw, _ := c.Lookup(s, key)
		bad := func(problem, fix string) error {
			e := &supervisorconf.Error{Section: s.Name, Key: key, Value: v, Problem: problem, Fix: fix}
			if raw != nil {
				e.File, e.Line, e.Value = raw.File, raw.Line, raw.Text
			}
			return fmt.Errorf("%w: %w", errConf, e)
		}
		return v, ok, bad, nil
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{keyStartInOrder, &p.StartInOrder}, {keyDependentStartup, &p.DependentStartup}, {keyInheritPriority, &p.InheritPriority}} {
		v, ok, bad, err := get(b.key)
		if err != nil {
			return p, err
		}
		if ok {
			if *b.dst, err = supervisorconf.Boolean(v); err != nil {
				return p, bad(err.Error(), "write true or false")
			}
		}
	}
	if v, ok, bad, err := get(keyStartNextAfter); err != nil {
		return p, err
	} else if ok {
		if p.StartNextAfter, err = listener.ParseState(v); err != nil {
			return p, bad("is not a process state", "write one of "+joinStates(listener.States, ", "))
		}
	}
	if v, ok, bad, err := get(keyRuntime); err != nil {
		return p, err
	} else if ok {
		if p.Runtime, err = parseRuntime(v); err != nil {
			return p, bad(err.Error(), "write restart (restart it once what it waits for is RUNNING again), stop (stop it meanwhile) or false")
		}
	}
	if v, ok, bad, err := get(keyWaitFor); err != nil {
		return p, err
	} else if ok {
		if p.WaitFor, err = parseWaitFor(v); err != nil {
			return p, bad(err.Error(), "")
		}
	}
	return p, nil
}

// parseWaitFor reads "db migrate:exited cache:running,backoff": entries
// separated by white space, each a program name and, after a colon, the
// states any of which satisfies the wait (RUNNING if none is given).
func parseWaitFor(v string) ([]waitSpec, error) {
	var out []waitSpec
	seen := map[string]bool{}
	for _, entry := range strings.Fields(v) {
		name, states, hasStates := strings.Cut(entry, ":")
		if name == "" {
			return nil, fmt.Errorf("%q names no program: write program or program:state", entry)
		}
		if seen[name] {
			return nil, fmt.Errorf("%s is named twice: list its states once, separated by commas (%s:running,exited)", name, name)
		}
		seen[name] = true
		w := waitSpec{Program: name}
		if !hasStates {
			w.States = []listener.State{listener.StateRunning}
		} else {
			for _, st := range strings.Split(states, ",") {
				s, err := listener.ParseState(st)
				if err != nil {
					return nil, fmt.Errorf("%q in %q is not a process state: write one of %s", st, entry, joinStates(listener.States, ", "))
				}
				w.States = append(w.States, s)
			}
		}
		out = append(out, w)
	}
	return out, nil
}
