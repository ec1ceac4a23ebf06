package rpc

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Every fault supervisord 4.2.5 can raise, as it sent them.
func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		code    FaultCode
		text    string // prefix of faultString
	}{
		{"fault_UNKNOWN_METHOD", ErrUnknownMethod, "UNKNOWN_METHOD"},
		{"fault_INCORRECT_PARAMETERS", ErrIncorrectParameters, "INCORRECT_PARAMETERS"},
		{"fault_BAD_ARGUMENTS", ErrBadArguments, "BAD_ARGUMENTS"},
		{"fault_SIGNATURE_UNSUPPORTED", ErrSignatureUnsupported, "SIGNATURE_UNSUPPORTED"},
		{"fault_SHUTDOWN_STATE", ErrShutdownState, "SHUTDOWN_STATE"},
		{"fault_BAD_NAME", ErrBadName, "BAD_NAME: nope"},
		{"fault_BAD_SIGNAL", ErrBadSignal, "BAD_SIGNAL: NOPE"},
		{"fault_NO_FILE", ErrNoFile, "NO_FILE: can't find command '/nonexistent/program'"},
		{"fault_NOT_EXECUTABLE", ErrNotExecutable, "NOT_EXECUTABLE: command at '"},
		{"fault_ABNORMAL_TERMINATION", ErrAbnormalTermination, "ABNORMAL_TERMINATION: slowstart"},
		{"fault_SPAWN_ERROR", ErrSpawnError, "SPAWN_ERROR: quick"},
		{"fault_ALREADY_STARTED", ErrAlreadyStarted, "ALREADY_STARTED: sleeper"},
		{"fault_NOT_RUNNING", ErrNotRunning, "NOT_RUNNING: sleeper"},
		{"fault_NOT_RUNNING_signal", ErrNotRunning, "NOT_RUNNING: sleeper"},
		{"fault_NOT_RUNNING_stdin", ErrNotRunning, "NOT_RUNNING: sleeper"},
		{"fault_ALREADY_ADDED", ErrAlreadyAdded, "ALREADY_ADDED: cat"},
		{"fault_STILL_RUNNING", ErrStillRunning, "STILL_RUNNING: cat"},
		{"fault_CANT_REREAD", ErrCantReread, "CANT_REREAD: program section program:broken"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, _ := replay(t, tt.fixture)
			err := c.Call(context.Background(), "supervisor.startProcess", nil, "x", true)
			if !errors.Is(err, tt.code) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.code)
			}
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("err %T is not a *Fault", err)
			}
			if f.Code != tt.code || f.Method != "supervisor.startProcess" || !strings.HasPrefix(f.String, tt.text) {
				t.Errorf("fault %+v, want code %v text %q", f, tt.code, tt.text)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "supervisor.startProcess: "+tt.text) {
				t.Errorf("message %q", msg)
			}
			var code FaultCode
			if !errors.As(err, &code) || code != tt.code {
				t.Errorf("errors.As FaultCode = %v, want %v", code, tt.code)
			}
			for _, other := range []FaultCode{ErrBadName, ErrFailed, ErrNotRunning} {
				if other != tt.code && errors.Is(err, other) {
					t.Errorf("errors.Is(err, %v) is true", other)
				}
			}
		})
	}
}

// FAILED only arises from exceptions inside supervisord; the capture has
// one inside a multicall (see TestMulticall). The same code as a
// top-level fault:
func TestFaultFailedFromCode(t *testing.T) {
	t.Parallel()
	err := error(&Fault{Method: "supervisor.signalProcess", Code: 30, String: "FAILED: kill failed"})
	if !errors.Is(err, ErrFailed) || err.Error() != "supervisor.signalProcess: FAILED: kill failed" {
		t.Errorf("err = %v", err)
	}
}

func TestUnknownMethodHint(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, "fault_UNKNOWN_METHOD")
	_, err := c.GetState(context.Background())
	if !errors.Is(err, ErrUnknownMethod) || !strings.Contains(err.Error(), "[rpcinterface:supervisor]") {
		t.Errorf("err = %v, want ErrUnknownMethod with a hint about [rpcinterface:supervisor]", err)
	}
	err = c.Call(context.Background(), "system.nope", nil)
	if !errors.Is(err, ErrUnknownMethod) || strings.Contains(err.Error(), "rpcinterface") {
		t.Errorf("err = %v, want ErrUnknownMethod without the hint", err)
	}
}

func TestFaultCodeString(t *testing.T) {
	t.Parallel()
	for code, name := range faultNames {
		if code.String() != name {
			t.Errorf("%d.String() = %q, want %q", int(code), code.String(), name)
		}
		if !strings.Contains(code.Error(), name) {
			t.Errorf("%d.Error() = %q", int(code), code.Error())
		}
	}
	if len(faultNames) != 18 {
		t.Errorf("%d codes, want the 18 of supervisord 4.2", len(faultNames))
	}
	if got := FaultCode(5).String(); got != "FaultCode(5)" {
		t.Errorf("FaultCode(5).String() = %q", got)
	}
	if got := (&Fault{Code: 5}).Error(); got != "FaultCode(5)" {
		t.Errorf("empty fault Error() = %q", got)
	}
}
