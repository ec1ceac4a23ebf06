package rpc

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestListMethods(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "listMethods")
	names, err := c.ListMethods(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantCall(t, s, "system.listMethods", "")
	if !slices.IsSorted(names) {
		t.Errorf("names not sorted: %v", names)
	}
	// Every method this client wraps must exist on supervisord 4.2.5.
	for _, m := range wrappedMethods {
		if !slices.Contains(names, m) {
			t.Errorf("supervisord 4.2.5 has no %s", m)
		}
	}
}

// wrappedMethods are the XML-RPC methods the typed API calls.
var wrappedMethods = []string{
	"supervisor.getState", "supervisor.getIdentification", "supervisor.getSupervisorVersion",
	"supervisor.getAPIVersion", "supervisor.getPID", "supervisor.readLog", "supervisor.clearLog",
	"supervisor.shutdown", "supervisor.restart", "supervisor.reloadConfig", "supervisor.addProcessGroup",
	"supervisor.removeProcessGroup", "supervisor.getProcessInfo", "supervisor.getAllProcessInfo",
	"supervisor.getAllConfigInfo", "supervisor.startProcess", "supervisor.stopProcess",
	"supervisor.startProcessGroup", "supervisor.stopProcessGroup", "supervisor.startAllProcesses",
	"supervisor.stopAllProcesses", "supervisor.signalProcess", "supervisor.signalProcessGroup",
	"supervisor.signalAllProcesses", "supervisor.tailProcessStdoutLog", "supervisor.tailProcessStderrLog",
	"supervisor.readProcessStdoutLog", "supervisor.readProcessStderrLog", "supervisor.clearProcessLogs",
	"supervisor.clearAllProcessLogs", "supervisor.sendProcessStdin", "supervisor.sendRemoteCommEvent",
	"system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall",
}

func TestMethodHelp(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "methodHelp")
	help, err := c.MethodHelp(context.Background(), "supervisor.getState")
	if err != nil {
		t.Fatal(err)
	}
	wantCall(t, s, "system.methodHelp", params(pStr("supervisor.getState")))
	if !strings.Contains(help, "@return struct") {
		t.Errorf("help %q", help)
	}

	c, _ = replay(t, "fault_SIGNATURE_UNSUPPORTED")
	if _, err := c.MethodHelp(context.Background(), "supervisor.nope"); !errors.Is(err, ErrSignatureUnsupported) {
		t.Errorf("err = %v, want ErrSignatureUnsupported", err)
	}
}

func TestMethodSignature(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "methodSignature")
	sig, err := c.MethodSignature(context.Background(), "supervisor.getProcessInfo")
	if err != nil {
		t.Fatal(err)
	}
	wantCall(t, s, "system.methodSignature", params(pStr("supervisor.getProcessInfo")))
	if !slices.Equal(sig, []string{"struct", "string"}) {
		t.Errorf("signature %v", sig)
	}
}
