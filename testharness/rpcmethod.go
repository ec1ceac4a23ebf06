package testharness

import (
	"context"
	"os"
	"strings"

	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

// rpcMethod is one XML-RPC method: it gets the decoded parameters.
type rpcMethod struct {
	fn        func(s *Supervisor, ctx context.Context, args []any) (any, error)
	signature []string // methodSignature: return type, then parameter types
	help      string
}

// rpcMethods is the method table, built once.
var rpcMethods map[string]rpcMethod

func init() {
	lockedOp := func(min, max int, op func(s *Supervisor, args []any) (any, deferred, error)) func(*Supervisor, context.Context, []any) (any, error) {
		return func(s *Supervisor, ctx context.Context, args []any) (any, error) {
			if len(args) < min || len(args) > max {
				return nil, newFault(rpc.ErrIncorrectParameters)
			}
			return s.call(ctx, func() (any, deferred, error) { return op(s, args) })
		}
	}
	simple := func(min, max int, f func(s *Supervisor, args []any) (any, error)) func(*Supervisor, context.Context, []any) (any, error) {
		return lockedOp(min, max, func(s *Supervisor, args []any) (any, deferred, error) {
			if err := s.update(); err != nil {
				return nil, nil, err
			}
			v, err := f(s, args)
			return v, nil, err
		})
	}
	nameWait := func(op func(s *Supervisor, name string, wait bool) (any, deferred, error)) func(*Supervisor, context.Context, []any) (any, error) {
		return lockedOp(1, 2, func(s *Supervisor, args []any) (any, deferred, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, nil, err
			}
			wait := true
			if len(args) == 2 {
				wait = truthy(args[1])
			}
			return op(s, name, wait)
		})
	}
	waitOnly := func(op func(s *Supervisor, wait bool) (any, deferred, error)) func(*Supervisor, context.Context, []any) (any, error) {
		return lockedOp(0, 1, func(s *Supervisor, args []any) (any, deferred, error) {
			wait := true
			if len(args) == 1 {
				wait = truthy(args[0])
			}
			return op(s, wait)
		})
	}
	readLog := func(ch Channel) func(*Supervisor, context.Context, []any) (any, error) {
		return simple(3, 3, func(s *Supervisor, args []any) (any, error) {
			p, err := s.logProcess(args[0])
			if err != nil {
				return nil, err
			}
			return readLogFile(p.logPath(ch), args[1], args[2])
		})
	}
	tailLog := func(ch Channel) func(*Supervisor, context.Context, []any) (any, error) {
		return simple(3, 3, func(s *Supervisor, args []any) (any, error) {
			p, err := s.logProcess(args[0])
			if err != nil {
				return nil, err
			}
			path := p.logPath(ch)
			if path == "" || !fileExists(path) {
				return []any{"", 0, false}, nil
			}
			offset, err := intArg(args[1])
			if err != nil {
				return nil, err
			}
			length, err := intArg(args[2])
			if err != nil {
				return nil, err
			}
			data, next, overflow := tailLogFile(path, offset, length)
			return []any{data, next, overflow}, nil
		})
	}
	rpcMethods = map[string]rpcMethod{
		"supervisor.getAPIVersion": {fn: simple(0, 0, func(*Supervisor, []any) (any, error) { return "3.0", nil }),
			signature: []string{"string"}, help: "Return the version of the RPC API."},
		"supervisor.getSupervisorVersion": {fn: simple(0, 0, func(*Supervisor, []any) (any, error) { return SupervisorVersion, nil }),
			signature: []string{"string"}, help: "Return the supervisord version emulated."},
		"supervisor.getIdentification": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) { return s.identifier, nil }),
			signature: []string{"string"}, help: "Return the identifier of this supervisord."},
		"supervisor.getState": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) {
			return xmlrpc.Struct{{"statecode", s.mood}, {"statename", moodName(s.mood)}}, nil
		}), signature: []string{"struct"}, help: "Return the supervisord state as statecode and statename."},
		"supervisor.getPID": {fn: simple(0, 0, func(*Supervisor, []any) (any, error) { return os.Getpid(), nil }),
			signature: []string{"int"}, help: "Return the pid of the process serving this API."},
		"supervisor.readLog": {fn: simple(2, 2, func(s *Supervisor, args []any) (any, error) {
			return readLogFile(s.MainLogPath(), args[0], args[1])
		}), signature: []string{"string", "int", "int"}, help: "Read length bytes of the main log from offset."},
		"supervisor.clearLog": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) {
			if err := s.mainLog.clear(); err != nil {
				return nil, newFault(rpc.ErrFailed)
			}
			return true, nil
		}), signature: []string{"boolean"}, help: "Clear the main log."},
		"supervisor.shutdown": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) {
			s.beginShutdownLocked()
			return true, nil
		}), signature: []string{"boolean"}, help: "Stop every process in order, as supervisord does before exiting."},
		"supervisor.getAllConfigInfo": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) { return s.configInfoLocked(), nil }),
			signature: []string{"array"}, help: "Return the configuration of every process, sorted by name."},
		"supervisor.getProcessInfo": {fn: simple(1, 1, func(s *Supervisor, args []any) (any, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, err
			}
			_, p, err := s.lookup(name)
			if err != nil {
				return nil, err
			}
			if p == nil {
				return nil, newFault(rpc.ErrBadName, name)
			}
			return infoStruct(s.infoLocked(p)), nil
		}), signature: []string{"struct", "string"}, help: "Return the state of one process."},
		"supervisor.getAllProcessInfo": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) {
			out := []any{}
			for _, p := range s.allProcesses(true) {
				out = append(out, infoStruct(s.infoLocked(p)))
			}
			return out, nil
		}), signature: []string{"array"}, help: "Return the state of every process, sorted by group and name."},
		"supervisor.startProcess": {fn: nameWait((*Supervisor).startProcessLocked),
			signature: []string{"boolean", "string", "boolean"}, help: "Start a process (name, group:name or group:*)."},
		"supervisor.startProcessGroup": {fn: nameWait((*Supervisor).startGroupLocked),
			signature: []string{"array", "string", "boolean"}, help: "Start every process of a group."},
		"supervisor.startAllProcesses": {fn: waitOnly((*Supervisor).startAllLocked),
			signature: []string{"array", "boolean"}, help: "Start every process."},
		"supervisor.stopProcess": {fn: nameWait((*Supervisor).stopProcessLocked),
			signature: []string{"boolean", "string", "boolean"}, help: "Stop a process (name, group:name or group:*)."},
		"supervisor.stopProcessGroup": {fn: nameWait((*Supervisor).stopGroupLocked),
			signature: []string{"array", "string", "boolean"}, help: "Stop every process of a group."},
		"supervisor.stopAllProcesses": {fn: waitOnly((*Supervisor).stopAllLocked),
			signature: []string{"array", "boolean"}, help: "Stop every process."},
		"supervisor.signalProcess": {fn: lockedOp(2, 2, func(s *Supervisor, args []any) (any, deferred, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, nil, err
			}
			return s.signalProcessLocked(name, pyStr(args[1]))
		}), signature: []string{"boolean", "string", "string"}, help: "Send a signal (name or number) to a process."},
		"supervisor.signalProcessGroup": {fn: lockedOp(2, 2, func(s *Supervisor, args []any) (any, deferred, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, nil, err
			}
			return s.signalGroupLocked(name, pyStr(args[1]))
		}), signature: []string{"array", "string", "string"}, help: "Send a signal to every process of a group."},
		"supervisor.signalAllProcesses": {fn: lockedOp(1, 1, func(s *Supervisor, args []any) (any, deferred, error) {
			return s.signalAllLocked(pyStr(args[0]))
		}), signature: []string{"array", "string"}, help: "Send a signal to every process."},
		"supervisor.readProcessStdoutLog": {fn: readLog(Stdout), signature: []string{"string", "string", "int", "int"},
			help: "Read length bytes of a process's stdout log from offset."},
		"supervisor.readProcessStderrLog": {fn: readLog(Stderr), signature: []string{"string", "string", "int", "int"},
			help: "Read length bytes of a process's stderr log from offset."},
		"supervisor.tailProcessStdoutLog": {fn: tailLog(Stdout), signature: []string{"array", "string", "int", "int"},
			help: "Tail a process's stdout log: [bytes, next offset, overflow]."},
		"supervisor.tailProcessStderrLog": {fn: tailLog(Stderr), signature: []string{"array", "string", "int", "int"},
			help: "Tail a process's stderr log: [bytes, next offset, overflow]."},
		"supervisor.clearProcessLogs": {fn: simple(1, 1, func(s *Supervisor, args []any) (any, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, err
			}
			_, p, err := s.lookup(name)
			if err != nil {
				return nil, err
			}
			if p == nil {
				return nil, newFault(rpc.ErrBadName, name)
			}
			if err := p.clearLogs(); err != nil {
				return nil, newFault(rpc.ErrFailed, name)
			}
			return true, nil
		}), signature: []string{"boolean", "string"}, help: "Clear a process's logs."},
		"supervisor.clearAllProcessLogs": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) {
			out := []rpc.ProcessStatus{}
			for _, p := range s.allProcesses(false) {
				r := okStatus(p)
				if err := p.clearLogs(); err != nil {
					r = faultResult(p, newFault(rpc.ErrFailed, p.namespec()))
				}
				out = append(out, r)
			}
			return out, nil
		}), signature: []string{"array"}, help: "Clear every process's logs."},
		"supervisor.sendProcessStdin": {fn: lockedOp(2, 2, func(s *Supervisor, args []any) (any, deferred, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, nil, err
			}
			chars, ok := args[1].(string)
			if !ok {
				if err := s.update(); err != nil {
					return nil, nil, err
				}
				return nil, nil, newFault(rpc.ErrIncorrectParameters, pyStr(args[1]))
			}
			return s.sendStdinLocked(name, []byte(chars))
		}), signature: []string{"boolean", "string", "string"}, help: "Write characters to a process's stdin."},
		"supervisor.sendRemoteCommEvent": {fn: lockedOp(2, 2, func(s *Supervisor, args []any) (any, deferred, error) {
			// The only method supervisord serves while shutting down.
			s.notifyLocked(NewRemoteCommunicationEvent(pyStr(args[0]), pyStr(args[1])))
			return true, nil, nil
		}), signature: []string{"boolean", "string", "string"}, help: "Emit a REMOTE_COMMUNICATION event."},
		"supervisor.addProcessGroup": {fn: simple(1, 1, func(s *Supervisor, args []any) (any, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, err
			}
			return s.addProcessGroupLocked(name)
		}), signature: []string{"boolean", "string"}, help: "Activate a configured group that was removed."},
		"supervisor.removeProcessGroup": {fn: simple(1, 1, func(s *Supervisor, args []any) (any, error) {
			name, err := strArg(args[0])
			if err != nil {
				return nil, err
			}
			return s.removeProcessGroupLocked(name)
		}), signature: []string{"boolean", "string"}, help: "Remove a stopped group from the active configuration."},
		"supervisor.reloadConfig": {fn: simple(0, 0, func(*Supervisor, []any) (any, error) {
			// The harness's configuration never changes under it.
			return []any{[]any{[]any{}, []any{}, []any{}}}, nil
		}), signature: []string{"array"}, help: "Report configuration changes: always none for the harness."},
		"supervisor.restart": {fn: simple(0, 0, func(s *Supervisor, _ []any) (any, error) {
			s.beginRestartLocked()
			return true, nil
		}), signature: []string{"boolean"}, help: "Stop every process, then start again from the configuration."},
		"system.listMethods": {fn: func(*Supervisor, context.Context, []any) (any, error) { return methodNames(), nil },
			signature: []string{"array"}, help: "Return the names of the methods, sorted."},
		"system.methodHelp": {fn: func(_ *Supervisor, _ context.Context, args []any) (any, error) {
			m, err := methodArg(args)
			if err != nil {
				return nil, err
			}
			return m.help, nil
		}, signature: []string{"string", "string"}, help: "Return a method's documentation."},
		"system.methodSignature": {fn: func(_ *Supervisor, _ context.Context, args []any) (any, error) {
			m, err := methodArg(args)
			if err != nil {
				return nil, err
			}
			return m.signature, nil
		}, signature: []string{"array", "string"}, help: "Return a method's signature: return type, then parameter types."},
		"system.multicall": {fn: (*Supervisor).multicall, signature: []string{"array", "array"},
			help: "Call several methods in order; results are the values themselves or fault structs."},
	}
	aliases := map[string]string{
		"supervisor.getVersion":      "supervisor.getAPIVersion",
		"supervisor.readMainLog":     "supervisor.readLog",
		"supervisor.readProcessLog":  "supervisor.readProcessStdoutLog",
		"supervisor.tailProcessLog":  "supervisor.tailProcessStdoutLog",
		"supervisor.clearProcessLog": "supervisor.clearProcessLogs",
	}
	for alias, target := range aliases {
		rpcMethods[alias] = rpcMethods[target]
	}
}

// callRPC is supervisord's traverse: "namespace.method" exactly, no
// private names.
func (s *Supervisor) callRPC(ctx context.Context, method string, params []any) (any, error) {
	parts := strings.Split(method, ".")
	if len(parts) != 2 || strings.HasPrefix(parts[1], "_") {
		return nil, newFault(rpc.ErrUnknownMethod)
	}
	m, ok := rpcMethods[method]
	if !ok {
		return nil, newFault(rpc.ErrUnknownMethod)
	}
	v, err := m.fn(s, ctx, params)
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
