package selection

import (
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/pflag"
)

// Long names of the selection flags.
const (
	FlagProgram = "program"
	FlagAny     = "any"
	FlagExclude = "exclude"
)

// Options describe one command's selection flags.
type Options struct {
	// ProgramShort and AnyShort are the short letters of -p/--program
	// and -a/--any, "" for none (the batch mailers have no -p: superlance
	// gave them -p for --password).
	ProgramShort, AnyShort string
	// Exclude adds --exclude.
	Exclude bool
	// Empty, Policy and ProcessOnly are as in Spec.
	Empty       Empty
	Policy      SelfPolicy
	ProcessOnly bool
	// Verb says what the plugin does to a selected process, for the
	// flags' help: "mail about", "restart", "report on".
	Verb string
}

// Flags holds the values of one command's selection flags.
type Flags struct {
	programs, exclude []string
	any               bool
	opts              Options
}

// Register adds the selection flags to fs.
func Register(fs *pflag.FlagSet, opts Options) *Flags {
	f := &Flags{opts: opts}
	if opts.Verb == "" {
		opts.Verb = "act on"
	}
	bare := "a bare name also covers every process of the group of that name (numprocs programs)"
	if opts.ProcessOnly {
		bare = "a bare name is a process's name in any group, as in superlance (write group:* for every process of a numprocs program)"
	}
	fs.StringArrayVarP(&f.programs, FlagProgram, opts.ProgramShort, nil,
		opts.Verb+" this `process`: name, group:name, group:* or a shell pattern; "+bare+"; one name per flag, repeatable")
	anyUsage := opts.Verb + " every process but this listener itself"
	switch {
	case opts.Empty == EmptyAll && opts.Policy == SelfNever:
		anyUsage += " (also what no --program means)"
	case opts.Empty == EmptyAll:
		anyUsage += " (without --program or --any every process is covered, this listener too)"
	}
	fs.BoolVarP(&f.any, FlagAny, opts.AnyShort, false, anyUsage)
	if opts.Exclude {
		fs.StringArrayVar(&f.exclude, FlagExclude, nil, "never "+opts.Verb+" this `process` (same forms as --program); repeatable")
	}
	return f
}

// Selector builds the Selector the flags describe for this listener
// (CurrentSelf). A malformed name is a *cli.UsageError naming the flag.
func (f *Flags) Selector() (*Selector, error) {
	return f.selector(CurrentSelf())
}

func (f *Flags) selector(self Self) (*Selector, error) {
	if _, err := New(Spec{Programs: f.exclude, Flag: "--" + FlagExclude}); err != nil {
		return nil, cli.Usagef("invalid --%s: %w", FlagExclude, err)
	}
	example := "--" + FlagProgram
	if f.opts.ProgramShort != "" {
		example = "-" + f.opts.ProgramShort
	}
	s, err := New(Spec{Programs: f.programs, Any: f.any, Exclude: f.exclude, Empty: f.opts.Empty,
		Self: self, Policy: f.opts.Policy, Flag: example, ProcessOnly: f.opts.ProcessOnly})
	if err != nil {
		return nil, cli.Usagef("invalid %s: %w", flagName(f.opts.ProgramShort, FlagProgram), err)
	}
	return s, nil
}

// flagName renders a flag as users type it: "-p/--program" or "--program".
func flagName(short, long string) string {
	if short == "" {
		return "--" + long
	}
	return "-" + short + "/--" + long
}
