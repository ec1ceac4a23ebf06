package testharness

import (
	"os"
	"slices"
	"testing"

	"github.com/golance/golance/listener/rpc"
)

// TestCallsAreRecordedWithTheirCaller: every call reaches the transcript
// as it arrives, the calls of a multicall too, with the caller's pid and,
// when the caller is one of the supervisor's processes or descends from
// one, its namespec.
func TestCallsAreRecordedWithTheirCaller(t *testing.T) {
	t.Parallel()
	exe, env := helperCommand(t, "rpccaller")
	s := Start(t, Config{
		RPC: true,
		Programs: []Program{{Name: "shell", ProcessConfig: ProcessConfig{
			// The caller is the shell's child, not the shell: not exec'd,
			// since a command follows it.
			Command: []string{"sh", "-c", `"$0" "$1"; exec sleep 1000`, exe[0], exe[1]},
			Env:     env, NoAutostart: true,
		}}},
	})
	ctx := testCtx(t)
	c := s.Client()
	if _, err := c.GetProcessInfo(ctx, "shell"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Multicall(ctx, rpc.MethodCall{Method: "supervisor.getState"}, rpc.MethodCall{Method: "supervisor.getPID"}); err != nil {
		t.Fatal(err)
	}
	must(t, procOf(t, s, "shell").Start(ctx, true))
	must(t, s.WaitFor(ctx, "the shell's child to call", func(tr *Transcript) bool { return len(tr.Calls("shell")) == 1 }))

	type seen struct {
		call, process string
		self, multi   bool
	}
	var got []seen
	for _, call := range s.Transcript().Calls("") {
		got = append(got, seen{call.String(), call.Process, call.PID == os.Getpid(), call.InMulticall})
	}
	want := []seen{
		{"supervisor.getProcessInfo('shell')", "", true, false},
		{"system.multicall([{'methodName': 'supervisor.getState', 'params': []}, {'methodName': 'supervisor.getPID', 'params': []}])", "", true, false},
		{"supervisor.getState()", "", true, true},
		{"supervisor.getPID()", "", true, true},
		{"supervisor.getIdentification()", "shell", false, false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls\n%v\nwant\n%v", got, want)
	}
}
