package testharness

import "strconv"

// Fault is an XML-RPC fault as supervisord raises it: a code from its
// Faults table and a string "NAME" or "NAME: detail". Process control
// methods (Process.Start, Process.Stop, ...) return the same faults the fake
// XML-RPC server sends, so errors.As(err, &fault) works on both.
type Fault struct {
	Code   int    // supervisord's fault code, one of the Fault* constants
	String string // faultString: "NAME" or "NAME: detail"
}

// Error returns the code and faultString.
func (f *Fault) Error() string {
	return "fault " + strconv.Itoa(f.Code) + ": " + f.String
}

// supervisord's fault codes (supervisor/xmlrpc.py, Faults).
const (
	FaultUnknownMethod        = 1
	FaultIncorrectParameters  = 2
	FaultBadArguments         = 3
	FaultSignatureUnsupported = 4
	FaultShutdownState        = 6
	FaultBadName              = 10
	FaultBadSignal            = 11
	FaultNoFile               = 20
	FaultNotExecutable        = 21
	FaultFailed               = 30
	FaultAbnormalTermination  = 40
	FaultSpawnError           = 50
	FaultAlreadyStarted       = 60
	FaultNotRunning           = 70
	FaultSuccess              = 80
	FaultAlreadyAdded         = 90
	FaultStillRunning         = 91
	FaultCantReread           = 92
)

var faultNames = map[int]string{
	FaultUnknownMethod: "UNKNOWN_METHOD", FaultIncorrectParameters: "INCORRECT_PARAMETERS",
	FaultBadArguments: "BAD_ARGUMENTS", FaultSignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	FaultShutdownState: "SHUTDOWN_STATE", FaultBadName: "BAD_NAME", FaultBadSignal: "BAD_SIGNAL",
	FaultNoFile: "NO_FILE", FaultNotExecutable: "NOT_EXECUTABLE", FaultFailed: "FAILED",
	FaultAbnormalTermination: "ABNORMAL_TERMINATION", FaultSpawnError: "SPAWN_ERROR",
	FaultAlreadyStarted: "ALREADY_STARTED", FaultNotRunning: "NOT_RUNNING", FaultSuccess: "SUCCESS",
	FaultAlreadyAdded: "ALREADY_ADDED", FaultStillRunning: "STILL_RUNNING", FaultCantReread: "CANT_REREAD",
}

// newFault builds supervisord's RPCError(code, extra).
func newFault(code int, extra ...string) *Fault {
	name, ok := faultNames[code]
	if !ok {
		name = "UNKNOWN"
	}
	if len(extra) > 0 {
		return &Fault{Code: code, String: name + ": " + extra[0]}
	}
	return &Fault{Code: code, String: name}
}
