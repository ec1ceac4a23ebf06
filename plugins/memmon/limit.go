package memmon

import (
	"slices"
	"strconv"
	"strings"

	"github.com/golance/golance/listener"
)

// Limit is one memory limit from the command line: -p NAME=SIZE,
// -g GROUP=SIZE or -a SIZE.
type Limit struct {
	// Name is what the limit applies to: for -p, a process as
	// listener.Matcher reads it ("web", "web:web_01", "web:*"); for -g, a
	// group name; for -a, "".
	Name string
	// Bytes is the limit. A process is restarted when it uses more.
	Bytes uint64
}

// ParseLimit reads a NAME=SIZE flag value.
func ParseLimit(s string) (Limit, error) {
	name, size, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.Contains(size, "=") {
		return Limit{}, badValue("%q is not NAME=SIZE: write for example web=200MB or web:web_01=1.5GB", s)
	}
	n, err := ParseSize(size)
	if err != nil {
		return Limit{}, err
	}
	return Limit{Name: name, Bytes: n}, nil
}

// String returns the limit as superlance's "Checking ..." lines show it:
// name=bytes.
func (l Limit) String() string { return l.Name + "=" + strconv.FormatUint(l.Bytes, 10) }

// rule is a Limit and the processes it covers.
type rule struct {
	flag  string // "-p", "-g" or "-a"
	limit Limit
	match *listener.Matcher
	// matched is set when the rule covered a process in the current tick;
	// reported when memmon said that it covers none.
	matched, reported bool
}

func newRule(flag string, l Limit) (*rule, error) {
	var m *listener.Matcher
	var err error
	switch flag {
	case "-p":
		m, err = listener.NewMatcher([]string{l.Name}, false)
	case "-g":
		if strings.Contains(l.Name, ":") {
			return nil, badValue("%q is not a group name: give -g GROUP=SIZE without ':' (use -p for group:name)", l.Name)
		}
		m, err = listener.NewMatcher([]string{l.Name + ":*"}, false)
	default:
		m, err = listener.NewMatcher(nil, true)
	}
	if err != nil {
		return nil, &valueError{msg: err.Error()}
	}
	return &rule{flag: flag, limit: l, match: m}, nil
}

func (r *rule) String() string {
	if r.flag == "-a" {
		return "-a " + strconv.FormatUint(r.limit.Bytes, 10)
	}
	return r.flag + " " + r.limit.String()
}

// checkingLine returns superlance's "Checking programs a=1, b=2" line for
// limits, sorted by name, or "" when there are none.
func checkingLine(what string, limits []Limit) string {
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
