package testharness

import "github.com/golance/golance/listener/rpc"

// newFault builds supervisord's RPCError(code, extra): the faultString is
// the code's name, then ": extra" when there is one. Every harness error
// that supervisord would raise as a fault is one of these, so errors.Is
// matches rpc's sentinels (rpc.ErrBadName, rpc.ErrNotRunning, ...) whether
// the error came from a Process method or through the fake XML-RPC server.
func newFault(code rpc.FaultCode, extra ...string) *rpc.Fault {
	if len(extra) > 0 {
		return &rpc.Fault{Code: code, String: code.String() + ": " + extra[0]}
	}
	return &rpc.Fault{Code: code, String: code.String()}
}
