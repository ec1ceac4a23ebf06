package orderedstartup

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golance/golance/listener"
)

// The keys ordered-startup reads in a [program:x] section. The first two
// are ordered-startup-supervisord's, the others
// supervisord-dependent-startup's; supervisord itself ignores them all.
const (
	KeyStartInOrder     = "startinorder"
	KeyStartNextAfter   = "startnextafter"
	KeyDependentStartup = "dependent_startup"
	KeyWaitFor          = "dependent_startup_wait_for"
	KeyInheritPriority  = "dependent_startup_inherit_priority"
)

// ProgramOptions are the startup settings of one [program:x] section, as
// written in the configuration.
type ProgramOptions struct {
	// Name is the program's name, the part of the section name after
	// "program:".
	Name string
	// Section is the section the options come from.
	Section *Section
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
	WaitFor []WaitSpec
	// InheritPriority is dependent_startup_inherit_priority=: among
	// programs ready at the same time, this one ranks with the most urgent
	// of the programs it waits for.
	InheritPriority bool
}

// hasKeys reports whether the program uses any startup key.
func (p ProgramOptions) hasKeys() bool {
	for _, k := range []string{KeyStartInOrder, KeyStartNextAfter, KeyDependentStartup, KeyWaitFor, KeyInheritPriority} {
		if _, ok := p.Section.raw(k); ok {
			return true
		}
	}
	return false
}

// WaitSpec is one entry of dependent_startup_wait_for: a program and the
// states that satisfy the wait, any one of them.
type WaitSpec struct {
	Program string
	States  []listener.State
}

// String returns the entry as it is written: "db:RUNNING,EXITED".
func (w WaitSpec) String() string {
	return w.Program + ":" + joinStates(w.States, ",")
}

func joinStates(states []listener.State, sep string) string {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = s.String()
	}
	return strings.Join(names, sep)
}

// ReadOptions reads the startup settings of every [program:x] and
// [fcgi-program:x] section of c, and returns them with the names of the
// [eventlistener:x] pools, which are never started in order. An invalid
// value is an error naming the section, the file and what to write
// instead.
func ReadOptions(c *Conf) (programs []ProgramOptions, pools []string, err error) {
	groupOf := map[string]string{}
	for _, s := range c.Sections("group:") {
		name := strings.TrimPrefix(s.Name, "group:")
		list, _, err := c.Get(s, "programs", map[string]any{"group_name": name})
		if err != nil {
			return nil, nil, err
		}
		for _, p := range strings.Split(list, ",") {
			if p = strings.TrimSpace(p); p != "" {
				groupOf[p] = name
			}
		}
	}
	for _, s := range c.Sections("") {
		kind, name, _ := strings.Cut(s.Name, ":")
		switch kind {
		case "eventlistener":
			pools = append(pools, name)
			continue
		case "program", "fcgi-program":
		default:
			continue
		}
		group := name
		if g, ok := groupOf[name]; ok {
			group = g
		}
		p, err := readProgram(c, s, name, group)
		if err != nil {
			return nil, nil, err
		}
		programs = append(programs, p)
	}
	return programs, pools, nil
}

func readProgram(c *Conf, s *Section, name, group string) (ProgramOptions, error) {
	p := ProgramOptions{Name: name, Section: s, Group: group, StartNextAfter: listener.StateRunning}
	vars := map[string]any{"program_name": name, "group_name": group}
	where := fmt.Sprintf("[%s] in %s", s.Name, s.File)
	get := func(key string) (string, bool, error) { return c.Get(s, key, vars) }

	var err error
	bools := []struct {
		key string
		dst *bool
	}{{KeyStartInOrder, &p.StartInOrder}, {KeyDependentStartup, &p.DependentStartup}, {KeyInheritPriority, &p.InheritPriority}}
	for _, b := range bools {
		key, dst := b.key, b.dst
		v, ok, gerr := get(key)
		if gerr != nil {
			return p, gerr
		}
		if ok {
			if *dst, err = parseBool(v); err != nil {
				return p, fmt.Errorf("%w: %s=%s %s: %v", ErrConf, key, v, where, err)
			}
		}
	}
	if v, ok, gerr := get(KeyStartNextAfter); gerr != nil {
		return p, gerr
	} else if ok {
		if p.StartNextAfter, err = listener.ParseState(v); err != nil {
			return p, fmt.Errorf("%w: %s=%s %s is not a process state: write one of %s", ErrConf, KeyStartNextAfter, v, where, joinStates(listener.States, ", "))
		}
	}
	if v, ok, gerr := get(KeyWaitFor); gerr != nil {
		return p, gerr
	} else if ok {
		if p.WaitFor, err = parseWaitFor(v); err != nil {
			return p, fmt.Errorf("%w: %s=%s %s: %v", ErrConf, KeyWaitFor, v, where, err)
		}
	}

	numprocs, start := 1, 0
	ints := []struct {
		key string
		dst *int
	}{{"numprocs", &numprocs}, {"numprocs_start", &start}}
	for _, i := range ints {
		key, dst := i.key, i.dst
		v, ok, gerr := get(key)
		if gerr != nil {
			return p, gerr
		}
		if ok {
			if *dst, err = strconv.Atoi(v); err != nil {
				return p, fmt.Errorf("%w: %s=%s %s is not a number", ErrConf, key, v, where)
			}
		}
	}
	template, ok := s.raw("process_name")
	if !ok {
		template = "%(program_name)s"
	}
	for n := start; n < start+numprocs; n++ {
		vars := map[string]any{"program_name": name, "group_name": group, "process_num": n, "numprocs": numprocs}
		pn, err := expand(strings.TrimSpace(template), c.lookup(vars))
		if err != nil {
			return p, fmt.Errorf("%w: process_name %s: %w", ErrConf, where, err)
		}
		p.ProcessNames = append(p.ProcessNames, pn)
	}
	return p, nil
}

// parseBool reads a boolean the way supervisord does.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true", "on", "1":
		return true, nil
	case "no", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: write true or false")
}

// parseWaitFor reads "db migrate:exited cache:running,backoff": entries
// separated by white space, each a program name and, after a colon, the
// states any of which satisfies the wait (RUNNING if none is given).
func parseWaitFor(v string) ([]WaitSpec, error) {
	var out []WaitSpec
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
		w := WaitSpec{Program: name}
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
