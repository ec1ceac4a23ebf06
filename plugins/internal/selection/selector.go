package selection

import (
	"fmt"
	"strings"

	"github.com/golance/golance/listener"
)

// Empty says what a selection without -p and without -a covers.
type Empty int

const (
	// EmptyAll covers every process: what superlance's crashmail does,
	// and the notifiers' default.
	EmptyAll Empty = iota
	// EmptyNone covers no process: a plugin that restarts what it selects
	// (httpok) acts only on what it is told.
	EmptyNone
)

// SelfPolicy says when the listener's own process may be selected.
type SelfPolicy int

const (
	// SelfUnlessAny leaves the listener out of -a only: a -p that names
	// it, or an empty selection covering every process (superlance's
	// crashmail), covers it too, so that a crashmail mails about the crash
	// of the crashmail before it.
	SelfUnlessAny SelfPolicy = iota
	// SelfNever never selects the listener: a memmon or httpok that
	// stopped itself would leave nobody to start it again, and a
	// notifier reporting on itself only adds noise.
	SelfNever
)

// A Selector decides which processes a plugin acts on.
type Selector struct {
	match   *listener.Matcher
	exclude *listener.Matcher
	specs   []string // as given, for messages
	shown   []string // normalised, for String
	empty   Empty
	self    Self
	policy  SelfPolicy
}

// Spec says what a Selector selects.
type Spec struct {
	// Programs are -p values, one process name each (see
	// listener.Matcher); Any is -a; Exclude are --exclude values.
	Programs []string
	Any      bool
	Exclude  []string
	// Empty is what no Programs and no Any mean.
	Empty Empty
	// Self is the listener's own process, left out as Policy says.
	Self   Self
	Policy SelfPolicy
	// Flag is how the error for a name with a comma spells the flag to
	// repeat; "-p" if empty.
	Flag string
	// ProcessOnly makes a bare name in Programs the name of a process in
	// any group, and no longer also every process of the group of that
	// name: superlance's httpok, which restarts what it is given, matches
	// -p against process names and namespecs only, so that -p web on a
	// numprocs program web restarts none of its processes.
	ProcessOnly bool
}

// New returns the Selector for spec. A malformed name is an error
// wrapping listener.ErrBadNamespec; so is a name with a comma, which is
// two names given as one.
func New(spec Spec) (*Selector, error) {
	flag := spec.Flag
	if flag == "" {
		flag = "-p"
	}
	if err := checkSpecs(flag, spec.Programs); err != nil {
		return nil, err
	}
	if err := checkSpecs("--exclude", spec.Exclude); err != nil {
		return nil, err
	}
	shown, err := listener.NewMatcher(spec.Programs, spec.Any)
	if err != nil {
		return nil, err
	}
	m := shown
	if spec.ProcessOnly {
		programs := make([]string, len(spec.Programs))
		for i, p := range spec.Programs {
			if !strings.Contains(p, ":") {
				p = "*:" + strings.TrimSpace(p)
			}
			programs[i] = p
		}
		if m, err = listener.NewMatcher(programs, spec.Any); err != nil {
			return nil, err
		}
	}
	s := &Selector{match: m, specs: spec.Programs, shown: shown.Specs(), empty: spec.Empty, self: spec.Self, policy: spec.Policy}
	if len(spec.Exclude) > 0 {
		if s.exclude, err = listener.NewMatcher(spec.Exclude, false); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// checkSpecs refuses a comma in a name: supervisord names cannot hold
// one, and "-p a,b" means two processes in some listeners and none in
// others, so golance takes one name per flag.
func checkSpecs(flag string, specs []string) error {
	for _, s := range specs {
		if strings.Contains(s, ",") {
			return fmt.Errorf("%w %q: one name per flag; repeat %s for each process (%s %s)",
				listener.ErrBadNamespec, s, flag, flag, strings.Join(strings.Split(s, ","), " "+flag+" "))
		}
	}
	return nil
}

// Selects reports whether the process name of group group is acted on.
// A nil Selector selects every process.
func (s *Selector) Selects(group, name string) bool {
	if s == nil {
		return true
	}
	if s.self.Is(group, name) && (s.policy == SelfNever || s.match.Any()) {
		return false
	}
	if s.exclude != nil && s.exclude.Match(group, name) {
		return false
	}
	if s.match.Empty() {
		return s.empty == EmptyAll
	}
	return s.match.Match(group, name)
}

// Covers reports whether the process would be selected if it were not
// the listener itself: for the plugins that say so when they leave
// themselves out.
func (s *Selector) Covers(group, name string) bool {
	if s == nil {
		return true
	}
	if s.exclude != nil && s.exclude.Match(group, name) {
		return false
	}
	if s.match.Empty() {
		return s.empty == EmptyAll
	}
	return s.match.Match(group, name)
}

// IsSelf reports whether the process is the listener itself.
func (s *Selector) IsSelf(group, name string) bool { return s != nil && s.self.Is(group, name) }

// Any reports whether -a was given.
func (s *Selector) Any() bool { return s != nil && s.match.Any() }

// Specs returns the -p names as given, in order.
func (s *Selector) Specs() []string {
	if s == nil {
		return nil
	}
	return s.specs
}

// Unmatched returns the -p names, as given, that select none of the
// processes listed by each, which calls back with every process's group
// and name: names an operator should check with supervisorctl status.
func (s *Selector) Unmatched(each func(yield func(group, name string))) []string {
	if s == nil || len(s.specs) == 0 {
		return nil
	}
	used := map[string]bool{}
	each(func(group, name string) {
		for _, spec := range s.match.MatchSpec(group, name) {
			used[spec] = true
		}
	})
	var out []string
	for i, spec := range s.match.Specs() {
		if !used[spec] {
			out = append(out, s.specs[i])
		}
	}
	return out
}

// String describes the selection for a start-up line.
func (s *Selector) String() string {
	var what string
	switch {
	case s == nil:
		return "every process"
	case s.match.Any() || (s.match.Empty() && s.empty == EmptyAll):
		what = "every process"
		if s.policy == SelfNever || s.match.Any() {
			what += " but this listener"
		}
	case s.match.Empty():
		what = "no process"
	default:
		what = fmt.Sprintf("%q", s.shown)
	}
	if s.exclude != nil {
		what += fmt.Sprintf(" except %q", s.exclude.Specs())
	}
	return what
}
