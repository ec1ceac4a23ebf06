package memmon

import (
	"slices"
	"strconv"
	"strings"

	"github.com/golance/golance/plugins/internal/selection"
)

// limit is one memory limit from the command line: -p NAME=SIZE,
// -g GROUP=SIZE or -a SIZE.
type limit struct {
	// name is what the limit applies to: for -p, a process as
	// listener.Matcher reads it ("web", "web:web_01", "web:*"); for -g, a
	// group name; for -a, "".
	name string
	// bytes is the limit. A process is restarted when it uses more.
	bytes uint64
}

// parseLimit reads a NAME=SIZE flag value.
func parseLimit(s string) (limit, error) {
	name, size, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.Contains(size, "=") {
		return limit{}, badValue("%q is not NAME=SIZE: write for example web=200MB or web:web_01=1.5GB", s)
	}
	n, err := parseSize(size)
	if err != nil {
		return limit{}, err
	}
	return limit{name: name, bytes: n}, nil
}

// String returns the limit as superlance's "Checking ..." lines show it:
// name=bytes.
func (l limit) String() string { return l.name + "=" + strconv.FormatUint(l.bytes, 10) }

// rule is a limit and the processes it covers, chosen by the selection
// every plugin uses, memmon itself never among them.
type rule struct {
	flag  string // "-p", "-g" or "-a"
	limit limit
	match *selection.Selector
	// matched is set when the rule covered a process in the current tick;
	// reported when memmon said that it covers none.
	matched, reported bool
}

func newRule(flag string, l limit, self selection.Self) (*rule, error) {
	spec := selection.Spec{Self: self, Policy: selection.SelfNever, Empty: selection.EmptyNone}
	switch flag {
	case "-p":
		spec.Programs = []string{l.name}
	case "-g":
		if strings.Contains(l.name, ":") {
			return nil, badValue("%q is not a group name: give -g GROUP=SIZE without ':' (use -p for group:name)", l.name)
		}
		spec.Programs, spec.Flag = []string{l.name + ":*"}, "-g"
	default:
		spec.Any = true
	}
	m, err := selection.New(spec)
	if err != nil {
		return nil, &valueError{msg: err.Error()}
	}
	return &rule{flag: flag, limit: l, match: m}, nil
}

func (r *rule) String() string {
	if r.flag == "-a" {
		return "-a " + strconv.FormatUint(r.limit.bytes, 10)
	}
	return r.flag + " " + r.limit.String()
}

// checkingLine returns superlance's "Checking programs a=1, b=2" line for
// limits, sorted by name, or "" when there are none.
func checkingLine(what string, limits []limit) string {
	if len(limits) == 0 {
		return ""
	}
	parts := make([]string, len(limits))
	for i, l := range limits {
		parts[i] = l.String()
	}
	slices.Sort(parts)
	return "Checking " + what + " " + strings.Join(parts, ", ")
}
