package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/supervisord"
)

// These tests run the client against the real supervisord.

const programs = `
[program:cat]
command=cat
startsecs=0

[program:sleeper]
command=sleep 1000
autostart=false
startsecs=0

[program:web]
command=sleep 1000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
autostart=false
startsecs=0

[program:trapper]
command=sh -c 'trap "echo got USR1" USR1; echo ready; while :; do sleep 0.05; done'
startsecs=0

[program:quick]
command=/bin/false
autostart=false
startsecs=1
startretries=0

[program:nofile]
command=/nonexistent/program
autostart=false
exitcodes=0,3
stopsignal=INT

[program:colors]
command=printf 'plain \033[1mbold\033[0m bell\007 cr\r\nend\n'
autostart=false
startsecs=0
autorestart=false
`

func startPrograms(t *testing.T, cfg supervisord.Config) *supervisord.Supervisord {
	t.Helper()
	cfg.Sections = programs + cfg.Sections
	return supervisord.Start(t, cfg)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls f until it returns nil.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// execed waits until the named process runs command. With startsecs=0
// supervisord reports RUNNING before the child has exec'd, and a SIGTERM
// that arrives in between is swallowed by the signal handler the child
// inherited from supervisord, so stopping it would cost stopwaitsecs.
func execed(t *testing.T, c *rpc.Client, name, command string) {
	t.Helper()
	eventually(t, name+" exec", func() error {
		info, err := c.GetProcessInfo(context.Background(), name)
		if err != nil {
			return err
		}
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(info.PID) + "/cmdline")
		if err == nil && !strings.HasPrefix(string(cmdline), command+"\x00") {
			err = fmt.Errorf("pid %d runs %q", info.PID, cmdline)
		}
		return err
	})
}

func TestIntegrationServerInfo(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{Identifier: "golance-it"})
	c, ctx := sv.Client, ctxT(t)
	if st, err := c.GetState(ctx); err != nil || st != rpc.SupervisorRunning {
		t.Errorf("GetState = %v, %v", st, err)
	}
	if id, err := c.GetIdentification(ctx); err != nil || id != "golance-it" {
		t.Errorf("GetIdentification = %q, %v", id, err)
	}
	if v, err := c.GetSupervisorVersion(ctx); err != nil || !strings.HasPrefix(v, "4.") {
		t.Errorf("GetSupervisorVersion = %q, %v", v, err)
	}
	if v, err := c.GetAPIVersion(ctx); err != nil || v != "3.0" {
		t.Errorf("GetAPIVersion = %q, %v", v, err)
	}
	if pid, err := c.GetPID(ctx); err != nil || pid != sv.PID {
		t.Errorf("GetPID = %d, %v; want %d", pid, err, sv.PID)
	}
	methods, err := c.ListMethods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rpc.WrappedMethods {
		if !slices.Contains(methods, m) {
			t.Errorf("the real supervisord has no %s", m)
		}
	}
	if sig, err := c.MethodSignature(ctx, "supervisor.startProcess"); err != nil || !slices.Equal(sig, []string{"boolean", "string", "boolean"}) {
		t.Errorf("MethodSignature = %v, %v", sig, err)
	}
	if help, err := c.MethodHelp(ctx, "supervisor.getState"); err != nil || !strings.Contains(help, "statecode") {
		t.Errorf("MethodHelp = %q, %v", help, err)
	}
	if _, err := c.MethodHelp(ctx, "supervisor.nope"); !errors.Is(err, rpc.ErrSignatureUnsupported) {
		t.Errorf("MethodHelp(nope) err = %v", err)
	}
	if err := c.Call(ctx, "supervisor.nope", nil); !errors.Is(err, rpc.ErrUnknownMethod) {
		t.Errorf("unknown method err = %v", err)
	}
	if err := c.Call(ctx, "supervisor.getProcessInfo", nil); !errors.Is(err, rpc.ErrIncorrectParameters) {
		t.Errorf("missing parameter err = %v", err)
	}
	text, err := c.ReadLog(ctx, 0, 0)
	if err != nil || !strings.Contains(text, "supervisord started with pid") {
		t.Errorf("ReadLog = %q, %v", text, err)
	}
	if _, err := c.ReadLog(ctx, -1, 5); !errors.Is(err, rpc.ErrBadArguments) {
		t.Errorf("ReadLog(-1, 5) err = %v", err)
	}
	tail, err := c.ReadLog(ctx, -100, 0)
	if err != nil || len(tail) != 100 || !strings.HasSuffix(text, tail[:50]) && !strings.Contains(sv.Log(), tail) {
		t.Errorf("ReadLog(-100, 0) = %q, %v", tail, err)
	}
}

