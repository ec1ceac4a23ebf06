package supervisord

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

func TestStart(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{Identifier: "harness", Sections: `
		[program:sleeper]
		command=sleep 1000
		startsecs=0

		[program:talker]
		command=sh -c 'echo "hello from talker"; echo "oops" >&2; exec sleep 1000'
		startsecs=0
	`})
	ctx := context.Background()

	if sv.URL != "unix://"+sv.SocketPath || !strings.HasPrefix(sv.SocketPath, "/") {
		t.Errorf("URL %q socket %q", sv.URL, sv.SocketPath)
	}
	for _, p := range []string{sv.ConfigPath, sv.LogPath, sv.SocketPath} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	if filepath.Dir(sv.ConfigPath) != sv.Dir || filepath.Dir(sv.LogPath) != sv.Dir {
		t.Errorf("files outside Dir %s: %s %s", sv.Dir, sv.ConfigPath, sv.LogPath)
	}
	if id, err := sv.Client.GetIdentification(ctx); err != nil || id != "harness" {
		t.Errorf("identification %q, %v", id, err)
	}
	if pid, err := sv.Client.GetPID(ctx); err != nil || pid != sv.PID {
		t.Errorf("pid %d, %v; want %d", pid, err, sv.PID)
	}

	sv.WaitLog(t, `success: talker entered RUNNING state`)
	info, err := sv.Client.GetProcessInfo(ctx, "sleeper")
	if err != nil || info.State != listener.StateRunning {
		t.Fatalf("sleeper: %+v, %v", info, err)
	}
	stdout, stderr := sv.ChildLogs(t, "talker")
	if !strings.HasPrefix(stdout, sv.Dir) || !strings.HasPrefix(stderr, sv.Dir) {
		t.Errorf("child logs %q %q not in %s", stdout, stderr, sv.Dir)
	}
	ctxT, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := WaitFile(ctxT, stdout, 0, regexp.MustCompile("hello from talker\n")); err != nil {
		t.Error(err)
	}
	if _, err := WaitFile(ctxT, stderr, 0, regexp.MustCompile("oops")); err != nil {
		t.Error(err)
	}
	// debug level logs the raw child output.
	if !strings.Contains(sv.Log(), "DEBG") {
		t.Error("main log is not at debug level")
	}
	if env := sv.Env(); len(env) != 1 || env[0] != "SUPERVISOR_SERVER_URL="+sv.URL {
		t.Errorf("Env() = %v", env)
	}
}

// Children see SUPERVISOR_SERVER_URL, but not the test's own SUPERVISOR_*
// variables nor those from Config.Env overridden.
func TestChildEnvironment(t *testing.T) {
	t.Setenv("SUPERVISOR_USERNAME", "leaked")
	sv := Start(t, Config{Env: []string{"HARNESS_EXTRA=42"}, Sections: `
		[program:env]
		command=env
		startsecs=0
		autorestart=false
	`})
	sv.WaitLog(t, `exited: env \(exit status 0; expected\)`)
	out, err := sv.Client.ReadProcessStdoutLog(context.Background(), "env", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SUPERVISOR_SERVER_URL=" + sv.URL + "\n", "HARNESS_EXTRA=42\n", "SUPERVISOR_PROCESS_NAME=env\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("child environment lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "leaked") {
		t.Errorf("the test's SUPERVISOR_USERNAME reached the child:\n%s", out)
	}
}

// ChildLogDir moves the AUTO child logs, and New creates it.
func TestChildLogDir(t *testing.T) {
	t.Parallel()
	logs := filepath.Join(t.TempDir(), "logs", "children")
	sv := Start(t, Config{ChildLogDir: logs, Sections: `
		[program:sleeper]
		command=sleep 1000
		startsecs=0
	`})
	stdout, stderr := sv.ChildLogs(t, "sleeper")
	if filepath.Dir(stdout) != logs || filepath.Dir(stderr) != logs {
		t.Errorf("child logs %q %q, want them in %s", stdout, stderr, logs)
	}
}

func TestParallelInstances(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sv := Start(t, Config{Identifier: "inst-" + name})
			id, err := sv.Client.GetIdentification(context.Background())
			if err != nil || id != "inst-"+name {
				t.Errorf("identification %q, %v", id, err)
			}
		})
	}
}

// A directory too long for a unix socket path moves only the socket, to
// a short directory that Stop removes.
func TestLongDirectorySocketFallback(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), strings.Repeat("long_directory_name_", 5))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sv, err := New(context.Background(), dir, Config{Binary: Require(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Stop()
	if len(sv.SocketPath) > maxSocketPath || strings.HasPrefix(sv.SocketPath, sv.Dir) {
		t.Errorf("socket %s not moved out of %s", sv.SocketPath, sv.Dir)
	}
	if _, err := sv.Client.GetState(context.Background()); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(sv.LogPath); err != nil || filepath.Dir(sv.LogPath) != dir {
		t.Errorf("main log %s: %v", sv.LogPath, err)
	}
	if err := sv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(sv.SocketPath)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket directory %s left behind: %v", filepath.Dir(sv.SocketPath), err)
	}
}

func TestAuthAndInetServer(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{Username: "user", Password: "s3cret", InetHTTPServer: true})
	ctx := context.Background()
	if _, err := sv.Client.GetState(ctx); err != nil {
		t.Fatalf("the handle's client has no credentials: %v", err)
	}
	if !strings.HasPrefix(sv.InetURL, "http://127.0.0.1:") {
		t.Fatalf("InetURL %q", sv.InetURL)
	}
	for _, url := range []string{sv.URL, sv.InetURL} {
		anon, err := rpc.New(url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := anon.GetState(ctx); !errors.Is(err, rpc.ErrUnauthorized) {
			t.Errorf("%s without credentials: err = %v, want ErrUnauthorized", url, err)
		}
		authed, err := rpc.New(url, rpc.WithBasicAuth("user", "s3cret"))
		if err != nil {
			t.Fatal(err)
		}
		if st, err := authed.GetState(ctx); err != nil || st != rpc.SupervisorRunning {
			t.Errorf("%s with credentials: %v, %v", url, st, err)
		}
	}
	env := sv.Env()
	want := []string{"SUPERVISOR_SERVER_URL=" + sv.URL, "SUPERVISOR_USERNAME=user", "SUPERVISOR_PASSWORD=s3cret"}
	if strings.Join(env, " ") != strings.Join(want, " ") {
		t.Errorf("Env() = %v, want %v", env, want)
	}
}

// A configuration supervisord rejects fails Start with supervisord's own
// explanation, and leaves nothing running.
func TestStartBadConfig(t *testing.T) {
	t.Parallel()
	bin := Require(t)
	_, err := New(context.Background(), t.TempDir(), Config{Binary: bin, Sections: "[program:broken]\nautostart=true\n"})
	if err == nil {
		t.Fatal("start succeeded with a program without command=")
	}
	if !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "does not specify a command") {
		t.Errorf("error does not explain the failure: %v", err)
	}
}

func TestStartMissingBinary(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), t.TempDir(), Config{Binary: filepath.Join(t.TempDir(), "nope")})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v, want one naming the binary", err)
	}
}

func TestWaitAfterShutdown(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sv.Client.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sv.Wait(ctx); err != nil {
		t.Errorf("supervisord exited with %v after shutdown", err)
	}
	if err := sv.Stop(); err != nil {
		t.Errorf("Stop after exit: %v", err)
	}
	short, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := sv.Wait(short); err != nil {
		t.Errorf("Wait on an exited supervisord: %v", err)
	}
}

func TestWaitCancelled(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sv.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a running supervisord with a cancelled context: %v", err)
	}
}

func TestDedent(t *testing.T) {
	t.Parallel()
	in := "\n\t\t[program:x]\n\t\tcommand=sh -c 'a\n\t\t  b'\n\n\t\t[program:y]\n"
	want := "\n[program:x]\ncommand=sh -c 'a\n  b'\n\n[program:y]\n"
	if got := dedent(in); got != want {
		t.Errorf("dedent = %q, want %q", got, want)
	}
	if got := dedent("a\n  b"); got != "a\n  b" {
		t.Errorf("dedent of unindented text = %q", got)
	}
}

// A process that misses the first stop signal (as a child stopped
// between fork and exec does) gets it again instead of costing its
// stopwaitsecs.
func TestStopResendsStopSignal(t *testing.T) {
	t.Parallel()
	sv := Start(t, Config{StopTimeout: 20 * time.Second, Sections: `
		[program:deaf]
		command=sh -c 'trap "trap - INT" INT; echo armed; while :; do sleep 0.05; done'
		startsecs=0
		stopsignal=INT
		stopwaitsecs=60
	`})
	stdout, _ := sv.ChildLogs(t, "deaf")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := WaitFile(ctx, stdout, 0, regexp.MustCompile("armed\n")); err != nil {
		t.Fatal(err)
	}
	if err := sv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if log := sv.Log(); !strings.Contains(log, "stopped: deaf (terminated by SIGINT)") {
		t.Errorf("deaf was not stopped by its second SIGINT:\n%s", log)
	}
}
