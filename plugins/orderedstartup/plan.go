package orderedstartup

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// errCycle is wrapped by the error for programs that wait for each other.
var errCycle = errors.New("dependency cycle")

// A startPlan is the resolved start order: which programs the listener starts,
// what each one waits for, and the layers that gives, with the program and
// process names supervisord uses.
type startPlan struct {
	// Programs are the programs taking part in the start order, layer by
	// layer, and within a layer by priority and then name: the order the
	// listener starts programs that become ready together.
	Programs []*planProgram
	// Layers groups Programs: a program waits only for programs in
	// earlier layers, so each layer can start once the one before it got
	// where it should.
	Layers [][]*planProgram
	// Warnings describe settings that will not do what they seem to, such
	// as a wait for a program nothing starts.
	Warnings []string

	byProcess map[string]*planProgram
	// groups are the process groups supervisord ran when the plan was
	// made.
	groups map[string]bool
}

// A planProgram is one [program:x] section as supervisord runs it.
type planProgram struct {
	// Name is the program's name (the section name after "program:").
	Name string
	// Group is the process group supervisord put its processes in: Name,
	// or the [group:x] that lists it.
	Group string
	// Section and File say where the program is configured.
	Section, File string
	// Processes are the names supervisord's XML-RPC methods take for the
	// program's processes ("web", "web:web_00", "grp:web").
	Processes []string
	// Autostart, ExitCodes, StartSecs and Priority are as supervisord
	// reports them (getAllConfigInfo).
	Autostart bool
	ExitCodes []int
	StartSecs int
	Priority  int
	// EffectivePriority ranks programs that become ready together: the
	// program's priority, or with dependent_startup_inherit_priority the
	// lowest among it and the programs it waits for.
	EffectivePriority int
	// Managed reports that the listener starts the program: the first
	// program with startinorder, the program after each program with
	// startinorder, and every program with dependent_startup.
	Managed bool
	// After lists what must happen before the listener starts the
	// program; all of it.
	After []planWait
	// Dependents are the programs that wait for this one.
	Dependents []*planProgram
	// Goals are the sets of states something waits for this program to
	// reach (any state of a set satisfies that wait). A managed program
	// nothing waits for has one goal: its startnextafter, or RUNNING.
	Goals [][]listener.State
	// Layer is the program's layer, from 0.
	Layer int
	// Runtime is the program's dependent_runtime; Follows, the programs
	// it follows with it: those it waits for as RUNNING. Followers are
	// the programs that follow this one.
	Runtime   runtimeMode
	Follows   []*planProgram
	Followers []*planProgram

	options programOptions
	rank    []any // supervisord's start order: group priority, group, priority, name
}

// A planWait is one thing a program waits for: another program reaching one
// of some states.
type planWait struct {
	Program *planProgram
	States  []listener.State
	// Key is the configuration key the wait comes from: startinorder (the
	// program before this one in priority order) or
	// dependent_startup_wait_for.
	Key string
}

// String describes the wait: "db reaches RUNNING or EXITED".
func (w planWait) String() string {
	return w.Program.Name + " reaches " + joinStates(w.States, " or ")
}

// programOf returns the program a process belongs to, by namespec, or
// nil.
func (p *startPlan) programOf(namespec string) *planProgram { return p.byProcess[namespec] }

