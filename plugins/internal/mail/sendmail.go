package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// DefaultSendmailCommand is superlance's default sendmail command: -t takes
// the recipients from the To header, -i keeps a line holding a single dot
// from ending the message.
const DefaultSendmailCommand = "/usr/sbin/sendmail -t -i"

// sendmailWaitDelay bounds how long Send waits for the program's output
// after it exits (or is killed): a sendmail that forks a background
// delivery process may leave it holding the pipes.
const sendmailWaitDelay = 2 * time.Second

// maxSendmailOutput bounds the program output kept for error messages.
const maxSendmailOutput = 8 << 10

// permanentExits are the exit statuses after which running the same
// command again cannot succeed: the shell's "not executable" (126) and "not
// found" (127), and the sysexits.h codes for bad usage, bad data, unknown
// user or host, no permission and bad configuration. Everything else,
// EX_TEMPFAIL (75) above all, is retried.
var permanentExits = []int{64, 65, 67, 68, 77, 78, 126, 127}

// Sendmail is a Sender that pipes the message into a sendmail-compatible
// program, as superlance's crashmail, httpok and memmon do.
type Sendmail struct {
	command string
}

// NewSendmail returns a Sendmail running command through /bin/sh -c, so
// the command may carry arguments, quotes and variables; empty means
// DefaultSendmailCommand. When the command starts with a path (it contains
// a "/"), NewSendmail checks that the program exists and is executable, so
// that a wrong --sendmail_program is reported at startup rather than at
// the first mail.
func NewSendmail(command string) (*Sendmail, error) {
	if strings.TrimSpace(command) == "" {
		command = DefaultSendmailCommand
	}
	fields := strings.Fields(command)
	if prog := fields[0]; strings.Contains(prog, "/") && !strings.ContainsAny(prog, "$`'\"\\*?[~=;|&<>(){}") {
		info, err := os.Stat(prog)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, newFailure(ErrSendmailNotFound, err, "sendmail program %s not found; install it or set --sendmail_program", prog)
		case err != nil:
			return nil, newFailure(nil, err, "cannot check sendmail program %s: %v; set --sendmail_program", prog, err)
		case info.IsDir() || info.Mode().Perm()&0o111 == 0:
			return nil, fmt.Errorf("sendmail program %s is not an executable file; set --sendmail_program", prog)
		}
	}
	return &Sendmail{command: command}, nil
}

// Command returns the shell command the sender runs.
func (s *Sendmail) Command() string { return s.command }

// Send runs the command with the rendered message on its standard input,
// with "\n" line endings as local programs expect, and succeeds only if it
// exits with status 0. The program's output never reaches this process's
// stdout (the listener protocol channel): it is kept for the error message.
// When ctx ends, the program and any children it started are killed.
func (s *Sendmail) Send(ctx context.Context, m Message) error {
	r, err := m.render()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s.command)
	cmd.Stdin = bytes.NewReader(bytes.ReplaceAll(r.data, []byte("\r\n"), []byte("\n")))
	out := &limitedBuffer{max: maxSendmailOutput}
	cmd.Stdout = out
	cmd.Stderr = out
	// A process group of its own, so that cancelling kills the shell and
	// the program it started alike.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = sendmailWaitDelay

	err = cmd.Run()
	output := truncate(oneLine(out.String()), 500)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return newFailure(nil, errors.Join(ctx.Err(), err), "sendmail program %q was stopped: %v", s.command, ctx.Err())
	case errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success():
		// Exit status 0; only a leftover child kept the output open.
		return nil
	case errors.As(err, &exitErr):
		return s.exitFailure(exitErr, output)
	}
	return newFailure(nil, err, "cannot run sendmail program %q: %v", s.command, err)
}

func (s *Sendmail) exitFailure(exitErr *exec.ExitError, output string) error {
	code := exitErr.ExitCode()
	if code < 0 {
		return newFailure(nil, exitErr, "sendmail program %q was killed (%v)%s", s.command, exitErr.ProcessState, withOutput(output))
	}
	switch code {
	case 127:
		return permanent(ErrSendmailNotFound, exitErr, "sendmail program %q not found; set --sendmail_program%s", s.command, withOutput(output))
	case 126:
		return permanent(nil, exitErr, "sendmail program %q is not executable; set --sendmail_program%s", s.command, withOutput(output))
	}
	format := "sendmail program %q failed with exit status %d%s"
	if code == 65 || code == 67 {
		// EX_DATAERR and EX_NOUSER: this message, or its recipient, is
		// refused; another mail may well go.
		return permanent(ErrRejected, exitErr, format, s.command, code, withOutput(output))
	}
	if slices.Contains(permanentExits, code) {
		return permanent(nil, exitErr, format, s.command, code, withOutput(output))
	}
	return newFailure(nil, exitErr, format, s.command, code, withOutput(output))
}

func withOutput(output string) string {
	if output == "" {
		return " and no output"
	}
	return ": " + output
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest, so that a chatty program cannot exhaust memory.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }
