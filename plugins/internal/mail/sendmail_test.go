package mail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
)

// script writes an executable shell script into a fresh directory and
// returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake-sendmail")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func newSendmail(t *testing.T, command string) *Sendmail {
	t.Helper()
	s, err := NewSendmail(command)
	if err != nil {
		t.Fatalf("NewSendmail(%q): %v", command, err)
	}
	return s
}

// superlance's plugins mail through sendmail -t, which delivers a local
// mailbox name such as root on this host: so does golance.
func TestSendmailTakesLocalNames(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "received")
	s := newSendmail(t, "OUT="+out+" "+script(t, `cat > "$OUT"`)+" -t -i")
	m := testMessage()
	m.From, m.To = "", []string{"root", "ops-team", "dev@example.org"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "To: root, ops-team, dev@example.org\n") {
		t.Errorf("sendmail got:\n%s", got)
	}
}

func TestSendmailPipesMessage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The script records its arguments and standard input, and answers on
	// stdout, which must not reach ours.
	prog := script(t, `printf '%s\n' "$@" > "$OUT.args"; cat > "$OUT"; echo "queued as 4F2A"`)
	out := filepath.Join(dir, "received")
	s := newSendmail(t, "OUT="+out+" "+prog+" -t -i -F 'Supervisor Daemon'")
	m := testMessage()
	m.Subject = "wëb crashed\nBcc: victim@example.net"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(string(render(t, m)), "\r\n", "\n")
	if string(got) != want {
		t.Errorf("sendmail got:\n%q\nwant:\n%q", got, want)
	}
	// -t needs the recipients in the header.
	for _, h := range []string{"\nTo: ops@example.com, \"Dev Team\" <dev@example.org>\n", "\nSubject: =?UTF-8?Q?w=C3=ABb_crashed_Bcc=3A_victim=40example=2Enet?=\n"} {
		if !strings.Contains(string(got), h) {
			t.Errorf("message lacks %q", h)
		}
	}
	if strings.Contains(string(got), "\r") {
		t.Error("CR in the message piped to sendmail")
	}
	args, _ := os.ReadFile(out + ".args")
	if string(args) != "-t\n-i\n-F\nSupervisor Daemon\n" {
		t.Errorf("arguments = %q", args)
	}
}

func TestSendmailFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		kind      error
		permanent bool
		want      string // after `sendmail program "<prog>" `
	}{
		{"exit 1 with stderr", "cat >/dev/null; echo 'sendmail: fatal: no such user: \"ops\"' >&2; echo 'second line' >&2; exit 1",
			nil, false, "failed with exit status 1: sendmail: fatal: no such user: \"ops\" second line"},
		{"exit 1 with stdout", "echo 'cannot connect to relay' ; exit 1",
			nil, false, "failed with exit status 1: cannot connect to relay"},
		{"silent exit 75", "exit 75", nil, false, "failed with exit status 75 and no output"},
		{"unknown user 67", "echo 'ops... User unknown' >&2; exit 67", nil, true, "failed with exit status 67: ops... User unknown"},
		{"config error 78", "exit 78", nil, true, "failed with exit status 78 and no output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prog := script(t, tt.body)
			err := newSendmail(t, prog).Send(context.Background(), testMessage())
			wantError(t, err, tt.kind, tt.permanent, `sendmail program "`+prog+`" `+tt.want)
		})
	}
}

func TestSendmailNotFound(t *testing.T) {
	t.Parallel()
	t.Run("at startup", func(t *testing.T) {
		t.Parallel()
		_, err := NewSendmail("/nonexistent/sbin/sendmail -t -i")
		wantError(t, err, ErrSendmailNotFound, false, "sendmail program /nonexistent/sbin/sendmail not found; install it or set --sendmail_program")
	})
	t.Run("not executable", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "sendmail")
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := NewSendmail(path + " -t")
		wantError(t, err, nil, false, "sendmail program "+path+" is not an executable file; set --sendmail_program")
	})
	t.Run("when sending", func(t *testing.T) {
		t.Parallel()
		// A bare name is looked up by the shell, only when sending.
		s := newSendmail(t, "golance-no-such-sendmail -t -i")
		err := s.Send(context.Background(), testMessage())
		if err == nil {
			t.Fatal("no error")
		}
		if !errors.Is(err, ErrSendmailNotFound) || !retry.IsPermanent(err) {
			t.Errorf("err = %v; want a permanent ErrSendmailNotFound", err)
		}
		want := `sendmail program "golance-no-such-sendmail -t -i" not found; set --sendmail_program: `
		if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "golance-no-such-sendmail: not found") {
			t.Errorf("err = %q\nwant %q followed by the shell's message", err, want)
		}
	})
}