// newStartPlan resolves the programs of a configuration (readOptions) against
// what supervisord runs (getAllConfigInfo). The processes of pools and of
// the group self (this listener's, from SUPERVISOR_GROUP_NAME) never take
// part. Waits naming programs supervisord does not run, and programs that
// wait for each other, are errors.
func newStartPlan(options []programOptions, pools []string, infos []rpc.ConfigInfo, self string) (*startPlan, error) {
	plan := &startPlan{byProcess: map[string]*planProgram{}, groups: map[string]bool{}}
	excluded := map[string]bool{self: true}
	for _, p := range pools {
		excluded[p] = true
	}
	byGroup := map[string][]rpc.ConfigInfo{}
	for _, ci := range infos {
		if ci.InUse {
			plan.groups[ci.Group] = true
		}
		if !excluded[ci.Group] && ci.InUse {
			byGroup[ci.Group] = append(byGroup[ci.Group], ci)
		}
	}

	var programs []*planProgram
	byName := map[string]*planProgram{}
	claimed := map[string]bool{}
	for _, opt := range options {
		var procs []rpc.ConfigInfo
		if opt.Group == opt.Name {
			procs = byGroup[opt.Group]
		} else {
			for _, ci := range byGroup[opt.Group] {
				if slices.Contains(opt.ProcessNames, ci.Name) {
					procs = append(procs, ci)
				}
			}
		}
		if len(procs) == 0 {
			if opt.hasKeys() {
				plan.warnf("[%s] in %s is not running in supervisord (was the file changed without supervisorctl update?): left out", opt.Section.Name, opt.Section.File)
			}
			continue
		}
		sort.Slice(procs, func(i, j int) bool {
			if procs[i].ProcessPriority != procs[j].ProcessPriority {
				return procs[i].ProcessPriority < procs[j].ProcessPriority
			}
			return procs[i].Name < procs[j].Name
		})
		first := procs[0]
		prog := &planProgram{
			Name: opt.Name, Group: opt.Group, Section: opt.Section.Name, File: opt.Section.File,
			Autostart: first.Autostart, ExitCodes: first.ExitCodes, StartSecs: first.StartSecs,
			Priority: first.ProcessPriority, EffectivePriority: first.ProcessPriority,
			options: opt, rank: []any{first.GroupPriority, opt.Group, first.ProcessPriority, opt.Name},
		}
		for _, ci := range procs {
			ns := ci.Namespec()
			prog.Processes = append(prog.Processes, ns)
			claimed[ns] = true
		}
		programs = append(programs, prog)
		byName[prog.Name] = prog
	}
	if len(programs) == 0 && len(options) > 0 {
		return nil, fmt.Errorf("%w: none of the %d programs of the configuration is running in supervisord: is it the file supervisord was started with?", errConf, len(options))
	}
	var stray []string
	for _, ci := range infos {
		if ns := ci.Namespec(); !excluded[ci.Group] && ci.InUse && !claimed[ns] {
			stray = append(stray, ns)
		}
	}
	if len(stray) > 0 {
		plan.warnf("supervisord runs %s, which the configuration does not define: is it the file supervisord was started with?", strings.Join(stray, ", "))
	}
	sort.SliceStable(programs, func(i, j int) bool { return rankLess(programs[i].rank, programs[j].rank) })

	plan.chain(programs)
	if err := plan.dependencies(programs, byName); err != nil {
		return nil, err
	}
	if err := findCycle(programs); err != nil {
		return nil, err
	}
	plan.layout(programs)
	return plan, nil
}

func rankLess(a, b []any) bool {
	for i := range a {
		switch x := a[i].(type) {
		case int:
			if y := b[i].(int); x != y {
				return x < y
			}
		case string:
			if y := b[i].(string); x != y {
				return x < y
			}
		}
	}
	return false
}

func (p *startPlan) warnf(format string, args ...any) {
	p.Warnings = append(p.Warnings, fmt.Sprintf(format, args...))
}

// chain adds ordered-startup-supervisord's waits: from the first program
// with startinorder on, each program with startinorder starts the next one
// in supervisord's start order once it reaches its startnextafter state.
func (p *startPlan) chain(programs []*planProgram) {
	head := slices.IndexFunc(programs, func(prog *planProgram) bool { return prog.options.StartInOrder })
	if head < 0 {
		return
	}
	programs[head].Managed = true
	for i := head; i+1 < len(programs); i++ {
		prev, next := programs[i], programs[i+1]
		if prev.options.StartInOrder {
			next.After = append(next.After, planWait{Program: prev, States: []listener.State{prev.options.StartNextAfter}, Key: keyStartInOrder})
			next.Managed = true
		} else if next.options.StartInOrder && !next.Autostart && !next.options.DependentStartup {
			p.warnf("%s has startinorder=true but nothing starts it: %s before it has no startinorder, and %s has autostart=false", next.Name, prev.Name, next.Name)
		}
	}
}