func TestIntegrationStartStop(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{})
	c, ctx := sv.Client, ctxT(t)

	if err := c.StartProcess(ctx, "sleeper", true); err != nil {
		t.Fatal(err)
	}
	execed(t, c, "sleeper", "sleep")
	info, err := c.GetProcessInfo(ctx, "sleeper")
	if err != nil || info.State != listener.StateRunning || info.PID <= 0 || info.Start == 0 ||
		!strings.HasPrefix(info.Description, "pid ") || info.Uptime() < 0 || info.Namespec() != "sleeper" {
		t.Errorf("after start: %+v, %v", info, err)
	}
	if err := c.StartProcess(ctx, "sleeper", true); !errors.Is(err, rpc.ErrAlreadyStarted) {
		t.Errorf("second start err = %v", err)
	}
	if err := c.StopProcess(ctx, "sleeper", true); err != nil {
		t.Fatal(err)
	}
	if info, err := c.GetProcessInfo(ctx, "sleeper"); err != nil || info.State != listener.StateStopped || info.PID != 0 || info.Stop == 0 {
		t.Errorf("after stop: %+v, %v", info, err)
	}
	if err := c.StopProcess(ctx, "sleeper", true); !errors.Is(err, rpc.ErrNotRunning) {
		t.Errorf("second stop err = %v", err)
	}
	if err := c.StartProcess(ctx, "sleeper", false); err != nil {
		t.Errorf("start without wait: %v", err)
	}
	execed(t, c, "sleeper", "sleep")
	if err := c.StopProcess(ctx, "sleeper", false); err != nil {
		t.Errorf("stop without wait: %v", err)
	}

	var f *rpc.Fault
	if err := c.StartProcess(ctx, "nope", true); !errors.Is(err, rpc.ErrBadName) || !errors.As(err, &f) || f.String != "BAD_NAME: nope" {
		t.Errorf("unknown name err = %v", err)
	}
	if err := c.StartProcess(ctx, "nofile", true); !errors.Is(err, rpc.ErrNoFile) {
		t.Errorf("missing command err = %v", err)
	}
	// Whether the exit is seen before or after the call starts waiting
	// decides between the two.
	if err := c.StartProcess(ctx, "quick", true); !errors.Is(err, rpc.ErrSpawnError) && !errors.Is(err, rpc.ErrAbnormalTermination) {
		t.Errorf("failing program err = %v", err)
	}
	eventually(t, "quick FATAL", func() error {
		info, err := c.GetProcessInfo(ctx, "quick")
		if err == nil && (info.State != listener.StateFatal || info.SpawnErr == "") {
			err = errors.New(info.StateName)
		}
		return err
	})

	statuses, err := c.StartProcessGroup(ctx, "web", true)
	if err != nil || len(statuses) != 2 {
		t.Fatalf("StartProcessGroup = %+v, %v", statuses, err)
	}
	for _, st := range statuses {
		if st.Err() != nil || st.Group != "web" || !strings.HasPrefix(st.Namespec(), "web:web_0") {
			t.Errorf("status %+v", st)
		}
	}
	execed(t, c, "web:web_00", "sleep")
	execed(t, c, "web:web_01", "sleep")
	all, err := c.GetAllProcessInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Namespec())
		if p.Group == "web" && p.State != listener.StateRunning {
			t.Errorf("%s is %v after starting its group", p.Namespec(), p.State)
		}
	}
	if want := []string{"cat", "colors", "nofile", "quick", "sleeper", "trapper", "web:web_00", "web:web_01"}; !slices.Equal(names, want) {
		t.Errorf("GetAllProcessInfo names %v, want %v", names, want)
	}
	if statuses, err := c.StopProcessGroup(ctx, "web", true); err != nil || len(statuses) != 2 || statuses[0].Err() != nil {
		t.Errorf("StopProcessGroup = %+v, %v", statuses, err)
	}
	// "group:*" and "group:name" work with the single-process calls.
	if err := c.StartProcess(ctx, "web:*", true); err != nil {
		t.Errorf("start web:*: %v", err)
	}
	execed(t, c, "web:web_01", "sleep")
	if err := c.StopProcess(ctx, "web:web_01", true); err != nil {
		t.Errorf("stop web:web_01: %v", err)
	}
	if _, err := c.StartProcessGroup(ctx, "nope", true); !errors.Is(err, rpc.ErrBadName) {
		t.Errorf("unknown group err = %v", err)
	}
}

