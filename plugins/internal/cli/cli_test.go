package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit/pty"
	"github.com/spf13/cobra"
)

func newCmd(run func(*cobra.Command, []string) error) *cobra.Command {
	var n int
	cmd := Setup(&cobra.Command{Use: "demo", Short: "a demo listener", RunE: run})
	cmd.Flags().IntVarP(&n, "count", "c", 1, "how many")
	return cmd
}

func run(t *testing.T, cmd *cobra.Command, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Execute(context.Background(), cmd, args, &out, &errb)
	return code, out.String(), errb.String()
}

// --help is what a person asked for: `crashmail --help | less` must show
// it.
func TestHelpGoesToStdout(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		code, stdout, stderr := run(t, newCmd(func(*cobra.Command, []string) error { return nil }), arg)
		if code != ExitOK || stderr != "" || !strings.Contains(stdout, "a demo listener") || !strings.Contains(stdout, "--count") {
			t.Fatalf("%s: code=%d stdout=%q stderr=%q", arg, code, stdout, stderr)
		}
	}
}

func TestBadFlagIsOneLineOnStderr(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"-c", "many"}, {"stray"}} {
		code, stdout, stderr := run(t, newCmd(func(*cobra.Command, []string) error { return nil }), args...)
		if code != ExitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "demo: ") ||
			!strings.Contains(stderr, "(see demo --help)") {
			t.Errorf("%v: code=%d stdout=%q stderr=%q", args, code, stdout, stderr)
		}
	}
}

func TestExitStatusIsPassedOnSilently(t *testing.T) {
	code, stdout, stderr := run(t, newCmd(func(*cobra.Command, []string) error { return fmt.Errorf("run: %w", ExitStatus(69)) }))
	if code != 69 || stdout != "" || stderr != "" {
		t.Fatalf("code=%d stdout=%q stderr=%q", code, stdout, stderr)
	}
}

func TestRuntimeErrorAndUsagef(t *testing.T) {
	code, _, stderr := run(t, newCmd(func(*cobra.Command, []string) error { return errors.New("mail server said no\ntwice") }))
	if code != ExitError || stderr != "demo: mail server said no twice\n" {
		t.Fatalf("code=%d stderr=%q", code, stderr)
	}
	code, _, stderr = run(t, newCmd(func(*cobra.Command, []string) error { return Usagef("missing -m/--email: give a recipient") }))
	if code != ExitUsage || stderr != "demo: missing -m/--email: give a recipient (see demo --help)\n" {
		t.Fatalf("code=%d stderr=%q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, stderr := run(t, newCmd(func(*cobra.Command, []string) error { return nil }), "--version")
	if code != ExitOK || stderr != "" || !strings.HasPrefix(stdout, "demo ") || strings.TrimSpace(stdout) == "demo" {
		t.Fatalf("code=%d stdout=%q stderr=%q", code, stdout, stderr)
	}
	if Version() == "" {
		t.Fatal("empty version")
	}
}

// withTerminalStdin points os.Stdin at a pseudo-terminal for the test.
func withTerminalStdin(t *testing.T) {
	t.Helper()
	tty := pty.Open(t)
	saved := os.Stdin
	os.Stdin = tty
	t.Cleanup(func() { os.Stdin = saved })
}

func TestTerminalIsRefusedBeforeThePluginRuns(t *testing.T) {
	withTerminalStdin(t)
	ran := false
	cmd := newCmd(func(*cobra.Command, []string) error { ran = true; return nil })
	code, stdout, stderr := run(t, cmd)
	if code != ExitError || ran || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "[eventlistener:x]") {
		t.Fatalf("code=%d ran=%v stdout=%q stderr=%q", code, ran, stdout, stderr)
	}
}

func TestQueryFlagsMayRunInATerminal(t *testing.T) {
	withTerminalStdin(t)
	ran := false
	cmd := newCmd(func(*cobra.Command, []string) error { ran = true; return nil })
	cmd.Flags().Bool("plan", false, "print the plan")
	Query(cmd, "plan")
	if code, _, stderr := run(t, cmd, "--plan"); code != ExitOK || !ran {
		t.Fatalf("--plan in a terminal: code=%d ran=%v stderr=%q", code, ran, stderr)
	}
	ran = false
	if code, _, _ := run(t, newCmdWithQuery(&ran)); code == ExitOK || ran {
		t.Fatal("without the query flag a terminal must still be refused")
	}
}

func newCmdWithQuery(ran *bool) *cobra.Command {
	cmd := newCmd(func(*cobra.Command, []string) error { *ran = true; return nil })
	cmd.Flags().Bool("plan", false, "print the plan")
	Query(cmd, "plan")
	return cmd
}

// `make build` stamps the version from git describe, so that a build
// from a checkout never says "(devel)".
func TestStampedVersionWins(t *testing.T) {
	saved := version
	t.Cleanup(func() { version = saved })
	version = "v0.0.0-183-g37e56cf"
	if got := Version(); got != version {
		t.Fatalf("Version() = %q, want the stamped %q", got, version)
	}
	code, stdout, _ := run(t, newCmd(func(*cobra.Command, []string) error { return nil }), "--version")
	if code != ExitOK || stdout != "demo v0.0.0-183-g37e56cf\n" {
		t.Fatalf("--version: code=%d stdout=%q", code, stdout)
	}
}

// TestVersionOf: a build never says Go's bare "(devel)"; it gives the
// release, the commit, or how to get a version stamped.
func TestVersionOf(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "1.2.3"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "1e313205d0c6aa77", "vcs.modified", "true")}, "0.0.0-1e313205d0c6-dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("vcs.revision", "1e313205d0c6aa77", "vcs.modified", "false")}, "0.0.0-1e313205d0c6"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, unstamped},
		{nil, unstamped},
	} {
		got := versionOf(c.info)
		if got != c.want {
			t.Errorf("versionOf(%+v) = %q, want %q", c.info, got, c.want)
		}
		if strings.Contains(got, "devel") {
			t.Errorf("versionOf(%+v) = %q says devel", c.info, got)
		}
	}
	if !strings.Contains(unstamped, "make build") {
		t.Errorf("an unstamped version must say how to stamp one: %q", unstamped)
	}
}

// TestMakeBuildStampsVersion: the Makefile's -X names this package's
// version variable, so that a rename cannot silently unstamp every binary.
func TestMakeBuildStampsVersion(t *testing.T) {
	out, err := exec.Command("make", "-s", "-n", "-C", "../../..", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`-X github\.com/golance/golance/plugins/internal/cli\.version=\d\S*`).Match(out) {
		t.Fatalf("make build does not stamp cli.version with a version:\n%s", out)
	}
}
