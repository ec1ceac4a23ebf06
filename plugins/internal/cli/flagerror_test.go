package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// A value a flag cannot take gets one line naming the flag, the value and
// what to write, never the parser's own words.
func TestFlagErrorsSayWhatToWrite(t *testing.T) {
	newCmd := func() *cobra.Command {
		cmd := Setup(&cobra.Command{Use: "demo", RunE: func(*cobra.Command, []string) error { return nil }})
		fs := cmd.Flags()
		fs.IntP("timeout", "t", 10, "seconds")
		fs.Int("lines", 0, "lines")
		fs.IntSliceP("code", "c", nil, "statuses")
		fs.Float64P("interval", "i", 1, "minutes")
		fs.Duration("window", time.Hour, "window")
		fs.Duration("flush", 0, "flush")
		fs.Bool("tls", false, "tls")
		fs.Var(&refusing{}, "metric", "a plugin's own type")
		return cmd
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-t", "abc"}, `demo: -t/--timeout "abc" is not a whole number: write digits only, e.g. -t 10 (see demo --help)`},
		{[]string{"--timeout=5s"}, `demo: -t/--timeout "5s" is not a whole number: write digits only, e.g. -t 10 (see demo --help)`},
		{[]string{"--lines", "x"}, `demo: --lines "x" is not a whole number: write digits only, e.g. --lines 10 (see demo --help)`},
		{[]string{"-c", "200,ok"}, `demo: -c/--code "200,ok" is not a whole number: write digits only, e.g. -c 200 (see demo --help)`},
		{[]string{"-i", "one"}, `demo: -i/--interval "one" is not a number: write digits with an optional decimal point, e.g. -i 1 (see demo --help)`},
		{[]string{"--window", "5"}, `demo: --window "5" is not a duration: write a number with its unit (ms, s, m or h), e.g. --window 1h (see demo --help)`},
		{[]string{"--flush", "soon"}, `demo: --flush "soon" is not a duration: write a number with its unit (ms, s, m or h), e.g. --flush 30s (see demo --help)`},
		{[]string{"--tls=maybe"}, `demo: --tls="maybe" is neither true nor false: write --tls alone to turn it on, or --tls=false (see demo --help)`},
		{[]string{"--metric", "vsz"}, `demo: invalid --metric: unknown metric "vsz": use rss or pss (see demo --help)`},
	} {
		code, stdout, stderr := run(t, newCmd(), c.args...)
		if code != ExitUsage || stdout != "" || stderr != c.want+"\n" {
			t.Errorf("%q: code=%d stdout=%q stderr=\n%q\nwant\n%q", c.args, code, stdout, stderr, c.want)
		}
		for _, internal := range []string{"strconv", "ParseInt", "ParseFloat", "ParseBool", "time: ", "invalid syntax", "invalid argument"} {
			if strings.Contains(stderr, internal) {
				t.Errorf("%q: %q leaks %q", c.args, stderr, internal)
			}
		}
	}
}

type refusing struct{}

func (*refusing) Set(s string) error { return errors.New(`unknown metric "` + s + `": use rss or pss`) }
func (*refusing) String() string     { return "" }
func (*refusing) Type() string       { return "METRIC" }

func TestShortDuration(t *testing.T) {
	for in, want := range map[string]string{"1h0m0s": "1h", "5m0s": "5m", "1m30s": "1m30s", "10s": "10s", "8s": "8s", "1h30m0s": "1h30m", "20m0s": "20m"} {
		if got := shortDuration(in); got != want {
			t.Errorf("shortDuration(%q) = %q, want %q", in, got, want)
		}
	}
}