func TestIntegrationSignal(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{})
	c, ctx := sv.Client, ctxT(t)
	stdout, _ := sv.ChildLogs(t, "trapper")
	wait := func(offset int64, pattern string) {
		t.Helper()
		if _, err := supervisord.WaitFile(ctx, stdout, offset, regexp.MustCompile(pattern)); err != nil {
			t.Fatal(err)
		}
	}
	wait(0, "ready\n")
	if err := c.SignalProcess(ctx, "trapper", "USR1"); err != nil {
		t.Fatal(err)
	}
	wait(0, "got USR1\n")
	fi, _ := os.Stat(stdout)
	if err := c.SignalProcess(ctx, "trapper", "10"); err != nil { // SIGUSR1 by number
		t.Fatal(err)
	}
	wait(fi.Size(), "got USR1\n")
	if err := c.SignalProcess(ctx, "trapper", "NOPE"); !errors.Is(err, rpc.ErrBadSignal) {
		t.Errorf("bad signal err = %v", err)
	}
	if err := c.SignalProcess(ctx, "sleeper", "HUP"); !errors.Is(err, rpc.ErrNotRunning) {
		t.Errorf("signal to a stopped process err = %v", err)
	}
	statuses, err := c.SignalProcessGroup(ctx, "trapper", "NOPE")
	if err != nil || len(statuses) != 1 || !errors.Is(statuses[0].Err(), rpc.ErrBadSignal) {
		t.Errorf("SignalProcessGroup = %+v, %v", statuses, err)
	}
	statuses, err = c.SignalAllProcesses(ctx, "CONT")
	if err != nil || len(statuses) != 2 { // cat and trapper are running
		t.Errorf("SignalAllProcesses = %+v, %v", statuses, err)
	}
}

func TestIntegrationLogs(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{})
	c, ctx := sv.Client, ctxT(t)

	// cat echoes what it is sent to its stdout log.
	if err := c.SendProcessStdin(ctx, "cat", "hello é\n"); err != nil {
		t.Fatal(err)
	}
	var tail rpc.LogTail
	eventually(t, "cat echo", func() error {
		var err error
		tail, err = c.TailProcessStdoutLog(ctx, "cat", 0, 1000)
		if err == nil && tail.Data != "hello é\n" {
			err = errors.New("tail " + tail.Data)
		}
		return err
	})
	if tail.Offset != len("hello é\n") || tail.Overflow {
		t.Errorf("tail %+v", tail)
	}
	// Following the log from the returned offset reads only new data.
	next, err := c.TailProcessStdoutLog(ctx, "cat", tail.Offset, 1000)
	if err != nil || next.Data != "" || next.Offset != tail.Offset || next.Overflow {
		t.Errorf("tail at the end = %+v, %v", next, err)
	}
	if err := c.SendProcessStdin(ctx, "cat", "0123456789\n"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "second echo", func() error {
		next, err = c.TailProcessStdoutLog(ctx, "cat", tail.Offset, 4)
		if err == nil && !next.Overflow {
			err = errors.New("no overflow yet")
		}
		return err
	})
	if next.Data != "789\n" || next.Offset != tail.Offset+11 {
		t.Errorf("overflowing tail = %+v", next)
	}
	if text, err := c.ReadProcessStdoutLog(ctx, "cat", 0, 0); err != nil || text != "hello é\n0123456789\n" {
		t.Errorf("ReadProcessStdoutLog = %q, %v", text, err)
	}
	if text, err := c.ReadProcessStdoutLog(ctx, "cat", 6, 3); err != nil || text != "é\n" {
		t.Errorf("ReadProcessStdoutLog(6, 3) = %q, %v (offsets count bytes)", text, err)
	}
	if text, err := c.ReadProcessStderrLog(ctx, "cat", 0, 0); err != nil || text != "" {
		t.Errorf("ReadProcessStderrLog = %q, %v", text, err)
	}
	if st, err := c.TailProcessStderrLog(ctx, "cat", 0, 100); err != nil || st.Data != "" || st.Offset != 0 {
		t.Errorf("TailProcessStderrLog = %+v, %v", st, err)
	}
	if err := c.ClearProcessLogs(ctx, "cat"); err != nil {
		t.Fatal(err)
	}
	if text, err := c.ReadProcessStdoutLog(ctx, "cat", 0, 0); err != nil || text != "" {
		t.Errorf("after ClearProcessLogs: %q, %v", text, err)
	}
	if err := c.SendProcessStdin(ctx, "sleeper", "x"); !errors.Is(err, rpc.ErrNotRunning) {
		t.Errorf("stdin to a stopped process err = %v", err)
	}
	if _, err := c.TailProcessStdoutLog(ctx, "nope", 0, 10); !errors.Is(err, rpc.ErrBadName) {
		t.Errorf("tail of an unknown process err = %v", err)
	}

	// Control characters, which XML forbids, arrive intact.
	if err := c.StartProcess(ctx, "colors", false); err != nil {
		t.Fatal(err)
	}
	const colors = "plain \x1b[1mbold\x1b[0m bell\a cr\r\nend\n"
	eventually(t, "colors output", func() error {
		got, err := c.TailProcessStdoutLog(ctx, "colors", 0, 1000)
		if err == nil && got.Data != colors {
			err = errors.New("tail " + got.Data)
		}
		return err
	})
	if got, err := c.ReadProcessStdoutLog(ctx, "colors", 0, 0); err != nil || got != colors {
		t.Errorf("ReadProcessStdoutLog = %q, %v; want %q", got, err, colors)
	}
}

