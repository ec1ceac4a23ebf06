package outbox

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFlags(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	f := RegisterFlags(fs)
	if err := fs.Parse([]string{"--outbox", "/tmp/o", "--outbox-max", "50", "--outbox-max-age", "2h"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	var cfg Config
	f.Apply(&cfg)
	if cfg.Dir != "/tmp/o" || cfg.MaxItems != 50 || cfg.MaxAge != 2*time.Hour {
		t.Fatalf("config %+v", cfg)
	}
	for args, want := range map[string]string{
		"--outbox-max 0":      "invalid --outbox-max 0: give a number of notifications, 1 or more",
		"--outbox-max-age 5s": "invalid --outbox-max-age 5s: give a duration of a minute or more",
	} {
		fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
		f := RegisterFlags(fs)
		if err := fs.Parse(strings.Fields(args)); err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}
