package testharness

import (
	"context"
	"strings"

	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

// rpcMethod is one method of the fake XML-RPC server, as system.listMethods,
// system.methodHelp and system.methodSignature describe it.
type rpcMethod struct {
	serve     rpcFunc
	help      string   // methodHelp
	signature []string // methodSignature: return type, then parameter types
}

// rpcFunc answers one call, given its decoded parameters.
type rpcFunc func(s *Supervisor, ctx context.Context, args []any) (any, error)

// supervisorRPC is the supervisor namespace (supervisord's
// SupervisorNamespaceRPCInterface). Each of its methods is the XML-RPC
// method of the same name and runs with the supervisor's lock held.
type supervisorRPC struct{ *Supervisor }

// systemRPC is the system namespace (SystemNamespaceRPCInterface). Its
// methods run without the lock, since multicall calls the others.
type systemRPC struct{ *Supervisor }

// locked serves a supervisor-namespace method that takes between min and
// max parameters; another count is INCORRECT_PARAMETERS, as the TypeError
// Python raises for it is. The method may answer later, as supervisord's
// NOT_DONE_YET callbacks do (see deferred).
func locked(min, max int, m func(r supervisorRPC, args []any) (any, deferred, error)) rpcFunc {
	return func(s *Supervisor, ctx context.Context, args []any) (any, error) {
		if len(args) < min || len(args) > max {
			return nil, newFault(rpc.ErrIncorrectParameters)
		}
		return s.call(ctx, func() (any, deferred, error) { return m(supervisorRPC{s}, args) })
	}
}

// unlocked serves a system-namespace method.
func unlocked(m func(r systemRPC, ctx context.Context, args []any) (any, error)) rpcFunc {
	return func(s *Supervisor, ctx context.Context, args []any) (any, error) {
		return m(systemRPC{s}, ctx, args)
	}
}

// method is one entry of the table.
func method(serve rpcFunc, help string, signature ...string) rpcMethod {
	return rpcMethod{serve: serve, help: help, signature: signature}
}

// rpcMethods is the method table, in the order of supervisord's API
// documentation. init fills it, because system.listMethods reads it.
var rpcMethods map[string]rpcMethod

func init() {
	rpcMethods = map[string]rpcMethod{
		// Status and control: rpcstatus.go.
		"supervisor.getAPIVersion":        method(locked(0, 0, supervisorRPC.getAPIVersion), "Return the version of the RPC API.", "string"),
		"supervisor.getSupervisorVersion": method(locked(0, 0, supervisorRPC.getSupervisorVersion), "Return the supervisord version emulated.", "string"),
		"supervisor.getIdentification":    method(locked(0, 0, supervisorRPC.getIdentification), "Return the identifier of this supervisord.", "string"),
		"supervisor.getState":             method(locked(0, 0, supervisorRPC.getState), "Return the supervisord state as statecode and statename.", "struct"),
		"supervisor.getPID":               method(locked(0, 0, supervisorRPC.getPID), "Return the pid of the process serving this API.", "int"),
		"supervisor.readLog":              method(locked(2, 2, supervisorRPC.readLog), "Read length bytes of the main log from offset.", "string", "int", "int"),
		"supervisor.clearLog":             method(locked(0, 0, supervisorRPC.clearLog), "Clear the main log.", "boolean"),
		"supervisor.shutdown":             method(locked(0, 0, supervisorRPC.shutdown), "Stop every process in order, as supervisord does before exiting.", "boolean"),
		"supervisor.restart":              method(locked(0, 0, supervisorRPC.restart), "Stop every process, then start again from the configuration.", "boolean"),

		// Process control: rpcprocess.go.
		"supervisor.getProcessInfo":      method(locked(1, 1, supervisorRPC.getProcessInfo), "Return the state of one process.", "struct", "string"),
		"supervisor.getAllProcessInfo":   method(locked(0, 0, supervisorRPC.getAllProcessInfo), "Return the state of every process, sorted by group and name.", "array"),
		"supervisor.getAllConfigInfo":    method(locked(0, 0, supervisorRPC.getAllConfigInfo), "Return the configuration of every process, sorted by name.", "array"),
		"supervisor.startProcess":        method(locked(1, 2, supervisorRPC.startProcess), "Start a process (name, group:name or group:*).", "boolean", "string", "boolean"),
		"supervisor.startProcessGroup":   method(locked(1, 2, supervisorRPC.startProcessGroup), "Start every process of a group.", "array", "string", "boolean"),
		"supervisor.startAllProcesses":   method(locked(0, 1, supervisorRPC.startAllProcesses), "Start every process.", "array", "boolean"),
		"supervisor.stopProcess":         method(locked(1, 2, supervisorRPC.stopProcess), "Stop a process (name, group:name or group:*).", "boolean", "string", "boolean"),
		"supervisor.stopProcessGroup":    method(locked(1, 2, supervisorRPC.stopProcessGroup), "Stop every process of a group.", "array", "string", "boolean"),
		"supervisor.stopAllProcesses":    method(locked(0, 1, supervisorRPC.stopAllProcesses), "Stop every process.", "array", "boolean"),
		"supervisor.signalProcess":       method(locked(2, 2, supervisorRPC.signalProcess), "Send a signal (name or number) to a process.", "boolean", "string", "string"),
		"supervisor.signalProcessGroup":  method(locked(2, 2, supervisorRPC.signalProcessGroup), "Send a signal to every process of a group.", "array", "string", "string"),
		"supervisor.signalAllProcesses":  method(locked(1, 1, supervisorRPC.signalAllProcesses), "Send a signal to every process.", "array", "string"),
		"supervisor.sendProcessStdin":    method(locked(2, 2, supervisorRPC.sendProcessStdin), "Write characters to a process's stdin.", "boolean", "string", "string"),
		"supervisor.sendRemoteCommEvent": method(locked(2, 2, supervisorRPC.sendRemoteCommEvent), "Emit a REMOTE_COMMUNICATION event.", "boolean", "string", "string"),
		"supervisor.reloadConfig":        method(locked(0, 0, supervisorRPC.reloadConfig), "Report configuration changes: always none for the harness.", "array"),
		"supervisor.addProcessGroup":     method(locked(1, 1, supervisorRPC.addProcessGroup), "Activate a configured group that was removed.", "boolean", "string"),
		"supervisor.removeProcessGroup":  method(locked(1, 1, supervisorRPC.removeProcessGroup), "Remove a stopped group from the active configuration.", "boolean", "string"),

		// Process logging: rpclog.go.
		"supervisor.readProcessStdoutLog": method(locked(3, 3, supervisorRPC.readProcessStdoutLog), "Read length bytes of a process's stdout log from offset.", "string", "string", "int", "int"),
		"supervisor.readProcessStderrLog": method(locked(3, 3, supervisorRPC.readProcessStderrLog), "Read length bytes of a process's stderr log from offset.", "string", "string", "int", "int"),
		"supervisor.tailProcessStdoutLog": method(locked(3, 3, supervisorRPC.tailProcessStdoutLog), "Tail a process's stdout log: [bytes, next offset, overflow].", "array", "string", "int", "int"),
		"supervisor.tailProcessStderrLog": method(locked(3, 3, supervisorRPC.tailProcessStderrLog), "Tail a process's stderr log: [bytes, next offset, overflow].", "array", "string", "int", "int"),
		"supervisor.clearProcessLogs":     method(locked(1, 1, supervisorRPC.clearProcessLogs), "Clear a process's logs.", "boolean", "string"),
		"supervisor.clearAllProcessLogs":  method(locked(0, 0, supervisorRPC.clearAllProcessLogs), "Clear every process's logs.", "array"),

		// System: rpcsystem.go.
		"system.listMethods":     method(unlocked(systemRPC.listMethods), "Return the names of the methods, sorted.", "array"),
		"system.methodHelp":      method(unlocked(systemRPC.methodHelp), "Return a method's documentation.", "string", "string"),
		"system.methodSignature": method(unlocked(systemRPC.methodSignature), "Return a method's signature: return type, then parameter types.", "array", "string"),
		"system.multicall":       method(unlocked(systemRPC.multicall), "Call several methods in order; results are the values themselves or fault structs.", "array", "array"),
	}
	// supervisord keeps the names of its 2.x API.
	for alias, target := range map[string]string{
		"supervisor.getVersion":      "supervisor.getAPIVersion",
		"supervisor.readMainLog":     "supervisor.readLog",
		"supervisor.readProcessLog":  "supervisor.readProcessStdoutLog",
		"supervisor.tailProcessLog":  "supervisor.tailProcessStdoutLog",
		"supervisor.clearProcessLog": "supervisor.clearProcessLogs",
	} {
		rpcMethods[alias] = rpcMethods[target]
	}
}

// callRPC is supervisord's traverse: "namespace.method" exactly, no
// private names.
func (s *Supervisor) callRPC(ctx context.Context, method string, params []any) (any, error) {
	s.recordCall(ctx, method, params)
	parts := strings.Split(method, ".")
	if len(parts) != 2 || strings.HasPrefix(parts[1], "_") {
		return nil, newFault(rpc.ErrUnknownMethod)
	}
	m, ok := rpcMethods[method]
	if !ok {
		return nil, newFault(rpc.ErrUnknownMethod)
	}
	v, err := m.serve(s, ctx, params)
	if err != nil {
		return nil, err
	}
	return toRPC(v), nil
}

// toRPC converts the Go results of the operations to XML-RPC values.
func toRPC(v any) any {
	switch t := v.(type) {
	case []rpc.ProcessStatus:
		out := make([]any, len(t))
		for i, r := range t {
			out[i] = xmlrpc.Struct{{"name", r.Name}, {"group", r.Group}, {"status", int(r.Status)}, {"description", r.Description}}
		}
		return out
	}
	return v
}
