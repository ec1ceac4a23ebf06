package testharness

import (
	"context"
	"errors"
	"slices"

	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

// listMethods is system.listMethods: every method name, sorted.
func (systemRPC) listMethods(context.Context, []any) (any, error) {
	names := make([]string, 0, len(rpcMethods))
	for n := range rpcMethods {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// methodHelp is system.methodHelp(name).
func (systemRPC) methodHelp(_ context.Context, args []any) (any, error) {
	m, err := methodArg(args)
	if err != nil {
		return nil, err
	}
	return m.help, nil
}

// methodSignature is system.methodSignature(name).
func (systemRPC) methodSignature(_ context.Context, args []any) (any, error) {
	m, err := methodArg(args)
	if err != nil {
		return nil, err
	}
	return m.signature, nil
}

// methodArg is the method methodHelp and methodSignature describe.
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

// multicall is system.multicall(calls): the calls run in order, a deferred
// one finishing before the next starts; a success is the bare value (not
// the one-element array of the multicall convention) and a failure a fault
// struct.
func (y systemRPC) multicall(ctx context.Context, args []any) (any, error) {
	if len(args) != 1 {
		return nil, newFault(rpc.ErrIncorrectParameters)
	}
	calls, ok := args[0].([]any)
	if !ok {
		return nil, newFault(rpc.ErrIncorrectParameters)
	}
	results := []any{}
	ctx = context.WithValue(ctx, multicallKey{}, true)
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
			v, err = y.callRPC(ctx, name, params)
		}
		var f *rpc.Fault
		switch {
		case errors.As(err, &f):
			results = append(results, xmlrpc.Struct{{"faultCode", int(f.Code)}, {"faultString", f.String}})
		case err != nil:
			// A *pythonError reads as supervisord's "<class 'X'>:message".
			results = append(results, xmlrpc.Struct{{"faultCode", int(rpc.ErrFailed)}, {"faultString", "FAILED: " + err.Error()}})
		default:
			results = append(results, v)
		}
	}
	return results, nil
}