// dependencies adds supervisord-dependent-startup's waits.
func (p *startPlan) dependencies(programs []*planProgram, byName map[string]*planProgram) error {
	for _, prog := range programs {
		opt := prog.options
		if !opt.DependentStartup {
			if len(opt.WaitFor) > 0 {
				p.warnf("%s has %s but not %s=true: the wait is ignored", prog.Name, keyWaitFor, keyDependentStartup)
			}
			continue
		}
		prog.Managed = true
		for _, w := range opt.WaitFor {
			dep := byName[w.Program]
			if dep == nil {
				names := make([]string, 0, len(programs))
				for _, q := range programs {
					names = append(names, q.Name)
				}
				sort.Strings(names)
				return fmt.Errorf("%w: %s=%s in [%s] (%s) names %s, which is not a program supervisord runs; programs are: %s",
					errConf, keyWaitFor, w, prog.Section, prog.File, w.Program, strings.Join(names, ", "))
			}
			if dep == prog {
				return fmt.Errorf("%w: %s waits for itself (%s=%s in %s)", errCycle, prog.Name, keyWaitFor, w, prog.File)
			}
			prog.After = append(prog.After, planWait{Program: dep, States: w.States, Key: keyWaitFor})
		}
	}
	return nil
}

// findCycle reports the first cycle of waits, in start order.
func findCycle(programs []*planProgram) error {
	const (
		unseen = iota
		active
		done
	)
	state := map[*planProgram]int{}
	var stack []*planProgram
	var visit func(*planProgram) []*planProgram
	visit = func(prog *planProgram) []*planProgram {
		state[prog] = active
		stack = append(stack, prog)
		for _, w := range prog.After {
			switch state[w.Program] {
			case active:
				i := slices.Index(stack, w.Program)
				return append(slices.Clone(stack[i:]), w.Program)
			case unseen:
				if c := visit(w.Program); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[prog] = done
		return nil
	}
	for _, prog := range programs {
		if state[prog] != unseen {
			continue
		}
		if c := visit(prog); c != nil {
			var b strings.Builder
			for i := 0; i+1 < len(c); i++ {
				key := ""
				for _, w := range c[i].After {
					if w.Program == c[i+1] {
						key = w.Key
						break
					}
				}
				if i > 0 {
					b.WriteString("; ")
				}
				fmt.Fprintf(&b, "%s waits for %s (%s)", c[i].Name, c[i+1].Name, key)
			}
			return fmt.Errorf("%w: %s: remove one of these waits", errCycle, b.String())
		}
	}
	return nil
}

// layout fills in dependents, goals, effective priorities, layers and the
// order of the programs taking part.
func (p *startPlan) layout(programs []*planProgram) {
	for _, prog := range programs {
		for _, w := range prog.After {
			w.Program.Dependents = append(w.Program.Dependents, prog)
			if !slices.ContainsFunc(w.Program.Goals, func(g []listener.State) bool { return slices.Equal(g, w.States) }) {
				w.Program.Goals = append(w.Program.Goals, w.States)
			}
		}
	}
	// Programs are visited so that everything a program waits for comes
	// first: the graph has no cycle.
	var ordered []*planProgram
	seen := map[*planProgram]bool{}
	var visit func(*planProgram)
	visit = func(prog *planProgram) {
		if seen[prog] {
			return
		}
		seen[prog] = true
		for _, w := range prog.After {
			visit(w.Program)
		}
		ordered = append(ordered, prog)
	}
	for _, prog := range programs {
		visit(prog)
	}
	for _, prog := range ordered {
		for _, w := range prog.After {
			prog.Layer = max(prog.Layer, w.Program.Layer+1)
			if prog.options.InheritPriority {
				prog.EffectivePriority = min(prog.EffectivePriority, w.Program.EffectivePriority)
			}
		}
	}
	p.follows(programs)
	for _, prog := range programs {
		if !prog.Managed && len(prog.Dependents) == 0 {
			continue
		}
		if len(prog.Goals) == 0 {
			goal := listener.StateRunning
			if prog.options.StartInOrder {
				goal = prog.options.StartNextAfter
			}
			prog.Goals = [][]listener.State{{goal}}
		}
		p.Programs = append(p.Programs, prog)
		for _, ns := range prog.Processes {
			p.byProcess[ns] = prog
		}
		if prog.Managed && prog.Autostart && len(prog.After) > 0 {
			p.warnf("%s has autostart=true, so supervisord starts it at once instead of after %s: set autostart=false in [%s]",
				prog.Name, describeWaits(prog.After), prog.Section)
		}
		if !prog.Managed && !prog.Autostart {
			p.warnf("%s waits for %s, which nothing starts: %s has autostart=false and neither startinorder nor dependent_startup brings it in",
				prog.Dependents[0].Name, prog.Name, prog.Name)
		}
	}
	sort.SliceStable(p.Programs, func(i, j int) bool {
		a, b := p.Programs[i], p.Programs[j]
		if a.Layer != b.Layer {
			return a.Layer < b.Layer
		}
		if a.EffectivePriority != b.EffectivePriority {
			return a.EffectivePriority < b.EffectivePriority
		}
		return rankLess(a.rank, b.rank)
	})
	for _, prog := range p.Programs {
		for len(p.Layers) <= prog.Layer {
			p.Layers = append(p.Layers, nil)
		}
		p.Layers[prog.Layer] = append(p.Layers[prog.Layer], prog)
	}
}

// follows adds the runtime edges: a program with dependent_runtime
// follows what it waits for as RUNNING. They are waits, so the cycles
// findCycle refuses include theirs.
func (p *startPlan) follows(programs []*planProgram) {
	for _, prog := range programs {
		if prog.Runtime = prog.options.Runtime; prog.Runtime == runtimeOff {
			continue
		}
		for _, w := range prog.After {
			if slices.Contains(w.States, listener.StateRunning) && !slices.Contains(prog.Follows, w.Program) {
				prog.Follows = append(prog.Follows, w.Program)
				w.Program.Followers = append(w.Program.Followers, prog)
			}
		}
		if len(prog.Follows) == 0 {
			p.warnf("%s has %s=%s but waits for no program as RUNNING: it follows nothing at run time", prog.Name, keyRuntime, prog.Runtime)
		}
	}
}

// describeFollows says what dependent_runtime does to prog, or "".
func describeFollows(prog *planProgram) string {
	if len(prog.Follows) == 0 {
		return ""
	}
	names := make([]string, len(prog.Follows))
	for i, f := range prog.Follows {
		names[i] = f.Name
	}
	list, them := strings.Join(names, " or "), "it is"
	if len(names) > 1 {
		them = "they all are"
	}
	if prog.Runtime == runtimeStop {
		return fmt.Sprintf("stopped whenever %s leaves RUNNING, and started again once %s RUNNING (%s=stop)", list, them, keyRuntime)
	}
	return fmt.Sprintf("restarted whenever %s leaves RUNNING, once %s RUNNING again (%s=restart)", list, them, keyRuntime)
}

func describeWaits(ws []planWait) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, " and ")
}

