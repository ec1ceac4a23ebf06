package listener

import (
	"errors"
	"reflect"
	"testing"
)

func TestNamespec(t *testing.T) {
	if Namespec("cat", "cat") != "cat" || Namespec("web", "web_01") != "web:web_01" {
		t.Fatal("Namespec")
	}
	for spec, want := range map[string][2]string{"cat": {"cat", "cat"}, "web:web_01": {"web", "web_01"}, "web:*": {"web", "*"}} {
		if g, n := SplitNamespec(spec); g != want[0] || n != want[1] {
			t.Errorf("SplitNamespec(%q) = %q, %q", spec, g, n)
		}
	}
}

func TestMatcher(t *testing.T) {
	type proc struct{ group, name string }
	procs := []proc{
		{"cat", "cat"},           // [program:cat]
		{"web", "web_00"},        // [program:web] numprocs=2
		{"web", "web_01"},        //
		{"tools", "grep"},        // [group:tools] programs=grep,sed
		{"tools", "sed"},         //
		{"listener", "listener"}, // [eventlistener:listener]
		{"workers", "worker_1"},  //
		{"workers", "worker_12"}, //
		{"cats", "cat"},          // a process named cat in another group
	}
	tests := []struct {
		specs []string
		any   bool
		want  []proc
	}{
		{nil, false, nil},
		{nil, true, procs},
		{[]string{"cat"}, false, []proc{{"cat", "cat"}, {"cats", "cat"}}},
		{[]string{"cat:cat"}, false, []proc{{"cat", "cat"}}},
		{[]string{"web"}, false, []proc{{"web", "web_00"}, {"web", "web_01"}}},
		{[]string{"web:web_01"}, false, []proc{{"web", "web_01"}}},
		{[]string{"web_01"}, false, []proc{{"web", "web_01"}}},
		{[]string{"web:*"}, false, []proc{{"web", "web_00"}, {"web", "web_01"}}},
		{[]string{"tools"}, false, []proc{{"tools", "grep"}, {"tools", "sed"}}},
		{[]string{"tools:sed", "cat:cat"}, false, []proc{{"cat", "cat"}, {"tools", "sed"}}},
		{[]string{"workers:worker_?"}, false, []proc{{"workers", "worker_1"}}},
		{[]string{"*:web_0[01]"}, false, []proc{{"web", "web_00"}, {"web", "web_01"}}},
		{[]string{"nosuch"}, false, nil},
	}
	for _, tt := range tests {
		m, err := NewMatcher(tt.specs, tt.any)
		if err != nil {
			t.Fatal(err)
		}
		var got []proc
		for _, p := range procs {
			if m.Match(p.group, p.name) {
				got = append(got, p)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("specs %v any=%v matched %v, want %v", tt.specs, tt.any, got, tt.want)
		}
	}
}

func TestMatcherHelpers(t *testing.T) {
	m, _ := NewMatcher([]string{" web ", "tools:*", "web:web_01"}, false)
	if got := m.Specs(); !reflect.DeepEqual(got, []string{"web", "tools:*", "web:web_01"}) {
		t.Errorf("Specs = %v", got)
	}
	if got := m.MatchSpec("web", "web_01"); !reflect.DeepEqual(got, []string{"web", "web:web_01"}) {
		t.Errorf("MatchSpec = %v", got)
	}
	if m.Empty() || m.Any() {
		t.Error("Empty/Any")
	}
	empty, _ := NewMatcher(nil, false)
	if !empty.Empty() {
		t.Error("no specs is Empty")
	}
	var nilm *Matcher
	if nilm.Match("a", "a") || !nilm.Empty() {
		t.Error("nil Matcher matches nothing")
	}
}

func TestMatcherRejectsBadSpecs(t *testing.T) {
	for _, s := range []string{"", "  ", "a:b:c", ":name", "group:", "has space", "a/b", "web:[", "["} {
		_, err := NewMatcher([]string{s}, false)
		if !errors.Is(err, ErrBadNamespec) {
			t.Errorf("%q: err = %v, want ErrBadNamespec", s, err)
		}
	}
}

func TestSelf(t *testing.T) {
	t.Setenv("SUPERVISOR_GROUP_NAME", "monitors")
	t.Setenv("SUPERVISOR_PROCESS_NAME", "memmon_01")
	if g, n, ok := Self(); g != "monitors" || n != "memmon_01" || !ok {
		t.Fatalf("Self() = %q, %q, %v", g, n, ok)
	}
	t.Setenv("SUPERVISOR_PROCESS_NAME", "")
	if _, _, ok := Self(); ok {
		t.Fatal("Self() reports a name supervisord did not set")
	}
}
