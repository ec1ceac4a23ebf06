package doctor

import "fmt"

// A Finding is one problem in a configuration: where it is, what is wrong
// and the change that fixes it, printed as one line.
type Finding struct {
	// File and Line place the finding: the section's header, or the key
	// to change. Line is 0 for the configuration as a whole.
	File string
	Line int
	// Section is the section's name ("eventlistener:crashmail"), "" for
	// the configuration as a whole.
	Section string
	Problem string
	Fix     string
}

func (f Finding) String() string {
	where := f.File
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	if f.Section != "" {
		where += ": [" + f.Section + "]"
	}
	return fmt.Sprintf("%s: %s; fix: %s", where, f.Problem, f.Fix)
}
