package rpc

import (
	"context"
	"fmt"
	"reflect"

	"github.com/kolo/xmlrpc"
)

// MethodCall is one call of a Multicall.
type MethodCall struct {
	Method string // for example "supervisor.getProcessInfo"
	Params []any  // encoded as by Client.Call
}

// MulticallResult is the outcome of one call of a Multicall: a value or an
// error, never both.
type MulticallResult struct {
	Method string
	// Value is the decoded result: int64, string, bool, float64,
	// time.Time, []any or map[string]any. Decode converts it to a typed
	// value.
	Value any
	// Err is a *Fault when the call failed.
	Err error

	wire    any  // Value before control characters were restored
	restore bool // whether they must be, after decoding wire
}

// Decode stores the result in v, a pointer as accepted by Client.Call
// (*ProcessInfo, *[]ProcessInfo, *string, *ConfigInfo...), or returns Err
// if the call failed.
func (r MulticallResult) Decode(v any) error {
	if r.Err != nil {
		return r.Err
	}
	if err := r.decode(v); err != nil {
		return fmt.Errorf("%s: %w: %v", r.Method, ErrBadResponse, err)
	}
	if r.restore {
		restoreControls(reflect.ValueOf(v))
	}
	return nil
}

func (r MulticallResult) decode(v any) error {
	switch p := v.(type) {
	case *ConfigInfo:
		m, ok := r.wire.(map[string]any)
		if !ok {
			return fmt.Errorf("got %T, want a struct", r.wire)
		}
		ci, err := configInfoFrom(m)
		*p = ci
		return err
	case *[]ConfigInfo:
		list, ok := r.wire.([]any)
		if !ok {
			return fmt.Errorf("got %T, want an array", r.wire)
		}
		out := make([]ConfigInfo, len(list))
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				return fmt.Errorf("entry %d is %T, want a struct", i, e)
			}
			ci, err := configInfoFrom(m)
			if err != nil {
				return err
			}
			out[i] = ci
		}
		*p = out
		return nil
	}
	// Rather than converting generic values by hand, encode the value
	// again and let the XML-RPC decoder fill v exactly as Call would.
	// The wire form still holds the XML-safe stand-ins for control
	// characters, which the encoder would otherwise replace.
	payload, err := xmlrpc.EncodeMethodCall("decode", r.wire)
	if err != nil {
		return err
	}
	if err := xmlrpc.Response(payload).Unmarshal(v); err != nil {
		return err
	}
	fillEmpty(reflect.ValueOf(v))
	return nil
}

// Multicall makes several calls in one round trip (system.multicall) and
// returns one result per call, in order. supervisord runs the calls one
// after another; a call that waits (StartProcess with wait=true, say)
// holds back the ones after it, and the whole multicall is then exempt from
// the default timeout. The error is for the round trip as a whole; each
// call's own fault is in its result's Err. Nesting system.multicall is
// refused by supervisord with ErrIncorrectParameters.
func (c *Client) Multicall(ctx context.Context, calls ...MethodCall) ([]MulticallResult, error) {
	const method = "system.multicall"
	waiting := false
	arg := make([]map[string]any, len(calls))
	for i, call := range calls {
		waiting = waiting || waits(call.Method, call.Params)
		params := call.Params
		if params == nil {
			params = []any{}
		}
		arg[i] = map[string]any{"methodName": call.Method, "params": params}
	}
	body, err := c.roundTrip(ctx, waiting, method, []any{arg})
	if err != nil {
		return nil, err
	}
	// Decoded twice: once as the caller will see it, once in wire form
	// for MulticallResult.Decode.
	var values, wires []any
	if err := decodeResponse(method, body, &values); err != nil {
		return nil, err
	}
	clean, restore := escapeControls(body)
	if err := xmlrpc.Response(clean).Unmarshal(&wires); err != nil {
		return nil, badResponse(method, body, err)
	}
	fillEmpty(reflect.ValueOf(&wires))
	if len(values) != len(calls) || len(wires) != len(calls) {
		return nil, fmt.Errorf("%s: %w: %d results for %d calls", method, ErrBadResponse, len(values), len(calls))
	}
	results := make([]MulticallResult, len(calls))
	for i, v := range values {
		results[i] = MulticallResult{Method: calls[i].Method, wire: wires[i], restore: restore}
		if f, ok := asFault(v); ok {
			f.Method = calls[i].Method
			results[i].Err = f
			continue
		}
		results[i].Value = v
	}
	return results, nil
}

// asFault recognises the {faultCode, faultString} struct supervisord puts
// in place of a failed call's value.
func asFault(v any) (*Fault, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 {
		return nil, false
	}
	code, ok1 := m["faultCode"].(int64)
	text, ok2 := m["faultString"].(string)
	if !ok1 || !ok2 {
		return nil, false
	}
	return &Fault{Code: FaultCode(code), String: text}, true
}
