package commands

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/memhog"
	"github.com/golance/golance/internal/testkit/pty"
	"github.com/golance/golance/plugins/harness"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary every golance binary: testscript copies
// it onto PATH under each command's name, and running it under that name
// runs the command. It is supervisor-harness's sendmail stand-in too,
// which a scenario runs as this executable under the name sendmail, and
// memhog, a process holding real memory for memmon to measure.
func TestMain(m *testing.M) {
	mains := map[string]func(){"sendmail": harness.SendmailMain, "memhog": memhog.Main}
	for _, b := range append(Binaries(), Tools()...) {
		mains[b.Name] = b.Main
	}
	testscript.Main(m, mains)
}

// contract holds, per binary, the least it needs to start as a listener:
// its arguments, and whether it must reach supervisord over XML-RPC.
var contract = map[string]struct {
	args     []string
	needsRPC bool
}{
	"crashmail":            {[]string{"-m", "ops@example.com", "-s", "cat"}, false},
	"crashmailbatch":       {[]string{"-t", "ops@example.com", "-f", "supervisor@example.com"}, false},
	"crashsms":             {[]string{"-t", "ops@example.com", "-f", "supervisor@example.com"}, false},
	"essential":            {[]string{"-p", "web"}, true},
	"eventdump":            {nil, false},
	"fatalmailbatch":       {[]string{"-t", "ops@example.com", "-f", "supervisor@example.com"}, false},
	"httpok":               {[]string{"-p", "web", "http://127.0.0.1:9/"}, true},
	"memmon":               {[]string{"-a", "100MB"}, true},
	"ordered-startup":      {[]string{"-c", "testdata/supervisord.conf"}, true},
	"slack-notify":         {[]string{"--dry-run"}, false},
	"supervisord_exporter": {[]string{"--web.listen-address", "127.0.0.1:0", "--outbox", "none"}, true},
	"supervisor-harness":   {[]string{"scenario.txtar"}, false},
}

// notListeners are binaries a person runs rather than supervisord: they
// have no stdin to guard against a terminal.
var notListeners = map[string]bool{"supervisor-harness": true}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env []string, stdin *os.File, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = stdin
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish: it hangs (stderr: %s)", name, args, stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// baseEnv is the environment without anything supervisord would set.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUPERVISOR_") && !strings.HasPrefix(kv, "SLACK_") {
			env = append(env, kv)
		}
	}
	return env
}

func TestEveryBinaryHasAContract(t *testing.T) {
	entries, err := os.ReadDir("../../cmd")
	if err != nil {
		t.Fatal(err)
	}
	registered, tools := map[string]bool{}, map[string]bool{}
	for _, b := range append(Binaries(), Tools()...) {
		registered[b.Name] = true
		if c := b.Command(); c.Name() != b.Name {
			t.Errorf("binary %s's command is named %s", b.Name, c.Name())
		}
	}
	for _, b := range Tools() {
		tools[b.Name] = true
	}
	for _, e := range entries {
		if !registered[e.Name()] {
			t.Errorf("cmd/%s is not listed in Binaries or Tools", e.Name())
		}
		if _, ok := contract[e.Name()]; !ok && !tools[e.Name()] {
			t.Errorf("cmd/%s has no entry in the contract table of this test", e.Name())
		}
	}
}

func TestVersion(t *testing.T) {
	for _, c := range All() {
		name := c.Name()
		r := run(t, baseEnv(), nil, name, "--version")
		if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, name+" ") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("%s --version: exit %d, stdout %q, stderr %q", name, r.code, r.stdout, r.stderr)
		}
	}
}

// --help is what a person asked for: it goes to stdout, so that
// `crashmail --help | less` shows it.
func TestHelpGoesToStdout(t *testing.T) {
	for _, c := range All() {
		name := c.Name()
		r := run(t, baseEnv(), nil, name, "--help")
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, r.code, r.stdout, r.stderr)
		}
	}
}

func TestBadFlagIsOneLine(t *testing.T) {
	for _, c := range All() {
		name := c.Name()
		r := run(t, baseEnv(), nil, name, "--no-such-flag")
		if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--no-such-flag") {
			t.Errorf("%s --no-such-flag: exit %d, stdout %q, stderr %q", name, r.code, r.stdout, r.stderr)
		}
	}
}

// TestStartedByHand: a listener started in a terminal says in one line
// that supervisord runs it, instead of waiting silently for events.
func TestStartedByHand(t *testing.T) {
	for _, c := range All() {
		name := c.Name()
		if notListeners[name] {
			continue
		}
		env := append(baseEnv(), "SUPERVISOR_SERVER_URL=unix:///nonexistent/supervisor.sock")
		r := run(t, env, pty.Open(t), name, contract[name].args...)
		if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "[eventlistener:") {
			t.Errorf("%s in a terminal: exit %d, stdout %q, stderr %q", name, r.code, r.stdout, r.stderr)
		}
	}
}

// TestWithoutSupervisorURL: a binary that calls supervisord back says in
// one line that SUPERVISOR_SERVER_URL is missing and how to get it.
func TestWithoutSupervisorURL(t *testing.T) {
	for _, c := range All() {
		name := c.Name()
		if !contract[name].needsRPC {
			continue
		}
		stdin, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, baseEnv(), stdin, name, contract[name].args...)
		stdin.Close()
		if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "SUPERVISOR_SERVER_URL") {
			t.Errorf("%s without SUPERVISOR_SERVER_URL: exit %d, stdout %q, stderr %q", name, r.code, r.stdout, r.stderr)
		}
	}
}

// A short letter means one thing across the binaries where superlance
// did not decide otherwise: -n is --name wherever it exists, and -p is
// --program except in the batch mailers, where superlance made it
// --password.
func TestShortLettersAgree(t *testing.T) {
	t.Parallel()
	batch := map[string]bool{"crashmailbatch": true, "fatalmailbatch": true, "crashsms": true}
	for _, b := range Binaries() {
		fs := b.Command().Flags()
		if f := fs.ShorthandLookup("n"); f != nil && f.Name != "name" {
			t.Errorf("%s: -n is --%s, want --name", b.Name, f.Name)
		}
		want := "program"
		if batch[b.Name] {
			want = "password"
		}
		if f := fs.ShorthandLookup("p"); f != nil && f.Name != want {
			t.Errorf("%s: -p is --%s, want --%s", b.Name, f.Name, want)
		}
	}
}

// TestSuperlanceCommandLines runs superlance's documented command lines
// (local mailboxes and comma lists included) under supervisor-harness and
// checks what they did: crashmail's, the batch mailers', memmon's and
// httpok's.
func TestSuperlanceCommandLines(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{Dir: "testdata/superlance",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"tarpit": tarpit}})
}

// tarpit VAR listens on a loopback port, named host:port in $VAR, and
// never accepts: the kernel completes the connection and takes the
// request, and no answer ever comes, so that httpok's -t is what ends
// the wait.
func tarpit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: tarpit VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}
