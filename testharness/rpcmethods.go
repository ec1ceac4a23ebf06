package testharness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener"
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

func methodNames() []string {
	names := make([]string, 0, len(rpcMethods))
	for n := range rpcMethods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func methodArg(args []any) (rpcMethod, error) {
	if len(args) != 1 {
		return rpcMethod{}, newFault(rpc.ErrIncorrectParameters)
	}
	name, _ := args[0].(string)
	m, ok := rpcMethods[name]
	if !ok {
		return rpcMethod{}, newFault(rpc.ErrSignatureUnsupported)
	}
	return m, nil
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

// multicall is system.multicall: calls run in order, a deferred one
// finishing before the next starts; a success is the bare value (not the
// one-element array of the multicall convention) and a failure a fault
// struct.
func (s *Supervisor) multicall(ctx context.Context, args []any) (any, error) {
	if len(args) != 1 {
		return nil, newFault(rpc.ErrIncorrectParameters)
	}
	calls, ok := args[0].([]any)
	if !ok {
		return nil, newFault(rpc.ErrIncorrectParameters)
	}
	results := []any{}
	for _, c := range calls {
		call, _ := c.(map[string]any)
		var v any
		var err error
		name, hasName := call["methodName"].(string)
		switch {
		case !hasName:
			err = newFault(rpc.ErrIncorrectParameters, "No methodName")
		case name == "system.multicall":
			err = newFault(rpc.ErrIncorrectParameters, "Recursive system.multicall forbidden")
		default:
			params, _ := call["params"].([]any)
			v, err = s.callRPC(ctx, name, params)
		}
		var f *rpc.Fault
		switch {
		case errors.As(err, &f):
			results = append(results, xmlrpc.Struct{{"faultCode", int(f.Code)}, {"faultString", f.String}})
		case err != nil:
			results = append(results, xmlrpc.Struct{{"faultCode", int(rpc.ErrFailed)}, {"faultString", "FAILED: " + err.Error()}})
		// a *pythonError renders as supervisord's "<class 'X'>:message"
		default:
			results = append(results, v)
		}
	}
	return results, nil
}

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

// pythonError is an exception supervisord does not turn into a fault: a
// plain call answers HTTP 500 and system.multicall a FAILED fault that
// names the exception.
type pythonError struct {
	class, msg string
}

func (e *pythonError) Error() string { return "<class '" + e.class + "'>:" + e.msg }

// strArg requires a process name; supervisord calls str methods on it, so
// anything else raises AttributeError.
func strArg(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", &pythonError{"AttributeError", "'" + pyTypeName(v) + "' object has no attribute 'split'"}
	}
	return s, nil
}

// intArg is Python's int() on a parameter: ints, numeric strings and
// booleans convert; another string raises ValueError (a *pythonError) and
// another type TypeError, which supervisord reports as
// INCORRECT_PARAMETERS.
func intArg(v any) (int64, error) {
	switch t := v.(type) {
	case int64:
		return t, nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int64(t), nil
	case string:
		n, err := pyfmt.Atoi(t)
		if err != nil {
			return 0, &pythonError{"ValueError", err.Error()}
		}
		return n, nil
	}
	return 0, newFault(rpc.ErrIncorrectParameters)
}

// faultsAttribute is what supervisord's readFile callers raise when int()
// fails: they look the ValueError's text up as a fault name.
func faultsAttribute(err error) error {
	if pe, ok := err.(*pythonError); ok && pe.class == "ValueError" {
		return &pythonError{"AttributeError", "type object 'Faults' has no attribute '" + pe.msg + "'"}
	}
	return err
}

func pyTypeName(v any) string {
	switch v.(type) {
	case int64:
		return "int"
	case bool:
		return "bool"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}

// pyStr is Python's str() of a decoded parameter.
func pyStr(v any) string {
	switch t := v.(type) {
	case bool:
		if t {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case string:
		return t
	}
	return fmt.Sprint(v)
}

// truthy is Python's bool() on a parameter; supervisord tests wait flags
// this way, so the string "0" means true.
func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return false
}

// logProcess finds the process a log method names.
func (s *Supervisor) logProcess(arg any) (*proc, error) {
	name, err := strArg(arg)
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
	return p, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (p *proc) logPath(ch Channel) string {
	l := p.stdoutLog
	if ch == Stderr {
		l = p.stderrLog
	}
	if l == nil {
		return ""
	}
	return l.path
}

func (p *proc) clearLogs() error {
	for _, l := range []*logFile{p.stdoutLog, p.stderrLog} {
		if l != nil {
			if err := l.clear(); err != nil {
				return err
			}
		}
	}
	return nil
}

// readLogFile is supervisord's readFile behind readLog and
// readProcess*Log: a negative offset with length 0 reads the last |offset|
// bytes; length 0 reads to the end; other negative values are
// BAD_ARGUMENTS.
func readLogFile(path string, offsetArg, lengthArg any) (any, error) {
	if path == "" {
		return nil, newFault(rpc.ErrNoFile)
	}
	if !fileExists(path) {
		return nil, newFault(rpc.ErrNoFile, path)
	}
	offset, err := intArg(offsetArg)
	if err != nil {
		return nil, faultsAttribute(err)
	}
	length, err := intArg(lengthArg)
	if err != nil {
		return nil, faultsAttribute(err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, newFault(rpc.ErrFailed)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, newFault(rpc.ErrFailed)
	}
	size := st.Size()
	var data []byte
	switch {
	case offset < 0:
		if length != 0 {
			return nil, newFault(rpc.ErrBadArguments)
		}
		pos := max(size+offset, 0)
		n := min(-offset, size-pos)
		data = make([]byte, n)
		_, err = f.ReadAt(data, pos)
	case length < 0:
		return nil, newFault(rpc.ErrBadArguments)
	default:
		end := size
		if length > 0 {
			end = min(size, offset+length)
		}
		if offset >= end {
			return "", nil
		}
		data = make([]byte, end-offset)
		_, err = f.ReadAt(data, offset)
	}
	if err != nil && err != io.EOF {
		return nil, newFault(rpc.ErrFailed)
	}
	if !utf8.Valid(data) {
		// as_string raises, and supervisord answers 500.
		return nil, &pythonError{"UnicodeDecodeError", "'utf-8' codec can't decode the log"}
	}
	return string(data), nil
}

// tailLogFile is supervisord's tailFile: it reads up to length bytes from
// offset, jumping to the end and reporting overflow when the log grew past
// offset+length; the returned offset is always the log's size.
func tailLogFile(path string, offset, length int64) (string, int64, bool) {
	if path == "" {
		return "", 0, false
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", offset, false
	}
	size := st.Size()
	overflow := false
	if size > offset+length {
		overflow = true
		offset = size - 1
	}
	if offset+length > size {
		if offset > size-1 {
			length = 0
		}
		offset = size - length
	}
	offset = max(offset, 0)
	length = max(length, 0)
	if length == 0 {
		return "", size, overflow
	}
	data := make([]byte, length)
	n, _ := f.ReadAt(data, offset)
	// supervisord's as_string would raise on a split character; a tail
	// often cuts one, so the harness substitutes rather than fail.
	return strings.ToValidUTF8(string(data[:n]), "\uFFFD"), size, overflow
}

// infoStruct renders getProcessInfo's struct, fields in supervisord's
// order.
func infoStruct(info rpc.ProcessInfo) xmlrpc.Struct {
	return xmlrpc.Struct{
		{"name", info.Name},
		{"group", info.Group},
		{"start", int64(info.Start)},
		{"stop", int64(info.Stop)},
		{"now", int64(info.Now)},
		{"state", int(info.State)},
		{"statename", info.StateName},
		{"spawnerr", info.SpawnErr},
		{"exitstatus", info.ExitStatus},
		{"logfile", info.Logfile},
		{"stdout_logfile", info.StdoutLogfile},
		{"stderr_logfile", info.StderrLogfile},
		{"pid", info.PID},
		{"description", info.Description},
	}
}

// configInfoLocked is getAllConfigInfo: every configured process, active
// or not, sorted by process name (stably, from group priority order).
func (s *Supervisor) configInfoLocked() []any {
	type entry struct {
		name string
		st   xmlrpc.Struct
	}
	var entries []entry
	for _, gs := range s.groupSpecs {
		inuse := s.groupByName(gs.name) != nil
		for _, ps := range gs.procs {
			c := ps.cfg
			stderrLog := any("none")
			if p := s.procs[listener.Namespec(gs.name, ps.name)]; p != nil && p.stderrLog != nil {
				stderrLog = p.stderrLog.path
			}
			stdoutLog := any("none")
			if p := s.procs[listener.Namespec(gs.name, ps.name)]; p != nil && p.stdoutLog != nil {
				stdoutLog = p.stdoutLog.path
			}
			stopsignal := c.StopSignal
			if stopsignal == 0 {
				stopsignal = 15
			}
			stopwait := c.StopWaitSecs
			switch {
			case stopwait == 0:
				stopwait = 10 * time.Second
			case stopwait < 0:
				stopwait = 0
			}
			entries = append(entries, entry{ps.name, xmlrpc.Struct{
				{"autostart", !c.NoAutostart},
				{"directory", noneIfEmpty(c.Dir)},
				{"uid", "none"},
				{"command", ps.command},
				{"exitcodes", ps.exitcodes},
				{"group", gs.name},
				{"group_prio", gs.priority},
				{"inuse", inuse},
				{"killasgroup", c.KillAsGroup},
				{"name", ps.name},
				{"process_prio", ps.priority},
				{"redirect_stderr", c.RedirectStderr},
				{"startretries", ps.retries},
				{"startsecs", int(c.StartSecs / time.Second)},
				{"stdout_capture_maxbytes", c.StdoutCaptureMaxBytes},
				{"stdout_events_enabled", c.StdoutEvents},
				{"stdout_logfile", stdoutLog},
				{"stdout_logfile_backups", 10},
				{"stdout_logfile_maxbytes", 50 * 1024 * 1024},
				{"stdout_syslog", false},
				{"stopsignal", int(stopsignal)},
				{"stopwaitsecs", int(stopwait / time.Second)},
				{"stderr_capture_maxbytes", c.StderrCaptureMaxBytes},
				{"stderr_events_enabled", c.StderrEvents},
				{"stderr_logfile", stderrLog},
				{"stderr_logfile_backups", 10},
				{"stderr_logfile_maxbytes", 50 * 1024 * 1024},
				{"stderr_syslog", false},
				{"serverurl", noneIfEmpty(c.ServerURL)},
			}})
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e.st
	}
	return out
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// addProcessGroupLocked is supervisor.addProcessGroup.
func (s *Supervisor) addProcessGroupLocked(name string) (any, error) {
	for _, gs := range s.groupSpecs {
		if gs.name != name {
			continue
		}
		if s.groupByName(name) != nil {
			return nil, newFault(rpc.ErrAlreadyAdded, name)
		}
		if err := s.addGroupLocked(gs); err != nil {
			return nil, newFault(rpc.ErrFailed, err.Error())
		}
		return true, nil
	}
	return nil, newFault(rpc.ErrBadName, name)
}

// removeProcessGroupLocked is supervisor.removeProcessGroup: only a group
// whose processes are all stopped can go; its pool stops subscribing and
// PROCESS_GROUP_REMOVED is notified.
func (s *Supervisor) removeProcessGroupLocked(name string) (any, error) {
	g := s.groupByName(name)
	if g == nil {
		return nil, newFault(rpc.ErrBadName, name)
	}
	if !groupStopped(g) {
		return nil, newFault(rpc.ErrStillRunning, name)
	}
	s.groups = deleteItem(s.groups, g)
	if g.pool != nil {
		s.pools = deleteItem(s.pools, g.pool)
	}
	for _, p := range g.procs {
		delete(s.procs, p.namespec())
		p.closeLogs()
	}
	s.logf(levelInfo, "removed process group %s", name)
	s.notifyLocked(NewProcessGroupRemovedEvent(name))
	return true, nil
}

func deleteItem[T comparable](s []T, v T) []T {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
