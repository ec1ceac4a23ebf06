package essential

import (
	"fmt"

	"github.com/golance/golance/listener"
)

// trigger says which ends of an essential program shut supervisord down.
// The three nest, each taking in the one before, so they are one flag
// (--on) rather than three that could contradict each other; the words are
// supervisord's own: its FATAL state, and the "not expected" of its
// "exited:" lines and the expected: field of its events.
type trigger int

const (
	// onFatal: the program went FATAL, supervisord gave up starting it.
	onFatal trigger = iota
	// onUnexpected: FATAL, or an exit with a status not in exitcodes=.
	onUnexpected
	// onExit: FATAL, or any exit, for a program whose end, whatever its
	// status, is the end of the container's work.
	onExit
)

var triggerNames = []string{onFatal: "fatal", onUnexpected: "unexpected", onExit: "exit"}

// String returns the --on value naming t.
func (t trigger) String() string { return triggerNames[t] }

// Set reads an --on value.
func (t *trigger) Set(s string) error {
	for i, name := range triggerNames {
		if s == name {
			*t = trigger(i)
			return nil
		}
	}
	return fmt.Errorf("%q is not a trigger: write fatal, unexpected or exit", s)
}

// Type names the value in --help.
func (t *trigger) Type() string { return "when" }

// fires reports whether ps, a PROCESS_STATE_* event of an essential
// program, ends it as t means.
func (t trigger) fires(ps listener.ProcessStateEvent) bool {
	switch ps.State {
	case listener.StateFatal:
		return true
	case listener.StateExited:
		return t == onExit || (t == onUnexpected && !ps.Expected)
	}
	return false
}

// describe says in words what t waits for, for the start-up line.
func (t trigger) describe() string {
	switch t {
	case onUnexpected:
		return "goes FATAL or exits unexpectedly"
	case onExit:
		return "goes FATAL or exits"
	}
	return "goes FATAL"
}
