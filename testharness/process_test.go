package testharness

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// A Process method fails with the very fault rpc.Client gets from the fake
// server in the same situation: same code (so errors.Is matches rpc's
// sentinels), same faultString, same method.
func TestProcessFaultsAreRPCFaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notexec := filepath.Join(dir, "notexec")
	must(t, os.WriteFile(notexec, []byte("#!/bin/sh\n"), 0o644))
	s := Start(t, Config{RPC: true, Programs: []Program{
		{Name: "run"},
		{Name: "idle", ProcessConfig: ProcessConfig{NoAutostart: true}},
		{Name: "gone", ProcessConfig: ProcessConfig{NoAutostart: true}},
		{Name: "broken"},
		{Name: "nofile", ProcessConfig: ProcessConfig{Command: []string{"/nonexistent/program"}, NoAutostart: true}},
		{Name: "noexec", ProcessConfig: ProcessConfig{Command: []string{notexec}, NoAutostart: true}},
		{Name: "quick", ProcessConfig: ProcessConfig{Command: []string{"/bin/false"}, NoAutostart: true,
			StartSecs: time.Second, StartRetries: -1}},
	}})
	ctx := testCtx(t)
	c := s.Client()
	gone := procOf(t, s, "gone")
	must(t, c.RemoveProcessGroup(ctx, "gone"))
	broken := procOf(t, s, "broken")
	broken.FailSignals(syscall.EPERM)
	if err := broken.Stop(ctx, true); !errors.Is(err, rpc.ErrFailed) {
		t.Fatalf("Stop with EPERM = %v, want FAILED", err)
	}

	tests := []struct {
		name   string
		code   rpc.FaultCode
		handle func() error
		client func() error
	}{
		{"start running", rpc.ErrAlreadyStarted,
			func() error { return procOf(t, s, "run").Start(ctx, true) },
			func() error { return c.StartProcess(ctx, "run", true) }},
		{"stop stopped", rpc.ErrNotRunning,
			func() error { return procOf(t, s, "idle").Stop(ctx, true) },
			func() error { return c.StopProcess(ctx, "idle", true) }},
		{"signal stopped", rpc.ErrNotRunning,
			func() error { return procOf(t, s, "idle").Signal(syscall.SIGHUP) },
			func() error { return c.SignalProcess(ctx, "idle", "1") }},
		{"start removed", rpc.ErrBadName,
			func() error { return gone.Start(ctx, true) },
			func() error { return c.StartProcess(ctx, "gone", true) }},
		{"start unknown state", rpc.ErrFailed,
			func() error { return broken.Start(ctx, true) },
			func() error { return c.StartProcess(ctx, "broken", true) }},
		{"start missing command", rpc.ErrNoFile,
			func() error { return procOf(t, s, "nofile").Start(ctx, true) },
			func() error { return c.StartProcess(ctx, "nofile", true) }},
		{"start not executable", rpc.ErrNotExecutable,
			func() error { return procOf(t, s, "noexec").Start(ctx, true) },
			func() error { return c.StartProcess(ctx, "noexec", true) }},
		{"start exits too quickly", rpc.ErrSpawnError,
			func() error { return procOf(t, s, "quick").Start(ctx, true) },
			func() error { return c.StartProcess(ctx, "quick", true) }},
	}
	for _, tt := range tests {
		herr, cerr := tt.handle(), tt.client()
		var hf, cf *rpc.Fault
		if !errors.Is(herr, tt.code) || !errors.As(herr, &hf) {
			t.Errorf("%s: Process gave %v, want a %v fault", tt.name, herr, tt.code)
			continue
		}
		if !errors.As(cerr, &cf) {
			t.Errorf("%s: the client gave %v, want a fault", tt.name, cerr)
			continue
		}
		if *hf != *cf {
			t.Errorf("%s: Process fault %+v, client fault %+v", tt.name, *hf, *cf)
		}
	}

	// A virtual process with no spawn is NOT_RUNNING for Exit and Write.
	idle := procOf(t, s, "idle")
	for _, err := range []error{idle.Exit(0), idle.Write(Stdout, []byte("x"))} {
		var f *rpc.Fault
		if !errors.Is(err, rpc.ErrNotRunning) || !errors.As(err, &f) || f.String != "NOT_RUNNING: idle" {
			t.Errorf("driving a stopped virtual process = %v, want NOT_RUNNING: idle", err)
		}
	}
	if err := procOf(t, s, "nofile").Exit(0); !errors.Is(err, ErrNotVirtual) {
		t.Errorf("Exit on a process with a Command = %v, want ErrNotVirtual", err)
	}

	// While shutting down, every control call faults with SHUTDOWN_STATE.
	must(t, c.Shutdown(ctx))
	herr, cerr := idle.Start(ctx, true), c.StartProcess(ctx, "idle", true)
	var hf, cf *rpc.Fault
	if !errors.Is(herr, rpc.ErrShutdownState) || !errors.As(herr, &hf) || !errors.As(cerr, &cf) || *hf != *cf {
		t.Errorf("after shutdown: Process gave %v, the client %v; want the same SHUTDOWN_STATE fault", herr, cerr)
	}
}