// WriteTo writes the plan as --plan shows it: one block per layer, each
// program with its processes and what it waits for, then the warnings.
func (p *startPlan) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	if len(p.Programs) == 0 {
		b.WriteString("nothing to start: no program has startinorder=true or dependent_startup=true\n")
	}
	for i, layer := range p.Layers {
		fmt.Fprintf(&b, "layer %d\n", i+1)
		for _, prog := range layer {
			fmt.Fprintf(&b, "  %s", prog.Name)
			if len(prog.Processes) > 1 || prog.Processes[0] != prog.Name {
				fmt.Fprintf(&b, " (%s)", strings.Join(prog.Processes, ", "))
			}
			switch {
			case !prog.Managed && prog.Autostart:
				b.WriteString(": started by supervisord (autostart=true)")
			case !prog.Managed:
				b.WriteString(": started by nobody (autostart=false; see the warnings)")
			case len(prog.After) == 0:
				b.WriteString(": started first")
			default:
				fmt.Fprintf(&b, ": started when %s", describeWaits(prog.After))
			}
			fmt.Fprintf(&b, "; priority %d", prog.EffectivePriority)
			if prog.EffectivePriority != prog.Priority {
				fmt.Fprintf(&b, " (inherited; own %d)", prog.Priority)
			}
			b.WriteString("\n")
			if f := describeFollows(prog); f != "" {
				fmt.Fprintf(&b, "    then %s\n", f)
			}
		}
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
