package memmon

import (
	"errors"
	"testing"

	"github.com/golance/golance/plugins/internal/selection"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	good := map[string]limit{
		"foo=50MB":           {"foo", 50 << 20},
		"grp:foo=1GB":        {"grp:foo", 1 << 30},
		"web:web_0?=1.5g":    {"web:web_0?", 3 << 29},
		" spaced = 10 kb ":   {"spaced", 10 << 10},
		"numprocs:*=1048576": {"numprocs:*", 1 << 20},
	}
	for in, want := range good {
		if got, err := parseLimit(in); err != nil || got != want {
			t.Errorf("parseLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"foo", "=1MB", "foo=", "foo=1MB=2MB", "foo=lots"} {
		if _, err := parseLimit(in); !errors.Is(err, errBadValue) {
			t.Errorf("parseLimit(%q): %v, want errBadValue", in, err)
		}
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	p, err := newRule("-p", limit{"web", 1}, selection.Self{})
	if err != nil {
		t.Fatal(err)
	}
	// A bare name covers a numprocs program's processes (superlance #116)
	// and a process of that name in any group.
	for _, proc := range [][2]string{{"web", "web"}, {"web", "web_00"}, {"grp", "web"}} {
		if !p.match.Selects(proc[0], proc[1]) {
			t.Errorf("-p web does not cover %s:%s", proc[0], proc[1])
		}
	}
	g, err := newRule("-g", limit{"grp", 1}, selection.Self{})
	if err != nil {
		t.Fatal(err)
	}
	if !g.match.Selects("grp", "a") || g.match.Selects("other", "grp") {
		t.Error("-g grp covers the wrong processes")
	}
	if _, err := newRule("-g", limit{"grp:a", 1}, selection.Self{}); !errors.Is(err, errBadValue) {
		t.Errorf("-g grp:a: %v", err)
	}
	if _, err := newRule("-p", limit{"a:b:c", 1}, selection.Self{}); err == nil {
		t.Error("-p a:b:c accepted")
	}
	if got := checkingLine("programs", []limit{{"b", 2}, {"a", 1}}); got != "Checking programs a=1, b=2" {
		t.Errorf("checking line %q", got)
	}
}
