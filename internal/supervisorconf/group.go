package supervisorconf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener"
)

// A Group is a process group as supervisord makes it from the
// configuration: a [group:x] of programs, a [program:x] of its own, an
// [eventlistener:x] pool or an [fcgi-program:x].
type Group struct {
	Section *Section
	// Kind is "group", "program", "eventlistener" or "fcgi-program".
	Kind string
	Name string
	// Priority orders the groups at start (lower first) and stop: 999 by
	// default, -1 for a pool.
	Priority int
	// Programs are the sections whose processes the group holds, read for
	// this group; one for every kind but "group".
	Programs []*Program
	// Processes are the group's processes, program by program, each
	// program's sorted by name.
	Processes []*Process

	// Events, BufferSize (10) and ResultHandler are a pool's events=
	// (upper-cased, each once, in the order written), buffer_size= and
	// result_handler=.
	Events        []listener.EventType
	BufferSize    int
	ResultHandler string

	// Socket is an fcgi-program's socket=.
	Socket string
}

// DefaultResultHandler is supervisord's result_handler.
const DefaultResultHandler = "supervisor.dispatchers:default_handler"

// Groups reads every process group as supervisord does
// (process_groups_from_parser), in its order: by priority, then name. A
// program a [group:x] lists belongs to that group instead of forming its
// own. It reads [supervisord] environment= first, which every process
// gets and %(ENV_X)s sees.
func (c *Config) Groups() ([]*Group, error) { return c.groups(true) }

// Layout returns the process groups as Groups does, but with only the
// name of each process: what supervisord reads only to make a process
// (command=, directory=, the log files) is neither read nor checked. It is
// for a listener such as ordered-startup, which needs supervisord's
// groups, programs and process names, and its own keys, and should not
// fail on a setting it does not use.
func (c *Config) Layout() ([]*Group, error) { return c.groups(false) }

func (c *Config) groups(full bool) ([]*Group, error) {
	global, err := c.globalEnvironment()
	if err != nil {
		return nil, err
	}
	var groups []*Group
	inGroup := map[string]bool{}
	for _, s := range c.sectionsOf("group") {
		g, err := c.heterogeneousGroup(s, global, inGroup, full)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	for _, kind := range []string{"program", "eventlistener", "fcgi-program"} {
		for _, s := range c.sectionsOf(kind) {
			if inGroup[s.Name] {
				continue
			}
			g, err := c.homogeneousGroup(s, kind, global, full)
			if err != nil {
				return nil, err
			}
			groups = append(groups, g)
		}
	}
	slices.SortStableFunc(groups, func(a, b *Group) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), strings.Compare(a.Name, b.Name))
	})
	return groups, nil
}

// sectionsOf returns the sections whose names start with kind and a
// colon, as supervisord selects them.
func (c *Config) sectionsOf(kind string) []*Section {
	var out []*Section
	for _, s := range c.sections {
		if strings.HasPrefix(s.Name, kind+":") {
			out = append(out, s)
		}
	}
	return out
}

func (c *Config) heterogeneousGroup(s *Section, global [][2]string, inGroup map[string]bool, full bool) (*Group, error) {
	name, err := processOrGroupName(strings.TrimPrefix(s.Name, "group:"))
	if err != nil {
		return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: err.Error(), Fix: "name it without spaces, colons or slashes", Err: err}
	}
	r := reader{c: c, s: s, expansions: map[string]any{"here": c.Here}}
	list, _ := r.get("programs", nil)
	g := &Group{Section: s, Kind: "group", Name: name, Priority: r.integer("priority", "999", "write a number; lower starts first")}
	if r.err != nil {
		return nil, r.err
	}
	v, _ := c.lookup(s, "programs")
	for _, prog := range listOfStrings(list) {
		ps, isProgram := c.Section("program:" + prog)
		fs, isFCGI := c.Section("fcgi-program:" + prog)
		switch {
		case !isProgram && !isFCGI:
			return nil, c.valueError(s, "programs", v, fmt.Errorf("names %s, which has no [program:%s] or [fcgi-program:%s] section", prog, prog, prog),
				fmt.Sprintf("add one or remove %s from the list", prog))
		case isProgram && isFCGI:
			return nil, c.valueError(s, "programs", v, fmt.Errorf("names %s, which is both a [program:%s] and an [fcgi-program:%s]", prog, prog, prog),
				"rename one of the two sections")
		case isFCGI:
			ps = fs
		}
		inGroup[ps.Name] = true
		p, err := c.program(ps, name)
		if err != nil {
			return nil, err
		}
		procs, err := p.processes(global, full)
		if err != nil {
			return nil, err
		}
		g.Programs = append(g.Programs, p)
		g.Processes = append(g.Processes, procs...)
	}
	return g, nil
}

