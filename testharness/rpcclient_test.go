package testharness

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// The fake server through the project's own client.
func TestRPCClientAgainstHarness(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		Identifier: "fake",
		RPC:        true,
		Pools:      []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication}}},
		Programs: []Program{
			{Name: "web", ProcessConfig: ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d", NoAutostart: true}},
			{Name: "app", ProcessConfig: ProcessConfig{StdoutEvents: true}},
		},
	})
	ctx := testCtx(t)
	c := s.Client()

	id, err := c.GetIdentification(ctx)
	if err != nil || id != "fake" {
		t.Fatalf("GetIdentification = %q, %v", id, err)
	}
	infos, err := c.GetAllProcessInfo(ctx)
	must(t, err)
	var names []string
	for _, in := range infos {
		names = append(names, in.Namespec()+"="+in.StateName)
	}
	// getAllProcessInfo lists the listener pools too, sorted by group.
	if want := []string{"app=RUNNING", "rec=RUNNING", "web:web_00=STOPPED", "web:web_01=STOPPED"}; !slices.Equal(names, want) {
		t.Fatalf("processes %v, want %v", names, want)
	}
	configs, err := c.GetAllConfigInfo(ctx)
	must(t, err)
	if len(configs) != 4 || configs[0].Name != "app" || configs[1].Group != "rec" || configs[1].ProcessPriority != -1 {
		t.Fatalf("config info %+v", configs)
	}

	statuses, err := c.StartProcessGroup(ctx, "web", true)
	must(t, err)
	if len(statuses) != 2 || statuses[0].Err() != nil || statuses[1].Name != "web_01" {
		t.Fatalf("StartProcessGroup = %+v", statuses)
	}
	if err := c.StartProcess(ctx, "web:web_00", true); !errors.Is(err, rpc.ErrAlreadyStarted) {
		t.Fatalf("StartProcess twice = %v, want ErrAlreadyStarted", err)
	}
	if err := c.StopProcess(ctx, "web", true); !errors.Is(err, rpc.ErrBadName) {
		t.Fatalf(`StopProcess("web") = %v, want ErrBadName: "web" is a group`, err)
	}
	// stopProcess("web:*") answers with the group's result array, as
	// supervisord does; StopProcessGroup is the typed way to say it.
	var results []any
	must(t, c.Call(ctx, "supervisor.stopProcess", &results, "web:*", true))
	if len(results) != 2 {
		t.Fatalf(`stopProcess("web:*") = %v`, results)
	}
	if err := c.SignalProcess(ctx, "web:web_00", "HUP"); !errors.Is(err, rpc.ErrNotRunning) {
		t.Fatalf("SignalProcess on a stopped process = %v", err)
	}

	// Output of a virtual program lands in its log.
	must(t, procOf(t, s, "app").Write(Stdout, []byte("hello from app\n")))
	tail, err := c.TailProcessStdoutLog(ctx, "app", 0, 100)
	must(t, err)
	if tail.Data != "hello from app\n" || tail.Overflow {
		t.Fatalf("tail %+v", tail)
	}

	// sendRemoteCommEvent goes through the dispatcher.
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	must(t, c.SendRemoteCommEvent(ctx, "mytype", "payload ü"))
	d := s.Transcript().Deliveries("rec")
	if len(d) == 0 || d[len(d)-1].Payload != "type:mytype\npayload ü" {
		t.Fatalf("deliveries %+v", d)
	}

	mc, err := c.Multicall(ctx, rpc.MethodCall{Method: "supervisor.getState"}, rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{"nope"}})
	must(t, err)
	if len(mc) != 2 || !errors.Is(mc[1].Err, rpc.ErrBadName) {
		t.Fatalf("multicall %+v", mc)
	}

	must(t, c.Shutdown(ctx))
	if _, err := c.GetState(ctx); !errors.Is(err, rpc.ErrShutdownState) {
		t.Fatalf("GetState after shutdown = %v, want ErrShutdownState", err)
	}
	must(t, s.WaitProcessState(ctx, "app", listener.StateStopped))
}

func TestRPCGroupRemovalAndRestart(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		RPC:      true,
		Pools:    []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessGroup, listener.SupervisorStateChange}, BufferSize: 50}},
		Programs: []Program{{Name: "app"}},
	})
	ctx := testCtx(t)
	c := s.Client()
	if err := c.RemoveProcessGroup(ctx, "app"); !errors.Is(err, rpc.ErrStillRunning) {
		t.Fatalf("RemoveProcessGroup(running) = %v", err)
	}
	must(t, c.StopProcess(ctx, "app", true))
	must(t, c.RemoveProcessGroup(ctx, "app"))
	if _, err := c.GetProcessInfo(ctx, "app"); !errors.Is(err, rpc.ErrBadName) {
		t.Fatalf("GetProcessInfo after removal = %v", err)
	}
	must(t, c.AddProcessGroup(ctx, "app"))
	if err := c.AddProcessGroup(ctx, "app"); !errors.Is(err, rpc.ErrAlreadyAdded) {
		t.Fatalf("AddProcessGroup twice = %v", err)
	}
	must(t, s.WaitProcessState(ctx, "app", listener.StateRunning))

	must(t, c.Restart(ctx))
	must(t, s.WaitFor(ctx, "the restart", func(tr *Transcript) bool {
		return len(tr.Filter(RecordSpawned, "rec")) == 2 && len(tr.Filter(RecordSpawned, "app")) == 3
	}))
	var events []string
	for _, r := range s.Transcript().Filter(RecordNotified, "") {
		if r.EventName.Is(listener.ProcessGroup) || r.EventName.Is(listener.SupervisorStateChange) {
			events = append(events, strings.TrimSpace(string(r.EventName)+" "+r.Payload))
		}
	}
	want := []string{
		"PROCESS_GROUP_ADDED groupname:rec", "PROCESS_GROUP_ADDED groupname:app", "SUPERVISOR_STATE_CHANGE_RUNNING",
		"PROCESS_GROUP_REMOVED groupname:app", "PROCESS_GROUP_ADDED groupname:app",
		"SUPERVISOR_STATE_CHANGE_STOPPING",
		"PROCESS_GROUP_ADDED groupname:rec", "PROCESS_GROUP_ADDED groupname:app", "SUPERVISOR_STATE_CHANGE_RUNNING",
	}
	if !slices.Equal(events, want) {
		t.Fatalf("events\n%q\nwant\n%q", events, want)
	}
}
