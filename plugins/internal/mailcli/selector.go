package mailcli

import (
	"fmt"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/pflag"
)

// Long names of the process selection flags.
const (
	FlagProgram = "program"
	FlagAny     = "any"
)

// ProcessFlags holds the values of -p/--program and -a/--any.
type ProcessFlags struct {
	Programs []string
	Any      bool

	programFlag string // as users type it, for messages
}

// RegisterProcessFlags adds --program (repeatable) and --any to fs with
// the given short letters ("" for none).
func RegisterProcessFlags(fs *pflag.FlagSet, programShort, anyShort string) *ProcessFlags {
	p := &ProcessFlags{programFlag: "--" + FlagProgram}
	if programShort != "" {
		p.programFlag = "-" + programShort + "/" + p.programFlag
	}
	fs.StringArrayVarP(&p.Programs, FlagProgram, programShort, nil,
		"report only on this `process`: name, group:name, group:* or a shell pattern; a bare name also covers "+
			"every process of the group of that name (numprocs programs); repeatable")
	fs.BoolVarP(&p.Any, FlagAny, anyShort, false,
		"report on every process except this listener itself (without --program or --any every process is covered)")
	return p
}

// Selector decides which processes a plugin reports on.
type Selector struct {
	matcher             *listener.Matcher
	selfGroup, selfName string
}

// Selector builds the Selector the flags describe. With neither
// --program nor --any every process is selected, as superlance's
// crashmail always did. With --any the listener's own process, named by
// SUPERVISOR_GROUP_NAME and SUPERVISOR_PROCESS_NAME, is left out, as every
// golance plugin does. An invalid name is a *cli.UsageError.
func (p *ProcessFlags) Selector() (*Selector, error) {
	self := ""
	if group, name, ok := listener.Self(); ok {
		self = group + ":" + name
	}
	s, err := NewSelector(p.Programs, p.Any, self)
	if err != nil {
		return nil, cli.Usagef("invalid %s: %w", p.programFlag, err)
	}
	return s, nil
}

// NewSelector returns a Selector for specs and any as NewMatcher reads
// them. With any, the process self ("group:name", the listener's own; ""
// for none) is left out.
func NewSelector(specs []string, any bool, self string) (*Selector, error) {
	m, err := listener.NewMatcher(specs, any)
	if err != nil {
		return nil, err
	}
	s := &Selector{matcher: m}
	if any && self != "" {
		s.selfGroup, s.selfName = listener.SplitNamespec(self)
	}
	return s, nil
}

// Selects reports whether the process name of group group is reported on.
// A nil Selector selects every process.
func (s *Selector) Selects(group, name string) bool {
	if s == nil {
		return true
	}
	if s.selfName != "" && group == s.selfGroup && name == s.selfName {
		return false
	}
	return s.matcher.Empty() || s.matcher.Match(group, name)
}

// String describes the selection for a startup log line.
func (s *Selector) String() string {
	switch {
	case s == nil || s.matcher.Empty():
		return "every process"
	case s.matcher.Any():
		return "every process but this listener"
	}
	return fmt.Sprintf("%q", s.matcher.Specs())
}
