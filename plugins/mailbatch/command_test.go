package mailbatch

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// startBinary runs the batch mailer binary name with args (and env) as
// the listener of an emulated supervisord.
func startBinary(t *testing.T, name string, args []string, programs ...testharness.Program) *testharness.Supervisor {
	t.Helper()
	return startBinaryEnv(t, name, args, nil, programs...)
}

func startBinaryEnv(t *testing.T, name string, args, env []string, programs ...testharness.Program) *testharness.Supervisor {
	t.Helper()
	return rig.Start(t, rig.Config{
		Pool: "batch", Events: []listener.EventType{listener.ProcessState, listener.Tick60}, Programs: programs,
		Command: append([]string{name}, args...), Env: env,
	}).Sup
}

// A batch still pending when supervisord stops the listener (SIGTERM) is
// sent before it exits.
func TestCommandSendsThePendingBatchOnSIGTERM(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	sup := startBinary(t, "crashmailbatch",
		[]string{"-t", "ops@example.com", "-f", "supervisor@example.com", "-H", srv.Addr(), "-i", "60"},
		testharness.Program{Name: "web"})
	must(t, sup.Process("web").Exit(1))
	must(t, sup.WaitIdle(rig.Context(t)))
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d mails before the interval", n)
	}
	batch := sup.Process("batch")
	must(t, batch.Stop(rig.Context(t), true))
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails after SIGTERM, want 1; stderr:\n%s", len(msgs), batch.Stderr())
	}
	if got := lines(t, msgs[0]); len(got) != 1 || !strings.HasPrefix(got[0], "T -- Process web:web (pid ") {
		t.Errorf("batch %q", got)
	}
	if sigs := batch.Signals(); !slices.Equal(sigs, []syscall.Signal{syscall.SIGTERM}) {
		t.Errorf("signals %v", sigs)
	}
	exits := sup.Transcript().Filter(testharness.RecordExited, "batch")
	if len(exits) != 1 || exits[0].ExitCode != 0 {
		t.Errorf("exits %v", exits)
	}
}

// With --spool, a listener killed outright (SIGKILL, no chance to flush)
// loses nothing: its respawned self sends the lines. With -a it leaves out
// its own death, which it receives once respawned.
func TestCommandSpoolSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	spool := filepath.Join(t.TempDir(), "batch.spool")
	sup := startBinary(t, "crashsms",
		[]string{"-t", "ops@example.com", "-f", "supervisor@example.com", "-H", srv.Addr(), "-i", "0.05", "--spool", spool, "-a"},
		testharness.Program{Name: "web"})
	batch := sup.Process("batch")
	must(t, sup.Process("web").Exit(1))
	must(t, sup.WaitIdle(rig.Context(t)))
	must(t, batch.Signal(syscall.SIGKILL))
	must(t, sup.WaitFor(rig.Context(t), "the listener respawned and ready", func(tr *testharness.Transcript) bool {
		states := tr.ListenerStates("batch")
		return len(tr.Filter(testharness.RecordSpawned, "batch")) == 2 && states[len(states)-1] == testharness.ListenerReady
	}))
	_, err := sup.WaitStderr(rig.Context(t), "batch", regexp.MustCompile(`1 line\(s\) left pending by an earlier run, in the outbox `+regexp.QuoteMeta(spool)))
	must(t, err)
	sup.Tick(listener.Tick60)
	msgs, err := srv.Wait(rig.Context(t), 1)
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, batch.Stderr())
	}
	if got := lines(t, msgs[0]); len(got) != 1 || !regexp.MustCompile(`^\[web:web\]\(\d+\) exited unexpectedly T$`).MatchString(got[0]) {
		t.Errorf("batch %q", got)
	}
}

// The binary end to end against a server that insists on STARTTLS and a
// login: -u, -p and --tls as superlance users write them, with -s and
// --program.
func TestCommandSMTPWithTLSAndLogin(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithRequireTLS(), mailserver.WithAuth("bob", "s3cret"))
	sup := startBinaryEnv(t, "crashmailbatch",
		[]string{"-t", "ops@example.com", "-f", "supervisor@example.com", "-H", srv.Addr(), "--tls", "-u", "bob", "-p", "s3cret",
			"-s", "web1 crashes", "-i", "0.05", "--program", "web"},
		[]string{"SSL_CERT_FILE=" + srv.CAFile()},
		testharness.Program{Name: "web"}, testharness.Program{Name: "worker"})
	must(t, sup.Process("worker").Exit(1))
	must(t, sup.Process("web").Exit(1))
	must(t, sup.WaitIdle(rig.Context(t)))
	sup.Tick(listener.Tick60)
	msgs, err := srv.Wait(rig.Context(t), 1)
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, sup.Process("batch").Stderr())
	}
	m := msgs[0]
	if s, _ := m.Subject(); !m.TLS || m.User != "bob" || s != "web1 crashes" {
		t.Errorf("mail with TLS=%v as %q, subject %q", m.TLS, m.User, s)
	}
	if got := lines(t, m); len(got) != 1 || !strings.HasPrefix(got[0], "T -- Process web:web (pid ") {
		t.Errorf("batch %q, want web only", got)
	}
}
