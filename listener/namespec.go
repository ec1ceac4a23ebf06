package listener

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Namespec returns the name supervisord's XML-RPC methods take for a
// process: "name" when the process and its group share a name (a plain
// [program:x] with numprocs=1), else "group:name". This is supervisord's
// make_namespec.
func Namespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// SplitNamespec splits a namespec into group and process name the way
// supervisord's split_namespec does: "group:name" gives (group, name),
// "group:*" gives (group, "*") and a bare "name" gives (name, name).
func SplitNamespec(spec string) (group, name string) {
	if g, n, ok := strings.Cut(spec, ":"); ok {
		return g, n
	}
	return spec, spec
}

// A Matcher selects processes by the names operators write on plugin
// command lines (-p/--program). Every plugin uses it, so that every plugin
// understands the same names:
//
//   - "name" matches the process called name in any group, and every
//     process of the group called name. That covers a plain [program:x],
//     each member of a [group:x], and each process of a numprocs program
//     ("web" matches web:web_00 and web:web_01).
//   - "group:name" matches one process of one group ("web:web_01").
//   - "group:*" matches every process of a group.
//   - Either part may be a shell pattern as in path.Match ("web:web_0?").
//
// A Matcher built with any set matches every process.
type Matcher struct {
	specs []matchSpec
	any   bool
}

type matchSpec struct {
	group, name string
	bare        bool // written without a group
}

// ErrBadNamespec is wrapped by the errors NewMatcher returns.
var ErrBadNamespec = errors.New("bad process name")

// NewMatcher returns a Matcher for the given specs, each as described on
// Matcher. any selects every process.
func NewMatcher(specs []string, any bool) (*Matcher, error) {
	m := &Matcher{any: any}
	for _, s := range specs {
		spec, err := parseMatchSpec(s)
		if err != nil {
			return nil, err
		}
		m.specs = append(m.specs, spec)
	}
	return m, nil
}

func parseMatchSpec(s string) (matchSpec, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s (write name, group:name or group:*)", ErrBadNamespec, s, why)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return matchSpec{}, bad("empty")
	}
	if strings.Count(s, ":") > 1 {
		return matchSpec{}, bad("more than one ':'")
	}
	if strings.ContainsAny(s, " /") {
		return matchSpec{}, bad("supervisord names cannot contain spaces or '/'")
	}
	group, name, grouped := strings.Cut(s, ":")
	if !grouped {
		name = group
	}
	if group == "" || name == "" {
		return matchSpec{}, bad("empty group or process name")
	}
	for _, pattern := range []string{group, name} {
		if _, err := path.Match(pattern, ""); err != nil {
			return matchSpec{}, bad("malformed pattern")
		}
	}
	return matchSpec{group: group, name: name, bare: !grouped}, nil
}

// Match reports whether the process name in group group is selected.
func (m *Matcher) Match(group, name string) bool {
	if m == nil {
		return false
	}
	if m.any {
		return true
	}
	for _, s := range m.specs {
		if s.bare {
			if match(s.name, name) || match(s.name, group) {
				return true
			}
			continue
		}
		if match(s.group, group) && match(s.name, name) {
			return true
		}
	}
	return false
}

// MatchSpec reports which of the Matcher's specs select the process, in
// the order they were given; it is empty when only any matched or nothing
// did. Plugins use it to report names that matched no process.
func (m *Matcher) MatchSpec(group, name string) []string {
	var out []string
	for _, s := range m.specs {
		if (s.bare && (match(s.name, name) || match(s.name, group))) ||
			(!s.bare && match(s.group, group) && match(s.name, name)) {
			out = append(out, s.String())
		}
	}
	return out
}

// Specs returns the specs the Matcher was built from, normalised.
func (m *Matcher) Specs() []string {
	out := make([]string, len(m.specs))
	for i, s := range m.specs {
		out[i] = s.String()
	}
	return out
}

// Any reports whether the Matcher selects every process.
func (m *Matcher) Any() bool { return m != nil && m.any }

// Empty reports whether the Matcher has no specs and does not select every
// process. Plugins decide what an empty selection means: crashmail covers
// every process, httpok none.
func (m *Matcher) Empty() bool { return m == nil || (!m.any && len(m.specs) == 0) }

func (s matchSpec) String() string {
	if s.bare {
		return s.name
	}
	return s.group + ":" + s.name
}

func match(pattern, s string) bool {
	if !strings.ContainsAny(pattern, `*?[\`) {
		return pattern == s
	}
	ok, _ := path.Match(pattern, s)
	return ok
}
