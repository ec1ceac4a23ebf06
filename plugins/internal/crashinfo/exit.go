package crashinfo

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/golance/golance/internal/supervisorconf"
)

// Exit is how a run of a process ended, in supervisord's words.
type Exit struct {
	// Cause is what ended the run, as supervisord words it: "exit status
	// 3", "terminated by SIGSEGV (core dumped)". getProcessInfo does not
	// name the signal that killed a process, so an exit read from it
	// says "killed by a signal".
	Cause string
	// Expected is supervisord's verdict on the exit: the process exited
	// with one of its program's exitcodes=.
	Expected bool
}

// killedBySignal is the Cause of an exit known only from getProcessInfo,
// whose exitstatus is -1 for a process a signal ended.
const killedBySignal = "killed by a signal"

// IsZero reports whether the exit is unknown.
func (e Exit) IsZero() bool { return e.Cause == "" }

// String returns the exit as supervisord's main log words it between the
// parentheses of an "exited:" line: "exit status 3; not expected". It
// returns "" for an unknown exit.
func (e Exit) String() string {
	switch {
	case e.Cause == "":
		return ""
	case e.Expected:
		return e.Cause + "; expected"
	}
	return e.Cause + "; not expected"
}

// Status returns the exit status of a process that exited by itself, and
// false for one a signal ended or an unknown exit.
func (e Exit) Status() (int, bool) {
	s, ok := strings.CutPrefix(e.Cause, "exit status ")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// Signal returns the signal that ended a run, as supervisord's main log
// names it ("terminated by SIGKILL", "terminated by signal 40" for one it
// has no name for), and false for a process that exited by itself or an
// exit known only from getProcessInfo, which does not say which signal.
func (e Exit) Signal() (syscall.Signal, bool) {
	name, ok := strings.CutPrefix(e.Cause, "terminated by ")
	if !ok {
		return 0, false
	}
	name = strings.TrimSuffix(name, " (core dumped)")
	if n, ok := strings.CutPrefix(name, "signal "); ok {
		sig, err := strconv.Atoi(n)
		return syscall.Signal(sig), err == nil && sig > 0
	}
	sig, err := supervisorconf.SignalNumber(name)
	return sig, err == nil && sig > 0
}

// exitFromStatus is the exit getProcessInfo describes with exitstatus,
// which is -1 when a signal ended the process.
func exitFromStatus(status int, expected bool) Exit {
	if status < 0 {
		return Exit{Cause: killedBySignal, Expected: expected}
	}
	return Exit{Cause: "exit status " + strconv.Itoa(status), Expected: expected}
}

// parseExit reads the words between the parentheses of an "exited:" line,
// "exit status 3; not expected", as supervisord's Subprocess.finish
// writes them: the cause, then "; expected" or "; not expected".
func parseExit(words string) (Exit, bool) {
	cause, verdict, ok := cutLast(words, "; ")
	if !ok || cause == "" {
		return Exit{}, false
	}
	switch verdict {
	case "expected":
		return Exit{Cause: cause, Expected: true}, true
	case "not expected":
		return Exit{Cause: cause}, true
	}
	return Exit{}, false
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
