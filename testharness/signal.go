package testharness

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/golance/golance/internal/pyfmt"
)

// signalName is supervisord's signame: "SIGTERM".
func signalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGILL: "SIGILL",
	syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGKILL: "SIGKILL", syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM", syscall.SIGCHLD: "SIGCHLD",
	syscall.SIGCONT: "SIGCONT", syscall.SIGSTOP: "SIGSTOP", syscall.SIGTSTP: "SIGTSTP", syscall.SIGTTIN: "SIGTTIN",
	syscall.SIGTTOU: "SIGTTOU", syscall.SIGURG: "SIGURG", syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
	syscall.SIGVTALRM: "SIGVTALRM", syscall.SIGPROF: "SIGPROF", syscall.SIGWINCH: "SIGWINCH", syscall.SIGIO: "SIGIO",
	syscall.SIGSYS: "SIGSYS",
}

// parseSignal is supervisord's signal_number: a number or a name, with or
// without the SIG prefix, case-insensitive.
func parseSignal(v string) (syscall.Signal, bool) {
	if n, err := pyfmt.Atoi(v); err == nil {
		sig := syscall.Signal(n)
		_, known := signalNames[sig]
		return sig, known
	}
	name := strings.ToUpper(strings.TrimSpace(v))
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	for sig, n := range signalNames {
		if n == name {
			return sig, true
		}
	}
	if name == "SIGIOT" {
		return syscall.SIGABRT, true
	}
	if name == "SIGPOLL" {
		return syscall.SIGIO, true
	}
	if name == "SIGCLD" {
		return syscall.SIGCHLD, true
	}
	return 0, false
}

// deadlySignals terminate virtual and in-process children; other signals
// are only recorded.
var deadlySignals = map[syscall.Signal]bool{
	syscall.SIGKILL: true, syscall.SIGTERM: true, syscall.SIGINT: true,
	syscall.SIGQUIT: true, syscall.SIGHUP: true,
}
