package testharness

import (
	"fmt"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener/rpc"
)

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

// processArg is the process a name parameter names, and the name: a
// process, not a group, or BAD_NAME.
func (s *Supervisor) processArg(arg any) (*subprocess, string, error) {
	name, err := strArg(arg)
	if err != nil {
		return nil, "", err
	}
	_, p, err := s.lookup(name)
	if err != nil {
		return nil, "", err
	}
	if p == nil {
		return nil, "", newFault(rpc.ErrBadName, name)
	}
	return p, name, nil
}

// withNameWait calls op with the (name, wait=True) parameters of the start
// and stop methods.
func withNameWait(args []any, op func(name string, wait bool) (any, deferred, error)) (any, deferred, error) {
	name, err := strArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	return op(name, waitArg(args[1:]))
}

// withNameSignal calls op with the (name, signal) parameters of the signal
// methods, signal as Python's str() of it.
func withNameSignal(args []any, op func(name, signal string) (any, deferred, error)) (any, deferred, error) {
	name, err := strArg(args[0])
	if err != nil {
		return nil, nil, err
	}
	return op(name, pyStr(args[1]))
}

// waitArg is an optional wait=True parameter.
func waitArg(args []any) bool {
	if len(args) == 0 {
		return true
	}
	return truthy(args[0])
}
