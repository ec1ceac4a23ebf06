package orderedstartup

import (
	"errors"
	"strings"

	"github.com/golance/golance/internal/supervisorconf"
)

// runtimeMode is dependent_runtime=: what becomes of a program, once it
// runs, when a program it waits for as RUNNING leaves RUNNING.
//
// It is a key in the dependent's own section, like the startup keys,
// rather than a flag: it qualifies that program's waits, travels with its
// file in an [include] directory, and is read again with the rest of the
// configuration; a flag would have to name programs, away from their
// sections.
type runtimeMode int

const (
	// runtimeOff leaves the program alone: its waits are for startup only.
	runtimeOff runtimeMode = iota
	// runtimeStop stops the program as soon as what it waits for leaves
	// RUNNING, and starts it again once all of that is RUNNING again.
	runtimeStop
	// runtimeRestart leaves the program running meanwhile and restarts it
	// once what left RUNNING is RUNNING again, as Docker Compose's
	// depends_on restart: true does.
	runtimeRestart
)

// String returns the mode as dependent_runtime= spells it.
func (m runtimeMode) String() string {
	switch m {
	case runtimeStop:
		return "stop"
	case runtimeRestart:
		return "restart"
	}
	return "false"
}

// parseRuntime reads a dependent_runtime= value: stop, restart, or a
// false boolean for the default.
func parseRuntime(v string) (runtimeMode, error) {
	switch strings.ToLower(v) {
	case "stop":
		return runtimeStop, nil
	case "restart":
		return runtimeRestart, nil
	}
	if b, err := supervisorconf.Boolean(v); err == nil && !b {
		return runtimeOff, nil
	}
	return runtimeOff, errors.New("is not a dependent_runtime mode")
}