func TestIntegrationMulticall(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{})
	c, ctx := sv.Client, ctxT(t)
	results, err := c.Multicall(ctx,
		rpc.MethodCall{Method: "supervisor.getPID"},
		rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{"nope"}},
		rpc.MethodCall{Method: "supervisor.startProcess", Params: []any{"sleeper", true}},
		rpc.MethodCall{Method: "supervisor.getProcessInfo", Params: []any{"sleeper"}},
		rpc.MethodCall{Method: "supervisor.getAllConfigInfo"},
		rpc.MethodCall{Method: "system.multicall", Params: []any{[]any{}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := results[0].Decode(&pid); err != nil || pid != sv.PID {
		t.Errorf("getPID = %d, %v", pid, err)
	}
	if !errors.Is(results[1].Err, rpc.ErrBadName) || results[1].Value != nil {
		t.Errorf("getProcessInfo(nope) = %v, %v", results[1].Value, results[1].Err)
	}
	if results[2].Err != nil || results[2].Value != true {
		t.Errorf("startProcess = %v, %v", results[2].Value, results[2].Err)
	}
	var info rpc.ProcessInfo
	if err := results[3].Decode(&info); err != nil || info.State != listener.StateRunning || info.Name != "sleeper" {
		t.Errorf("getProcessInfo(sleeper) after the waiting start = %+v, %v", info, err)
	}
	var configs []rpc.ConfigInfo
	if err := results[4].Decode(&configs); err != nil || len(configs) != 8 {
		t.Errorf("getAllConfigInfo = %d entries, %v", len(configs), err)
	}
	if !errors.Is(results[5].Err, rpc.ErrIncorrectParameters) {
		t.Errorf("nested multicall err = %v", results[5].Err)
	}
}

func TestIntegrationConfigInfo(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{})
	infos, err := sv.Client.GetAllConfigInfo(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]rpc.ConfigInfo{}
	for _, ci := range infos {
		byName[ci.Namespec()] = ci
	}
	nf := byName["nofile"]
	if nf.Command != "/nonexistent/program" || !slices.Equal(nf.ExitCodes, []int{0, 3}) || nf.StopSignal != syscall.SIGINT ||
		nf.Autostart || !nf.InUse || nf.UID != -1 || nf.Directory != "" || nf.StartSecs != 1 {
		t.Errorf("nofile = %+v", nf)
	}
	for _, name := range []string{"web:web_00", "web:web_01"} {
		if ci, ok := byName[name]; !ok || ci.Command != "sleep 1000" || ci.Group != "web" {
			t.Errorf("%s = %+v", name, ci)
		}
	}
	if cat := byName["cat"]; !cat.Autostart || cat.StartSecs != 0 || !strings.HasPrefix(cat.Stdout.Logfile, sv.Dir) {
		t.Errorf("cat = %+v", cat)
	}
}

