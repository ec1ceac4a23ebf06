package selection

import (
	"errors"
	"slices"
	"testing"

	"github.com/golance/golance/listener"
)

var procs = [][2]string{{"web", "web_00"}, {"web", "web_01"}, {"worker", "worker"}, {"batch", "a"}, {"crashmail", "crashmail"}}

func TestSelects(t *testing.T) {
	t.Parallel()
	self := Self{"crashmail", "crashmail"}
	tests := []struct {
		name string
		spec Spec
		want []bool
	}{
		{"empty covers all, itself too", Spec{Self: self}, []bool{true, true, true, true, true}},
		{"any leaves itself out", Spec{Any: true, Self: self}, []bool{true, true, true, true, false}},
		{"any without a self", Spec{Any: true}, []bool{true, true, true, true, true}},
		{"a bare name covers its group", Spec{Programs: []string{"web"}}, []bool{true, true, false, false, false}},
		{"ProcessOnly: a bare name is a process's", Spec{Programs: []string{"web", "a", "worker", "web:web_01"}, ProcessOnly: true}, []bool{false, true, true, true, false}},
		{"group:name and group:*", Spec{Programs: []string{"web:web_01", "batch:*"}}, []bool{false, true, false, true, false}},
		{"named itself", Spec{Programs: []string{"crashmail"}, Self: self}, []bool{false, false, false, false, true}},
		{"never itself, even named", Spec{Programs: []string{"crashmail", "worker"}, Self: self, Policy: SelfNever}, []bool{false, false, true, false, false}},
		{"never itself, empty", Spec{Self: self, Policy: SelfNever}, []bool{true, true, true, true, false}},
		{"empty covers none", Spec{Empty: EmptyNone, Self: self}, []bool{false, false, false, false, false}},
		{"exclude", Spec{Exclude: []string{"web:web_0[1]", "batch"}}, []bool{true, false, true, false, true}},
	}
	for _, tt := range tests {
		s, err := New(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range procs {
			if got := s.Selects(p[0], p[1]); got != tt.want[i] {
				t.Errorf("%s: Selects(%s:%s) = %v", tt.name, p[0], p[1], got)
			}
		}
	}
	var none *Selector
	if !none.Selects("x", "y") || none.String() != "every process" {
		t.Error("a nil Selector does not select every process")
	}
}

func TestCoversAndIsSelf(t *testing.T) {
	t.Parallel()
	s, err := New(Spec{Any: true, Self: Self{"memmon", "memmon"}, Policy: SelfNever})
	if err != nil {
		t.Fatal(err)
	}
	if s.Selects("memmon", "memmon") || !s.Covers("memmon", "memmon") || !s.IsSelf("memmon", "memmon") || s.IsSelf("web", "web") {
		t.Error("memmon is not covered-but-left-out")
	}
	if (Self{}).Is("", "") || (Self{}).String() != "" || (Self{"web", "web_01"}).String() != "web:web_01" {
		t.Error("Self")
	}
}

func TestBadNames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Programs: []string{"a:b:c"}}, `bad process name "a:b:c": more than one ':' (write name, group:name or group:*)`},
		{Spec{Programs: []string{"web,db"}}, `bad process name "web,db": one name per flag; repeat -p for each process (-p web -p db)`},
		{Spec{Programs: []string{"web,db"}, Flag: "--program"}, `bad process name "web,db": one name per flag; repeat --program for each process (--program web --program db)`},
		{Spec{Exclude: []string{"a,b,c"}}, `bad process name "a,b,c": one name per flag; repeat --exclude for each process (--exclude a --exclude b --exclude c)`},
	} {
		_, err := New(tt.spec)
		if !errors.Is(err, listener.ErrBadNamespec) || err.Error() != tt.want {
			t.Errorf("%+v:\n got %v\nwant %s", tt.spec, err, tt.want)
		}
	}
}

func TestUnmatchedAndString(t *testing.T) {
	t.Parallel()
	s, err := New(Spec{Programs: []string{"web", "db", "batch:b*"}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Unmatched(func(yield func(group, name string)) {
		for _, p := range procs {
			yield(p[0], p[1])
		}
	})
	if !slices.Equal(got, []string{"db", "batch:b*"}) {
		t.Errorf("Unmatched = %q", got)
	}
	s, err = New(Spec{Programs: []string{"web", "a", "web_00"}, ProcessOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got = s.Unmatched(func(yield func(group, name string)) {
		for _, p := range procs {
			yield(p[0], p[1])
		}
	})
	if !slices.Equal(got, []string{"web"}) {
		t.Errorf("ProcessOnly: Unmatched = %q", got)
	}
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{}, "every process"},
		{Spec{Policy: SelfNever}, "every process but this listener"},
		{Spec{Any: true}, "every process but this listener"},
		{Spec{Empty: EmptyNone}, "no process"},
		{Spec{Programs: []string{"web", "db:*"}, Exclude: []string{"web:web_00"}}, `["web" "db:*"] except ["web:web_00"]`},
		{Spec{Programs: []string{" web", "db:*"}, ProcessOnly: true}, `["web" "db:*"]`},
	} {
		s, err := New(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.String(); got != tt.want {
			t.Errorf("%+v: String() = %q, want %q", tt.spec, got, tt.want)
		}
	}
}
