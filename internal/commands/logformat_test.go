package commands

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// logLine is the one format of golance's own log lines, in every binary:
// supervisord's main-log stamp and level, then the message (package
// plugins/internal/log).
var logLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?:DEBG|INFO|WARN|ERRO|CRIT) \S`)

// TestOneLogLineFormat runs every listener binary as supervisord would
// (the emulator, with its XML-RPC interface), through its start, a crash,
// a tick and its stop, and holds every line it wrote to stderr to one
// format. Each binary logs at least its start-up line. (A binary that
// cannot start says why in the one line of a failed command, "name:
// reason", which the other tests of this package hold it to.)
func TestOneLogLineFormat(t *testing.T) {
	t.Parallel()
	// Beyond the contract's arguments: slack-notify posts (to nowhere)
	// rather than printing payloads with --dry-run, and eventdump writes
	// its events to a file rather than to stderr: those are what they were
	// asked to print, not log lines.
	args := map[string][]string{"slack-notify": {"-a"}, "eventdump": {"--output", filepath.Join(t.TempDir(), "events.jsonl")}}
	env := map[string][]string{"slack-notify": {"SLACK_WEBHOOK_URL=http://127.0.0.1:9/hook"}}
	for _, b := range Binaries() {
		if notListeners[b.Name] {
			continue
		}
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			bin, err := exec.LookPath(b.Name) // TestMain put it on PATH
			if err != nil {
				t.Fatal(err)
			}
			a := contract[b.Name].args
			if over, ok := args[b.Name]; ok {
				a = over
			}
			for i, arg := range a {
				if strings.HasPrefix(arg, "testdata/") {
					a[i], _ = filepath.Abs(arg)
				}
			}
			s := testharness.Start(t, testharness.Config{
				RPC: true,
				Env: append([]string{"STATE_DIRECTORY=" + t.TempDir()}, env[b.Name]...),
				Pools: []testharness.Pool{{
					Name:          b.Name,
					Events:        []listener.EventType{listener.ProcessStateExited, listener.Tick5},
					ProcessConfig: testharness.ProcessConfig{Command: append([]string{bin}, a...)},
				}},
				Programs: []testharness.Program{
					{Name: "web", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}},
					{Name: "app"}, // ordered-startup's testdata/supervisord.conf
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := s.Process("web").Exit(1); err != nil {
				t.Fatal(err)
			}
			s.Tick(listener.Tick5)
			if err := s.WaitIdle(ctx); err != nil {
				t.Fatalf("%v; stderr:\n%s", err, s.Process(b.Name).Stderr())
			}
			if err := s.Process(b.Name).Stop(ctx, true); err != nil {
				t.Fatal(err)
			}
			stderr := s.Process(b.Name).Stderr()
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if stderr == "" {
				t.Fatalf("%s logged nothing, not even a start-up line", b.Name)
			}
			for _, l := range lines {
				if !logLine.MatchString(l) {
					t.Errorf("%s: a line not in the log format: %q", b.Name, l)
				}
			}
		})
	}
}