func TestIntegrationAuth(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{Username: "admin", Password: "pw with spaces:and colon", InetHTTPServer: true})
	ctx := ctxT(t)
	for _, url := range []string{sv.URL, sv.InetURL} {
		anon, err := rpc.New(url)
		if err != nil {
			t.Fatal(err)
		}
		_, err = anon.GetState(ctx)
		if !errors.Is(err, rpc.ErrUnauthorized) || !strings.Contains(err.Error(), "SUPERVISOR_USERNAME") {
			t.Errorf("%s without credentials: %v", url, err)
		}
		wrong, _ := rpc.New(url, rpc.WithBasicAuth("admin", "nope"))
		if _, err := wrong.GetState(ctx); !errors.Is(err, rpc.ErrUnauthorized) {
			t.Errorf("%s with a wrong password: %v", url, err)
		}
	}
	env := map[string]string{}
	for _, kv := range sv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	c, err := rpc.FromEnvLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.GetState(ctx); err != nil || st != rpc.SupervisorRunning {
		t.Errorf("with credentials from the environment: %v, %v", st, err)
	}
}

// The URL supervisord hands its children works as it is.
func TestIntegrationChildServerURL(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:envdump]
		command=sh -c 'echo "url=$SUPERVISOR_SERVER_URL"'
		startsecs=0
		autorestart=false
	`})
	ctx := ctxT(t)
	stdout, _ := sv.ChildLogs(t, "envdump")
	line, err := supervisord.WaitFile(ctx, stdout, 0, regexp.MustCompile(`url=\S+`))
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimPrefix(line, "url=")
	if url != sv.URL {
		t.Errorf("child got %q, want %q", url, sv.URL)
	}
	c, err := rpc.FromEnvLookup(func(k string) (string, bool) {
		if k == "SUPERVISOR_SERVER_URL" {
			return url, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	if pid, err := c.GetPID(ctx); err != nil || pid != sv.PID {
		t.Errorf("GetPID via the child's URL = %d, %v", pid, err)
	}
}

func TestIntegrationRemoteCommEvent(t *testing.T) {
	t.Parallel()
	script, err := filepath.Abs(filepath.Join("testdata", "remote_listener.py"))
	if err != nil {
		t.Fatal(err)
	}
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:remote]
		command=/usr/bin/python3 ` + script + `
		events=REMOTE_COMMUNICATION
		startsecs=0
	`})
	ctx := ctxT(t)
	_, stderr := sv.ChildLogs(t, "remote")
	sv.WaitLog(t, `remote: ACKNOWLEDGED -> READY`)
	if err := sv.Client.SendRemoteCommEvent(ctx, "mytype", "payload ü <&>"); err != nil {
		t.Fatal(err)
	}
	if _, err := supervisord.WaitFile(ctx, stderr, 0, regexp.MustCompile(`REMOTE_COMMUNICATION type:mytype\npayload ü <&>\n`)); err != nil {
		t.Error(err)
	}
}