// "group:" and "group:*" both name a whole group, as in split_namespec.
func TestWholeGroupNamespecs(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{RPC: true,
		Groups: []Group{{Name: "tools", Programs: []string{"grep", "sed"}}},
		Programs: []Program{
			{Name: "grep", ProcessConfig: ProcessConfig{NoAutostart: true}},
			{Name: "sed", ProcessConfig: ProcessConfig{NoAutostart: true}},
		}})
	ctx := testCtx(t)
	for _, spec := range []string{"tools:*", "tools:"} {
		var got []rpc.ProcessStatus
		if err := s.Client().Call(ctx, "supervisor.startProcess", &got, spec, true); err != nil {
			t.Fatalf("startProcess(%q): %v", spec, err)
		}
		if len(got) != 2 || got[0].Namespec() != "tools:grep" || got[1].Namespec() != "tools:sed" || got[0].Err() != nil || got[1].Err() != nil {
			t.Errorf("startProcess(%q) = %+v, want both processes of tools started", spec, got)
		}
		var stopped []rpc.ProcessStatus
		if err := s.Client().Call(ctx, "supervisor.stopProcess", &stopped, spec, true); err != nil || len(stopped) != 2 {
			t.Fatalf("stopProcess(%q) = %+v, %v", spec, stopped, err)
		}
	}
	if err := s.Client().StartProcess(context.Background(), "tools:nope", true); !errors.Is(err, rpc.ErrBadName) {
		t.Errorf("startProcess(tools:nope) = %v, want BAD_NAME", err)
	}
}

// Info is getProcessInfo's answer, field for field.
func TestInfoIsGetProcessInfo(t *testing.T) {
	t.Parallel()
	// A clock that does not move keeps "now" equal between the two calls.
	s := Start(t, Config{RPC: true, Clock: NewFakeClock(time.Unix(1795237282, 0)),
		Programs: []Program{{Name: "app"}, {Name: "idle", ProcessConfig: ProcessConfig{NoAutostart: true}}}})
	ctx := testCtx(t)
	must(t, procOf(t, s, "app").Exit(3))
	must(t, s.WaitProcessState(ctx, "app", stRunning))
	for _, name := range []string{"app", "idle"} {
		want, err := s.Client().GetProcessInfo(ctx, name)
		must(t, err)
		if got := procOf(t, s, name).Info(); got != want {
			t.Errorf("%s: Info() = %+v\ngetProcessInfo = %+v", name, got, want)
		}
	}
}

// A signal that cannot be delivered (EPERM) puts the process in UNKNOWN,
// and supervisord's FAILED faults follow.
func TestUnknownProcessStateFaults(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Programs: []Program{{Name: "app"}}})
	ctx := testCtx(t)
	app := procOf(t, s, "app")
	app.FailSignals(syscall.EPERM)
	err := app.Stop(ctx, true)
	var fault *rpc.Fault
	if !errors.As(err, &fault) || !errors.Is(err, rpc.ErrFailed) || !strings.HasPrefix(fault.String, "FAILED: unknown problem killing app (") {
		t.Fatalf("Stop = %v, want FAILED", err)
	}
	if app.State() != listener.StateUnknown {
		t.Fatalf("state %s", app.State())
	}
	got := stateEvents(s.Transcript(), "app")
	if want := []string{"STOPPING from_state:RUNNING pid:N", "UNKNOWN from_state:STOPPING"}; !slices.Equal(got[len(got)-2:], want) {
		t.Fatalf("events %q", got)
	}
	if err := app.Start(ctx, true); !errors.As(err, &fault) || fault.String != "FAILED: app is in an unknown process state" {
		t.Fatalf("Start = %v", err)
	}
	if err := app.Stop(ctx, true); !errors.Is(err, rpc.ErrNotRunning) {
		t.Fatalf("Stop in UNKNOWN = %v, want NOT_RUNNING", err)
	}
	if info := app.Info(); info.Description != "" || info.State != listener.StateUnknown {
		t.Fatalf("info %+v", info)
	}
}

// In-process children see the environment a real child would get.
func TestLookupEnvInProcess(t *testing.T) {
	t.Parallel()
	type seen struct{ url, name, group, extra string }
	got := make(chan seen, 1)
	s := Start(t, Config{RPC: true, Programs: []Program{{Name: "inproc", ProcessConfig: ProcessConfig{
		Env: []string{"EXTRA=1"},
		Run: func(ctx context.Context, _ io.Reader, _, _ io.Writer) error {
			look := LookupEnv(ctx)
			var v seen
			v.url, _ = look("SUPERVISOR_SERVER_URL")
			v.name, _ = look("SUPERVISOR_PROCESS_NAME")
			v.group, _ = look("SUPERVISOR_GROUP_NAME")
			v.extra, _ = look("EXTRA")
			got <- v
			<-ctx.Done()
			return nil
		}}}}})
	v := <-got
	if v.url != s.ServerURL() || v.name != "inproc" || v.group != "inproc" || v.extra != "1" {
		t.Fatalf("in-process child saw %+v", v)
	}
	if _, ok := LookupEnv(context.Background())("SUPERVISOR_PROCESS_NAME"); ok && os.Getenv("SUPERVISOR_PROCESS_NAME") == "" {
		t.Fatal("LookupEnv on a plain context must be os.LookupEnv")
	}
}
