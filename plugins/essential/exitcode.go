package essential

import (
	"syscall"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/crashinfo"
)

// The exit codes of essential run that are not a program's own exit
// status (docs/essential.md has the whole table).
const (
	// codeFatal is what a program going FATAL makes essential run exit
	// with: sysexits.h's EX_UNAVAILABLE, "a service is unavailable",
	// which is what FATAL means. It lies outside the codes shells and
	// container runtimes give meaning to (125-127, and 128+n for a
	// signal).
	codeFatal = 69
	// codeSignalled is 128+0: a signal ended the program, but
	// supervisord's main log (logfile=) could not tell which, as when it
	// is /dev/stdout.
	codeSignalled = 128
	// codeUnknown is a program that exited unexpectedly with a status
	// supervisord could not tell; an expected one gives 0.
	codeUnknown = 1
	// codeCannotExecute and codeNotFound are the shell's codes for a
	// command that cannot be run: essential run's when it cannot start
	// the command it was given.
	codeCannotExecute = 126
	codeNotFound      = 127
)

// exitCode is the code essential run exits with when the end of a
// program, told by its event and exit, made the listener shut
// supervisord down: the program's own exit status, 128+n for signal n,
// codeFatal for FATAL.
func exitCode(state listener.State, expected bool, exit crashinfo.Exit) int {
	if state == listener.StateFatal {
		return codeFatal
	}
	if n, ok := exit.Status(); ok {
		return n
	}
	if sig, ok := exit.Signal(); ok {
		return 128 + int(sig)
	}
	if !exit.IsZero() {
		return codeSignalled // killed by a signal getProcessInfo does not name
	}
	if expected {
		return 0
	}
	return codeUnknown
}

// waitCode is the code of a child that ended with ws, as a shell reports
// it: its exit status, or 128+n when signal n killed it.
func waitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
