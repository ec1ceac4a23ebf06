package proctable

import (
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// Process is one process as the table knows it: what getProcessInfo says
// of it, less what supervisord works out afresh at every answer from the
// rest and its clock (now, statename, description, and logfile, an alias
// of stdout_logfile).
type Process struct {
	Group string
	Name  string
	State listener.State
	// PID is the process's pid, 0 when it has none. In STARTING it may be
	// 0 although supervisord has one: the PROCESS_STATE_STARTING event
	// carries none, and the table learns it at the next Check, from the
	// RUNNING event, or through Detail.
	PID int
	// StdoutLogfile and StderrLogfile are the paths of the process's
	// logs, "" for a stream that is not logged.
	StdoutLogfile string
	StderrLogfile string

	// Detailed reports that Start, Stop, ExitStatus and SpawnErr hold
	// supervisord's values. Events do not carry them: after a transition
	// that changes them they are zero, and Detailed false, until Detail
	// or a refresh fetches them again.
	Detailed bool
	// Start and Stop are the last start and stop, 0 for never.
	Start rpc.UnixTime
	Stop  rpc.UnixTime
	// ExitStatus is the status of the last exit, 0 for none.
	ExitStatus int
	// SpawnErr is why the last start failed, "" if it did not.
	SpawnErr string

	// namespec is Namespec's answer, made once when supervisord's answer
	// is read rather than at every tick for every process (a plugin
	// keys its state by it); "" in a Process made otherwise.
	namespec string
}

// Namespec returns the name supervisord's XML-RPC methods take for the
// process: "name", or "group:name" when the group has another name.
func (p Process) Namespec() string {
	if p.namespec != "" {
		return p.namespec
	}
	return listener.Namespec(p.Group, p.Name)
}

// processFrom returns what info says of a process: all of it.
func processFrom(info rpc.ProcessInfo) Process {
	return Process{
		Group:         info.Group,
		Name:          info.Name,
		State:         info.State,
		PID:           info.PID,
		StdoutLogfile: info.StdoutLogfile,
		StderrLogfile: info.StderrLogfile,
		Detailed:      true,
		Start:         info.Start,
		Stop:          info.Stop,
		ExitStatus:    info.ExitStatus,
		SpawnErr:      info.SpawnErr,
		namespec:      listener.Namespec(info.Group, info.Name),
	}
}
