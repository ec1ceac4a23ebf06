package mailcli

import (
	"errors"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/pflag"
)

func TestSelector(t *testing.T) {
	t.Parallel()
	procs := [][2]string{{"web", "web_00"}, {"web", "web_01"}, {"worker", "worker"}, {"batch", "a"}, {"crashmail", "crashmail"}}
	tests := []struct {
		specs []string
		any   bool
		self  string
		want  []bool
	}{
		{nil, false, "crashmail:crashmail", []bool{true, true, true, true, true}},
		{nil, true, "crashmail:crashmail", []bool{true, true, true, true, false}},
		{nil, true, "", []bool{true, true, true, true, true}},
		{[]string{"web"}, false, "", []bool{true, true, false, false, false}},
		{[]string{"web:web_01", "batch:*"}, false, "", []bool{false, true, false, true, false}},
		{[]string{"crashmail"}, false, "crashmail:crashmail", []bool{false, false, false, false, true}},
	}
	for _, tt := range tests {
		s, err := NewSelector(tt.specs, tt.any, tt.self)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range procs {
			if got := s.Selects(p[0], p[1]); got != tt.want[i] {
				t.Errorf("%q any=%v self=%q: Selects(%s:%s) = %v", tt.specs, tt.any, tt.self, p[0], p[1], got)
			}
		}
	}
	var none *Selector
	if !none.Selects("x", "y") || none.String() != "every process" {
		t.Error("a nil Selector does not select every process")
	}
}

func TestProcessFlags(t *testing.T) {
	t.Setenv("SUPERVISOR_GROUP_NAME", "mail")
	t.Setenv("SUPERVISOR_PROCESS_NAME", "mail_01")
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	p := RegisterProcessFlags(fs, "p", "a")
	if err := fs.Parse([]string{"-p", "web", "--program", "db:*", "-a"}); err != nil {
		t.Fatal(err)
	}
	s, err := p.Selector()
	if err != nil {
		t.Fatal(err)
	}
	if s.Selects("mail", "mail_01") || !s.Selects("mail", "mail_00") || !s.Selects("other", "other") {
		t.Error("-a does not select everything but the listener itself")
	}
	if s.String() != "every process but this listener" {
		t.Errorf("String() = %q", s.String())
	}

	fs = pflag.NewFlagSet("test", pflag.ContinueOnError)
	p = RegisterProcessFlags(fs, "", "a")
	if err := fs.Parse([]string{"--program", "a:b:c"}); err != nil {
		t.Fatal(err)
	}
	_, err = p.Selector()
	var usage *cli.UsageError
	if !errors.As(err, &usage) || !errors.Is(err, listener.ErrBadNamespec) ||
		err.Error() != `invalid --program: bad process name "a:b:c": more than one ':' (write name, group:name or group:*)` {
		t.Errorf("bad spec: %v", err)
	}
}