func (c *Config) homogeneousGroup(s *Section, kind string, global [][2]string, full bool) (*Group, error) {
	name := strings.TrimPrefix(s.Name, kind+":")
	var err error
	if kind != "eventlistener" { // supervisord checks a pool's name only as a program name
		if name, err = processOrGroupName(name); err != nil {
			return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: err.Error(), Fix: "name it without spaces, colons or slashes", Err: err}
		}
	}
	r := reader{c: c, s: s, expansions: map[string]any{"here": c.Here}}
	g := &Group{Section: s, Kind: kind, Name: name}
	switch kind {
	case "eventlistener":
		g.Priority = r.integer("priority", "-1", "write a number; lower starts first")
		if err := c.pool(g, &r); err != nil {
			return nil, err
		}
	case "fcgi-program":
		g.Priority = r.integer("priority", "999", "write a number; lower starts first")
		r.expansions["program_name"] = name
		g.Socket, _ = r.get("socket", nil)
		if r.err == nil && g.Socket == "" {
			return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: "has no socket= line",
				Fix: "add socket=unix:///path/to/socket or socket=tcp://host:port"}
		}
	default:
		g.Priority = r.integer("priority", "999", "write a number; lower starts first")
	}
	if r.err != nil {
		return nil, r.err
	}
	p, err := c.program(s, name)
	if err != nil {
		return nil, err
	}
	if g.Processes, err = p.processes(global, full); err != nil {
		return nil, err
	}
	g.Programs = []*Program{p}
	return g, nil
}

// pool reads what makes an [eventlistener:x] a pool.
func (c *Config) pool(g *Group, r *reader) error {
	s := g.Section
	g.BufferSize = r.integer("buffer_size", "10", "write a number of events")
	if r.err == nil && g.BufferSize < 1 {
		v, _ := c.lookup(s, "buffer_size")
		return c.valueError(s, "buffer_size", v, fmt.Errorf("an event buffer must hold at least 1 event"), "write a number of events, 10 by default")
	}
	g.ResultHandler = r.must("result_handler", DefaultResultHandler)
	events := r.must("events", "")
	if r.err != nil {
		return r.err
	}
	v, _ := c.lookup(s, "events")
	for _, e := range listOfStrings(events) {
		t := listener.EventType(strings.ToUpper(e))
		if !t.Known() {
			return c.valueError(s, "events", v, fmt.Errorf("%s is not an event type (an empty entry counts too)", pyfmt.Repr(e)),
				"write event types separated by commas, such as PROCESS_STATE,TICK_60")
		}
		if !slices.Contains(g.Events, t) {
			g.Events = append(g.Events, t)
		}
	}
	if len(g.Events) == 0 {
		return &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: "has no events= line",
			Fix: "add the event types to subscribe to, such as events=PROCESS_STATE"}
	}
	if r.boolean("redirect_stderr", "false") {
		v, _ := c.lookup(s, "redirect_stderr")
		return c.valueError(s, "redirect_stderr", v, fmt.Errorf("not allowed for an event listener: its stderr would mix with the protocol on its stdout"),
			"remove it")
	}
	return r.err
}