func TestIntegrationReloadConfig(t *testing.T) {
	t.Parallel()
	sv := startPrograms(t, supervisord.Config{})
	c, ctx := sv.Client, ctxT(t)
	good, err := os.ReadFile(sv.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	added := string(good) + "\n[program:added]\ncommand=sleep 1000\nstartsecs=0\n"
	if err := os.WriteFile(sv.ConfigPath, []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	changes, err := c.ReloadConfig(ctx)
	if err != nil || !slices.Equal(changes.Added, []string{"added"}) || len(changes.Changed)+len(changes.Removed) != 0 {
		t.Fatalf("ReloadConfig = %+v, %v", changes, err)
	}
	if _, err := c.GetProcessInfo(ctx, "added"); !errors.Is(err, rpc.ErrBadName) {
		t.Errorf("before AddProcessGroup: %v", err)
	}
	if err := c.AddProcessGroup(ctx, "added"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddProcessGroup(ctx, "added"); !errors.Is(err, rpc.ErrAlreadyAdded) {
		t.Errorf("second AddProcessGroup: %v", err)
	}
	eventually(t, "added RUNNING", func() error {
		info, err := c.GetProcessInfo(ctx, "added")
		if err == nil && info.State != listener.StateRunning {
			err = errors.New(info.StateName)
		}
		return err
	})
	if err := c.RemoveProcessGroup(ctx, "added"); !errors.Is(err, rpc.ErrStillRunning) {
		t.Errorf("RemoveProcessGroup while running: %v", err)
	}
	if err := c.StopProcess(ctx, "added", true); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveProcessGroup(ctx, "added"); err != nil {
		t.Errorf("RemoveProcessGroup: %v", err)
	}
	if err := os.WriteFile(sv.ConfigPath, []byte(added+"\n[program:broken]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReloadConfig(ctx); !errors.Is(err, rpc.ErrCantReread) || !strings.Contains(err.Error(), "program:broken") {
		t.Errorf("ReloadConfig of a broken file: %v", err)
	}
	if err := os.WriteFile(sv.ConfigPath, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "RUNNING after restart", func() error {
		st, err := c.GetState(ctx)
		if err == nil && st != rpc.SupervisorRunning {
			err = errors.New(st.String())
		}
		return err
	})
}

// A waiting stop outlasts the client's default timeout, and while
// supervisord shuts down, calls fail with SHUTDOWN_STATE.
func TestIntegrationSlowStopAndShutdown(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:stubborn]
		command=sh -c 'trap "" TERM; echo armed; exec sleep 1000'
		startsecs=0
		stopwaitsecs=2
	`})
	ctx := ctxT(t)
	c, err := rpc.New(sv.URL, rpc.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	stdout, _ := sv.ChildLogs(t, "stubborn")
	armed := regexp.MustCompile(`armed\n`)
	// RUNNING comes at once with startsecs=0; SIGTERM is ignored only
	// once the shell has run trap.
	if _, err := supervisord.WaitFile(ctx, stdout, 0, armed); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := c.StopProcess(ctx, "stubborn", true); err != nil {
		t.Fatalf("StopProcess: %v", err)
	}
	if took := time.Since(began); took < time.Second {
		t.Errorf("StopProcess returned after %v, before stopwaitsecs", took)
	}
	fi, err := os.Stat(stdout)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartProcess(ctx, "stubborn", true); err != nil {
		t.Fatal(err)
	}
	if _, err := supervisord.WaitFile(ctx, stdout, fi.Size(), armed); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetState(ctx); !errors.Is(err, rpc.ErrShutdownState) {
		t.Errorf("GetState during shutdown: %v", err)
	}
	// sendRemoteCommEvent is exempt from the shutdown check.
	if err := c.SendRemoteCommEvent(ctx, "t", "d"); err != nil {
		t.Errorf("SendRemoteCommEvent during shutdown: %v", err)
	}
	if err := sv.Wait(ctx); err != nil {
		t.Errorf("supervisord exit: %v", err)
	}
	if _, err := c.GetState(ctx); !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("GetState after exit: %v", err)
	}
}

// TestTailCutInsideACharacter: the end of a log of two-byte characters,
// read with a length that cuts one in two, makes supervisord fail with HTTP
// 500; the client moves the cut and reads it.
func TestTailCutInsideACharacter(t *testing.T) {
	sv := startPrograms(t, supervisord.Config{Sections: `
[program:accents]
command=/bin/sh -c "printf 'éééééééééé\n'; exec sleep 1000"
startsecs=0
`})
	c := sv.Client
	ctx := ctxT(t)
	eventually(t, "accents' log", func() error {
		tail, err := c.TailProcessStdoutLog(ctx, "accents", 0, 1000)
		if err == nil && tail.Data != "éééééééééé\n" {
			err = fmt.Errorf("log %q", tail.Data)
		}
		return err
	})
	// 21 bytes in all: the last 6 start with the second byte of an é.
	for _, length := range []int{6, 8} {
		tail, err := c.TailProcessStdoutLog(ctx, "accents", 0, length)
		if err != nil {
			t.Fatalf("tail of %d bytes: %v", length, err)
		}
		if tail.Data == "" || !strings.HasSuffix(tail.Data, "é\n") || len(tail.Data) >= length+1 {
			t.Errorf("tail of %d bytes = %q", length, tail.Data)
		}
	}
	text, err := c.ReadProcessStdoutLog(ctx, "accents", -6, 0)
	if err != nil || !strings.HasSuffix(text, "é\n") {
		t.Fatalf("last 6 bytes: %q, %v", text, err)
	}
}
