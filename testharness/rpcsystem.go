package testharness

import (
	"context"
	"errors"
	"sort"

	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

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
