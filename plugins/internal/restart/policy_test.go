package restart

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestPolicyFlags(t *testing.T) {
	t.Parallel()
	var p Policy
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	p.AddFlags(fs, "failed checks")
	if p != (Policy{Consecutive: 1, Window: time.Hour}) {
		t.Fatalf("defaults %+v", p)
	}
	if err := fs.Parse([]string{"--consecutive", "3", "--max-restarts=5", "--restart-window", "30m"}); err != nil {
		t.Fatal(err)
	}
	if p != (Policy{Consecutive: 3, MaxRestarts: 5, Window: 30 * time.Minute}) {
		t.Fatalf("parsed %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if u := fs.FlagUsages(); !strings.Contains(u, "N failed checks in a row") {
		t.Errorf("usage does not say what fails:\n%s", u)
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p    Policy
		flag string
	}{
		{Policy{Consecutive: 0}, "--consecutive"},
		{Policy{Consecutive: 1, MaxRestarts: -1}, "--max-restarts"},
		{Policy{Consecutive: 1, MaxRestarts: 2}, "--restart-window"},
		{Policy{Consecutive: 1, Window: -time.Second}, "--restart-window"},
	} {
		err := tt.p.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.flag) {
			t.Errorf("Validate(%+v) = %v, want an error about %s", tt.p, err, tt.flag)
		}
	}
}

func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	c := Config{}.WithDefaults(nil)
	if c.Consecutive != 1 || c.StepTimeout != DefaultStepTimeout || c.Parallel != DefaultParallel || c.Clock == nil {
		t.Errorf("defaults %+v", c)
	}
	if c := (Config{Policy: Policy{Consecutive: 3}, Parallel: 2}).WithDefaults(nil); c.Consecutive != 3 || c.Parallel != 2 {
		t.Errorf("set fields changed: %+v", c)
	}
}
