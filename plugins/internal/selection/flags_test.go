package selection

import (
	"errors"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/pflag"
)

func parse(t *testing.T, opts Options, args ...string) *Flags {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f := Register(fs, opts)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return f
}

func TestFlags(t *testing.T) {
	t.Setenv("SUPERVISOR_GROUP_NAME", "mail")
	t.Setenv("SUPERVISOR_PROCESS_NAME", "mail_01")
	s, err := parse(t, Options{ProgramShort: "p", AnyShort: "a"}, "-p", "web", "--program", "db:*", "-a").Selector()
	if err != nil {
		t.Fatal(err)
	}
	if s.Selects("mail", "mail_01") || !s.Selects("mail", "mail_00") || !s.Selects("other", "other") {
		t.Error("-a does not select everything but the listener itself")
	}
	if s.String() != "every process but this listener" {
		t.Errorf("String() = %q", s.String())
	}
	s, err = parse(t, Options{Exclude: true}, "--exclude", "web", "--exclude", "db").Selector()
	if err != nil || s.Selects("web", "web") || s.Selects("db", "db") || !s.Selects("x", "x") {
		t.Errorf("--exclude: %v", err)
	}
}

func TestFlagErrorsAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		opts Options
		args []string
		want string
	}{
		{Options{}, []string{"--program", "a:b:c"},
			`invalid --program: bad process name "a:b:c": more than one ':' (write name, group:name or group:*)`},
		{Options{ProgramShort: "p"}, []string{"-p", "a,b"},
			`invalid -p/--program: bad process name "a,b": one name per flag; repeat -p for each process (-p a -p b)`},
		{Options{Exclude: true}, []string{"--exclude", "a,b"},
			`invalid --exclude: bad process name "a,b": one name per flag; repeat --exclude for each process (--exclude a --exclude b)`},
	} {
		_, err := parse(t, tt.opts, tt.args...).selector(Self{})
		var usage *cli.UsageError
		if !errors.As(err, &usage) || !errors.Is(err, listener.ErrBadNamespec) || err.Error() != tt.want {
			t.Errorf("%q:\n got %v\nwant %s", tt.args, err, tt.want)
		}
	}
}
