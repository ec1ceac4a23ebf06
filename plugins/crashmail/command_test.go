package crashmail

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/testharness"
)

// startBinary runs the crashmail binary with args as the listener of an
// emulated supervisord that has an XML-RPC server and the given programs.
func startBinary(t *testing.T, args, env []string, programs ...testharness.Program) *testharness.Supervisor {
	t.Helper()
	return rig.Start(t, rig.Config{
		Pool: "crashmail", RPC: true, Programs: programs,
		Command: append([]string{"crashmail"}, args...), Env: env,
	}).Sup
}

// The binary end to end: -H with --tls against a server that insists on
// STARTTLS and a login, the password from the environment, -o, -p and
// --tail-lines.
func TestCommandSMTPWithTLSAndLogin(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithRequireTLS(), mailserver.WithAuth("bob", "s3cret"))
	sup := startBinary(t,
		[]string{"-m", "ops@example.com", "-H", srv.Addr(), "--tls", "-u", "bob", "-f", "supervisor@example.com",
			"-o", "[prod]", "-p", "web", "--tail-lines", "1"},
		[]string{"SSL_CERT_FILE=" + srv.CAFile(), "GOLANCE_SMTP_PASSWORD=s3cret"},
		testharness.Program{Name: "web"}, testharness.Program{Name: "worker"})
	must(t, sup.Process("web").Write(testharness.Stderr, []byte("first\nlast words\n")))
	must(t, sup.Process("worker").Exit(1))
	must(t, sup.Process("web").Exit(7))
	must(t, sup.WaitIdle(rig.Context(t)))
	// The mails leave the outbox in the order the crashes came: once web's
	// is in, worker's would be too.
	msgs, err := srv.Wait(rig.Context(t), 1)
	must(t, err)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1 (web only); listener stderr:\n%s", len(msgs), sup.Process("crashmail").Stderr())
	}
	m := msgs[0]
	if !m.TLS || m.User != "bob" {
		t.Errorf("mail sent with TLS=%v as %q", m.TLS, m.User)
	}
	if s, _ := m.Subject(); !regexp.MustCompile(`^\[prod\]: web crashed at ` + asctimeRE + `$`).MatchString(s) {
		t.Errorf("subject %q", s)
	}
	b := bodyOf(t, m)
	for _, want := range []string{"Exit status: 7\n", "Last 1 line(s) of the stderr log", "\nlast words\n"} {
		if !strings.Contains(b, want) {
			t.Errorf("body lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(b, "first") {
		t.Errorf("body quotes more than --tail-lines 1:\n%s", b)
	}
}

// --password-file, and a wrong password: the login is refused, the mail
// stays in the outbox, and the log names the file; without an outbox the
// event is rejected rather than acknowledged.
func TestCommandPasswordFile(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "s3cret"))
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	must(t, os.WriteFile(good, []byte("s3cret\n"), 0o600))
	must(t, os.WriteFile(bad, []byte("wrong\n"), 0o600))

	sup := startBinary(t, []string{"-m", "ops@example.com", "-H", srv.Addr(), "-u", "bob", "-f", "supervisor@example.com", "--password-file", good},
		nil, testharness.Program{Name: "web"})
	must(t, sup.Process("web").Exit(1))
	if _, err := srv.Wait(rig.Context(t), 1); err != nil {
		t.Fatalf("no mail: %v; listener stderr:\n%s", err, sup.Process("crashmail").Stderr())
	}

	for _, ob := range []string{"", "none"} {
		args := []string{"-m", "ops@example.com", "-H", srv.Addr(), "-u", "bob", "-f", "supervisor@example.com", "--password-file", bad}
		if ob != "" {
			args = append(args, "--outbox", ob)
		}
		sup = startBinary(t, args, nil, testharness.Program{Name: "web"})
		must(t, sup.Process("web").Exit(1))
		if ob == "none" {
			must(t, sup.WaitFor(rig.Context(t), "a rejection", func(tr *testharness.Transcript) bool {
				return slices.ContainsFunc(tr.Results("crashmail"), func(r testharness.Result) bool { return r.Body == "FAIL" })
			}))
		}
		// stderr and stdout are separate pipes: the log line may trail the
		// result.
		rig.Eventually(t, "crashmail's stderr", sup.Process("crashmail").Stderr, `rejected the login of user "bob".*\(from file `+regexp.QuoteMeta(bad)+`\)`)
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d mails, want only the first run's", n)
		}
	}
}

// With -a crashmail leaves itself out: when it dies, its respawned self
// receives its own EXITED event and does not mail about it. Without -a
// or -p every process is covered, crashmail included, as in superlance.
func TestCommandAnyLeavesOutItself(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"any", []string{"-a"}, []string{"web"}},
		{"no selection", nil, []string{"crashmail", "web"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sendmail := rig.NewSendmail(t)
			sup := startBinary(t, append(tt.args, "-m", "ops@example.com", "-s", sendmail.Command()), nil, testharness.Program{Name: "web"})
			cm := sup.Process("crashmail")
			first := cm.PID()
			must(t, cm.Signal(syscall.SIGKILL))
			// WaitFor's condition must not call Process methods: it runs
			// under the supervisor's lock.
			must(t, sup.WaitFor(rig.Context(t), "crashmail respawned and ready", func(tr *testharness.Transcript) bool {
				states := tr.ListenerStates("crashmail")
				return len(tr.Filter(testharness.RecordSpawned, "crashmail")) == 2 && states[len(states)-1] == testharness.ListenerReady
			}))
			if cm.PID() == first {
				t.Fatal("crashmail was not respawned")
			}
			must(t, sup.Process("web").Exit(1))
			must(t, sup.WaitIdle(rig.Context(t)))

			var got []string
			for _, m := range sendmail.Wait(len(tt.want)) {
				name, _, _ := strings.Cut(m.Subject, " crashed at ")
				got = append(got, name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("mailed about %q, want %q", got, tt.want)
			}
		})
	}
}
