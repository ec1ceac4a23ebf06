package testharness

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/golance/golance/internal/pyfmt"
)

// RPCCall is one XML-RPC call the fake server received, as it arrived: a
// listener's calls interleave with its answers in the transcript, so a
// test can tell work done before an acknowledgement from work done after.
type RPCCall struct {
	Seq     int    // the transcript record's
	Process string // the caller's namespec, or "" when it is not one of the supervisor's processes
	PID     int    // the caller's pid, 0 if unknown
	Method  string // "supervisor.getProcessInfo"
	Params  []any  // as decoded: string, int, bool, float64, []any, map[string]any, ...
	// InMulticall is set for each call a system.multicall made (the
	// multicall itself is recorded first).
	InMulticall bool
}

// String renders the call as Python would write it:
// supervisor.getProcessInfo('web').
func (c RPCCall) String() string {
	args := make([]string, len(c.Params))
	for i, p := range c.Params {
		args[i] = reprParam(p)
	}
	return c.Method + "(" + strings.Join(args, ", ") + ")"
}

// reprParam renders a decoded XML-RPC value in Python's notation.
func reprParam(v any) string {
	switch t := v.(type) {
	case string:
		return pyfmt.Repr(t)
	case bool:
		if t {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = reprParam(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(t))
		for _, k := range sortedKeys(t) {
			parts = append(parts, pyfmt.Repr(k)+": "+reprParam(t[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Calls returns the XML-RPC calls process made ("" for every caller,
// known or not), in the order they arrived.
func (t *Transcript) Calls(process string) []RPCCall {
	var out []RPCCall
	for r := range t.all() {
		if r.Kind != RecordRPC || (process != "" && r.Process != process) {
			continue
		}
		out = append(out, RPCCall{Seq: r.Seq, Process: r.Process, PID: r.PID, Method: r.Method, Params: r.Params, InMulticall: r.Reason == inMulticall})
	}
	return out
}

// inMulticall is the Reason of the records of the calls a multicall made.
const inMulticall = "in system.multicall"

// callerKey holds, in a request's context, the pid of the connection's
// peer.
type callerKey struct{}

// connContext is the RPC server's ConnContext: it notes who is calling.
func connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, callerKey{}, peerPID(c))
}

// multicallKey marks the context of the calls a multicall makes.
type multicallKey struct{}

// recordCall appends the record of one call to the transcript.
func (s *Supervisor) recordCall(ctx context.Context, method string, params []any) {
	pid, _ := ctx.Value(callerKey{}).(int)
	rec := Record{Kind: RecordRPC, Method: method, Params: params, PID: pid, Serial: -1, PoolSerial: -1}
	if ctx.Value(multicallKey{}) != nil {
		rec.Reason = inMulticall
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Process = s.processOfPIDLocked(pid)
	s.record(rec)
	s.broadcast()
}

// processOfPIDLocked names the process pid is, or descends from (a shell
// listener's curl, a Python listener's subprocess), or "".
func (s *Supervisor) processOfPIDLocked(pid int) string {
	for range 8 {
		if pid <= 1 {
			return ""
		}
		for _, g := range s.groups {
			for _, p := range g.procs {
				if p.pid == pid {
					return p.namespec()
				}
			}
		}
		pid = parentPID(pid)
	}
	return ""
}
