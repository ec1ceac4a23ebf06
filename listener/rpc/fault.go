package rpc

import (
	"fmt"
	"strings"
)

// FaultCode is a supervisord fault code (supervisor/xmlrpc.py, Faults).
// Every code except Success is also an error, so a *Fault can be matched
// with errors.Is(err, rpc.ErrBadName), the way syscall.Errno values are.
type FaultCode int

// supervisord's fault codes. Success is not a fault: it is the status of a
// successful entry in the results of the group and "all" methods.
const (
	ErrUnknownMethod        FaultCode = 1
	ErrIncorrectParameters  FaultCode = 2
	ErrBadArguments         FaultCode = 3
	ErrSignatureUnsupported FaultCode = 4
	ErrShutdownState        FaultCode = 6
	ErrBadName              FaultCode = 10
	ErrBadSignal            FaultCode = 11
	ErrNoFile               FaultCode = 20
	ErrNotExecutable        FaultCode = 21
	ErrFailed               FaultCode = 30
	ErrAbnormalTermination  FaultCode = 40
	ErrSpawnError           FaultCode = 50
	ErrAlreadyStarted       FaultCode = 60
	ErrNotRunning           FaultCode = 70
	Success                 FaultCode = 80
	ErrAlreadyAdded         FaultCode = 90
	ErrStillRunning         FaultCode = 91
	ErrCantReread           FaultCode = 92
)

var faultNames = map[FaultCode]string{
	ErrUnknownMethod:        "UNKNOWN_METHOD",
	ErrIncorrectParameters:  "INCORRECT_PARAMETERS",
	ErrBadArguments:         "BAD_ARGUMENTS",
	ErrSignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	ErrShutdownState:        "SHUTDOWN_STATE",
	ErrBadName:              "BAD_NAME",
	ErrBadSignal:            "BAD_SIGNAL",
	ErrNoFile:               "NO_FILE",
	ErrNotExecutable:        "NOT_EXECUTABLE",
	ErrFailed:               "FAILED",
	ErrAbnormalTermination:  "ABNORMAL_TERMINATION",
	ErrSpawnError:           "SPAWN_ERROR",
	ErrAlreadyStarted:       "ALREADY_STARTED",
	ErrNotRunning:           "NOT_RUNNING",
	Success:                 "SUCCESS",
	ErrAlreadyAdded:         "ALREADY_ADDED",
	ErrStillRunning:         "STILL_RUNNING",
	ErrCantReread:           "CANT_REREAD",
}

// String returns the code's name as supervisord spells it ("BAD_NAME"), or
// "FaultCode(n)" for a code supervisord 4.2 does not define.
func (c FaultCode) String() string {
	if n, ok := faultNames[c]; ok {
		return n
	}
	return fmt.Sprintf("FaultCode(%d)", int(c))
}

// Error describes the code, so that the constants can serve as errors.Is
// targets.
func (c FaultCode) Error() string {
	return fmt.Sprintf("supervisord fault %s (%d)", c.String(), int(c))
}

// Fault is an XML-RPC fault returned by supervisord, or a failed entry in
// the results of a group method or a multicall.
type Fault struct {
	// Method is the XML-RPC method that failed, "" when unknown.
	Method string
	// Code is supervisord's fault code; errors.Is compares it.
	Code FaultCode
	// String is supervisord's faultString, usually "NAME" or
	// "NAME: detail", for example "BAD_NAME: web:web_07".
	String string
}

// Error returns the method and supervisord's own text, plus a hint where
// the fault usually means a configuration problem.
func (f *Fault) Error() string {
	var b strings.Builder
	if f.Method != "" {
		b.WriteString(f.Method)
		b.WriteString(": ")
	}
	if f.String != "" {
		b.WriteString(f.String)
	} else {
		b.WriteString(f.Code.String())
	}
	if f.Code == ErrUnknownMethod && strings.HasPrefix(f.Method, "supervisor.") {
		b.WriteString(" (is [rpcinterface:supervisor] configured in supervisord.conf?)")
	}
	return b.String()
}

// Unwrap returns the fault's code, which makes errors.Is(err, ErrBadName)
// and errors.As(err, &code) work.
func (f *Fault) Unwrap() error { return f.Code }