func TestNewSendmailDefault(t *testing.T) {
	t.Parallel()
	// The default program may not be installed where the tests run.
	s, err := NewSendmail(" ")
	if err != nil && !errors.Is(err, ErrSendmailNotFound) {
		t.Fatalf("NewSendmail: %v", err)
	}
	if err == nil && s.Command() != DefaultSendmailCommand {
		t.Errorf("Command = %q, want %q", s.Command(), DefaultSendmailCommand)
	}
	// Commands the shell must interpret are not second-guessed.
	if _, err := NewSendmail(`"$HOME/bin/sendmail" -t`); err != nil {
		t.Errorf("NewSendmail with a variable: %v", err)
	}
}

func TestSendmailHonoursContext(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	// The script starts a child; both must die with the context.
	prog := script(t, "sleep 30 & echo $! > "+pidFile+"; wait")
	s := newSendmail(t, prog+" -t")
	// Long enough for the script to start its child and say so on a
	// loaded machine (100ms was not, at a load of 5).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, testMessage())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if want := `sendmail program "` + prog + ` -t" was stopped: context deadline exceeded`; err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Send returned after %v", d)
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	// The killed child may linger briefly as a zombie until it is reaped.
	stat := "/proc/" + strings.TrimSpace(string(pid)) + "/stat"
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the script's child survived the cancellation: %s", b)
		}
	}
}

func TestSendmailLeftoverChildDoesNotBlock(t *testing.T) {
	t.Parallel()
	// Like a sendmail that forks its delivery into the background while
	// keeping our pipes open: success is exit status 0, not closed pipes.
	pidFile := filepath.Join(t.TempDir(), "pid")
	prog := script(t, "cat >/dev/null; sleep 30 & echo $! > "+pidFile+"; exit 0")
	s := newSendmail(t, prog)
	err := s.Send(context.Background(), testMessage())
	// Do not leave the child behind once the test is over.
	if pid, rerr := os.ReadFile(pidFile); rerr == nil {
		if n, cerr := strconv.Atoi(strings.TrimSpace(string(pid))); cerr == nil {
			_ = syscall.Kill(n, syscall.SIGKILL)
		}
	}
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func TestDeliverRetriesSendmailTempfail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Fails with EX_TEMPFAIL twice, then queues the message.
	prog := script(t, `n=$(cat "$D/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$D/count"
if [ $n -le 2 ]; then echo "relay down" >&2; exit 75; fi
cat > "$D/mail"`)
	s := newSendmail(t, "D="+dir+" "+prog)
	var retries []string
	p := fastPolicy(nil)
	p.OnRetry = func(_ int, err error, _ time.Duration) { retries = append(retries, err.Error()) }
	if err := Deliver(context.Background(), s, testMessage(), p); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	count, _ := os.ReadFile(filepath.Join(dir, "count"))
	if strings.TrimSpace(string(count)) != "3" || len(retries) != 2 {
		t.Errorf("ran %s times with retries %q; want 3 runs, 2 retries", count, retries)
	}
	if mail, err := os.ReadFile(filepath.Join(dir, "mail")); err != nil || !strings.HasPrefix(string(mail), "From: ") {
		t.Errorf("queued mail = %q, %v", mail, err)
	}
}

// A policy that bounds nothing would hold supervisord's events for ever:
// BoundedRetry gives it the default bounds, keeping what the caller set.
func TestBoundedRetry(t *testing.T) {
	t.Parallel()
	onRetry := func(int, error, time.Duration) {}
	p := BoundedRetry(retry.Policy{Jitter: retry.NoJitter, OnRetry: onRetry})
	if p.MaxElapsed != DefaultRetryPolicy().MaxElapsed || p.Jitter != retry.NoJitter || p.OnRetry == nil {
		t.Errorf("unbounded policy became %+v", p)
	}
	if p := BoundedRetry(retry.Policy{MaxAttempts: 1}); p.MaxAttempts != 1 || p.MaxElapsed != 0 {
		t.Errorf("bounded policy changed: %+v", p)
	}
}
