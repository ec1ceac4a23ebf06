package testharness

import (
	"os"

	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

// The supervisor namespace's status and control methods. Each checks the
// supervisor's state first (update), as supervisord's do.

// getAPIVersion is supervisor.getAPIVersion (and getVersion).
func (r supervisorRPC) getAPIVersion([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	return "3.0", nil, nil
}

// getSupervisorVersion is supervisor.getSupervisorVersion.
func (r supervisorRPC) getSupervisorVersion([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	return SupervisorVersion, nil, nil
}

// getIdentification is supervisor.getIdentification: [supervisord]
// identifier=.
func (r supervisorRPC) getIdentification([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	return r.identifier, nil, nil
}

// getState is supervisor.getState.
func (r supervisorRPC) getState([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	return xmlrpc.Struct{{"statecode", r.mood}, {"statename", moodName(r.mood)}}, nil, nil
}

// moodName is the name of a SupervisorStates code.
func moodName(mood int) string {
	switch mood {
	case moodFatal:
		return "FATAL"
	case moodRunning:
		return "RUNNING"
	case moodRestarting:
		return "RESTARTING"
	}
	return "SHUTDOWN"
}

// getPID is supervisor.getPID: the pid of the process serving the API,
// the test binary's.
func (r supervisorRPC) getPID([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	return os.Getpid(), nil, nil
}

// readLog is supervisor.readLog(offset, length) (and readMainLog).
func (r supervisorRPC) readLog(args []any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	v, err := readLogFile(r.MainLogPath(), args[0], args[1])
	return v, nil, err
}

// clearLog is supervisor.clearLog.
func (r supervisorRPC) clearLog([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	if err := r.mainLog.clear(); err != nil {
		return nil, nil, newFault(rpc.ErrFailed)
	}
	return true, nil, nil
}

// shutdown is supervisor.shutdown: every group stops in order, as on
// SIGTERM.
func (r supervisorRPC) shutdown([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	r.beginShutdownLocked()
	return true, nil, nil
}

// restart is supervisor.restart: every group stops in order, then the
// groups are built again from the configuration.
func (r supervisorRPC) restart([]any) (any, deferred, error) {
	if err := r.update(); err != nil {
		return nil, nil, err
	}
	r.beginRestartLocked()
	return true, nil, nil
}
