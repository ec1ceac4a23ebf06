package essential

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/supervisord"
)

// These tests run the real essential binary, as listener and as
// entrypoint, around the real supervisord: essential run is the wrapper
// the launcher starts supervisord with.

// others is a program that is not essential: it must be stopped
// gracefully, by supervisord, whatever ends the run.
const others = `
	[program:other]
	command=sleep 1000
	startsecs=0
	priority=500
`

// startUnder starts supervisord under wrapper with sections, and returns
// it with the path of the record essential run hands the listener.
func startUnder(t *testing.T, wrapper []string, sections string) (*supervisord.Supervisord, string) {
	t.Helper()
	record := filepath.Join(t.TempDir(), "record.json")
	bin := rig.Binary(t, "essential")
	wrapper = append(wrapper, bin, "run", "--record", record, "--")
	sv := supervisord.Start(t, supervisord.Config{Wrapper: wrapper, LogLevel: "info",
		Sections: strings.ReplaceAll(sections, "ESSENTIAL", bin) + others})
	sv.WaitLog(t, `success: other entered RUNNING state`)
	return sv, record
}

// runExit waits for essential run to exit by itself and returns its code.
func runExit(t *testing.T, sv *supervisord.Supervisord) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := sv.Wait(ctx)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	t.Fatalf("essential run did not exit by itself: %v\noutput:\n%s\nmain log:\n%s", err, sv.Output(), sv.Log())
	return -1
}

// stoppedGracefully checks that supervisord stopped other itself, with
// its stopsignal, and that nothing was left for the launcher to kill.
func stoppedGracefully(t *testing.T, sv *supervisord.Supervisord) {
	t.Helper()
	if !strings.Contains(sv.Log(), "stopped: other (terminated by SIGTERM)") {
		t.Errorf("supervisord did not stop other gracefully:\n%s", sv.Log())
	}
	if err := sv.Stop(); err != nil {
		t.Error(err)
	}
	if n := sv.Swept(); n != 0 {
		t.Errorf("%d processes outlived essential run", n)
	}
}

func TestRealFatalStopsEverythingWithCode69(t *testing.T) {
	t.Parallel()
	sv, record := startUnder(t, nil, `
		[eventlistener:essential]
		command=ESSENTIAL -p web
		events=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED

		[program:web]
		command=sh -c 'echo starting; exit 3'
		autostart=false
		startsecs=1
		startretries=1
	`)
	// Without waiting: web's start ends in FATAL, and so does supervisord.
	// supervisord reaps once right after the spawn, so a web already gone
	// by then (a loaded machine) makes the call answer SPAWN_ERROR.
	if err := sv.Client.StartProcess(context.Background(), "web", false); err != nil && !errors.Is(err, rpc.ErrSpawnError) {
		t.Fatal(err)
	}
	if code := runExit(t, sv); code != codeFatal {
		t.Errorf("essential run exited with %d, want %d (FATAL)\noutput:\n%s", code, codeFatal, sv.Output())
	}
	want := "web went FATAL (Exited too quickly (process log may have details)); supervisord has shut down: exiting with 69"
	if !strings.Contains(sv.Output(), want) {
		t.Errorf("essential run's output lacks %q:\n%s", want, sv.Output())
	}
	r, ok, err := readRecord(record)
	if err != nil || !ok || r.Program != "web" || r.State != "FATAL" || r.Exit != "exit status 3" || r.Code != codeFatal {
		t.Errorf("record %+v, %v, %v", r, ok, err)
	}
	stoppedGracefully(t, sv)
}

func TestRealExitCodesArePassedOn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, command string
		want          int
	}{
		{"status", `sh -c 'sleep 2; exit 7'`, 7},
		{"signal", `sh -c 'sleep 2; kill -KILL $$'`, 128 + 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sv, _ := startUnder(t, nil, `
				[eventlistener:essential]
				command=ESSENTIAL -p web --on unexpected
				events=PROCESS_STATE

				[program:web]
				command=`+tt.command+`
				startsecs=0
			`)
			if code := runExit(t, sv); code != tt.want {
				t.Errorf("essential run exited with %d, want %d\noutput:\n%s", code, tt.want, sv.Output())
			}
			stoppedGracefully(t, sv)
		})
	}
}

func TestRealSIGTERMStopsEverythingWithCode0(t *testing.T) {
	t.Parallel()
	sv, record := startUnder(t, nil, `
		[eventlistener:essential]
		command=ESSENTIAL -p other --on exit
		events=PROCESS_STATE
	`)
	if err := syscall.Kill(sv.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := runExit(t, sv); code != 0 {
		t.Errorf("essential run exited with %d after SIGTERM, want 0\noutput:\n%s", code, sv.Output())
	}
	if !strings.Contains(sv.Output(), "supervisord exited with status 0: exiting with 0") {
		t.Errorf("output:\n%s", sv.Output())
	}
	if _, ok, _ := readRecord(record); ok {
		t.Error("a record was written for a shutdown that was not the listener's")
	}
	stoppedGracefully(t, sv)
}

// TestRealListenerRestartKeepsTheCode kills the listener after it wrote
// the record but before supervisord accepted the shutdown (the first
// listener cannot reach supervisord). The second one watches another
// program, so only the record can make it shut supervisord down, and
// essential run's code can only come from the record.
func TestRealListenerRestartKeepsTheCode(t *testing.T) {
	t.Parallel()
	sv, record := startUnder(t, nil, `
		[eventlistener:essential]
		command=sh -c 'if [ -e %(here)s/restarted ]; then exec ESSENTIAL -p other; fi; touch %(here)s/restarted; SUPERVISOR_SERVER_URL=unix:///nonexistent/sock exec ESSENTIAL -p web'
		events=PROCESS_STATE_FATAL
		stderr_logfile=%(here)s/essential.log

		[program:web]
		command=sh -c 'exit 3'
		autostart=false
		startsecs=1
		startretries=0
	`)
	ctx := context.Background()
	first, err := sv.Client.GetProcessInfo(ctx, "essential")
	if err != nil {
		t.Fatal(err)
	}
	sv.Client.StartProcess(ctx, "web", false)
	rig.Eventually(t, "the first listener's record", func() string {
		r, _, _ := readRecord(record)
		return r.Program
	}, "^web$")
	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := runExit(t, sv); code != codeFatal {
		t.Errorf("essential run exited with %d, want %d from the record\noutput:\n%s", code, codeFatal, sv.Output())
	}
	log, _ := os.ReadFile(filepath.Join(sv.Dir, "essential.log"))
	if !strings.Contains(string(log), "web went FATAL, as an earlier essential listener recorded: shutting supervisord down (again)") {
		t.Errorf("the second listener did not finish the shutdown:\n%s", log)
	}
	stoppedGracefully(t, sv)
}

// TestRealPID1ReapsOrphans runs essential run as PID 1 of a new PID
// namespace, as in a container. A program leaves two orphans: one that
// exits at once, which only PID 1 can reap, and one that would run on
// after supervisord, which essential run must end.
func TestRealPID1ReapsOrphans(t *testing.T) {
	t.Parallel()
	unshare := []string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}
	if out, err := exec.Command(unshare[0], append(unshare[1:], "true")...).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("cannot make a PID namespace (%v: %s): run the tests as root", err, strings.TrimSpace(string(out)))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	sv, _ := startUnder(t, unshare, `
		[eventlistener:essential]
		command=ESSENTIAL -p web
		events=PROCESS_STATE_FATAL

		[program:web]
		command=sh -c '(sleep 0.2 &); (exec sleep 1001 &); exec sleep 1000'
		startsecs=0
	`)
	sv.WaitLog(t, `success: web entered RUNNING state`)
	pid1 := hostPID(t, sv.PID) // essential run, PID 1 inside
	if ns := nsPIDs(t, pid1); !strings.HasSuffix(ns, "\t1") {
		t.Fatalf("essential run is not PID 1 of its namespace: NSpid %q", ns)
	}
	// The long orphan is essential run's child; the short one has been
	// reaped, not left a zombie.
	rig.Eventually(t, "the orphans under PID 1", func() string { return describeChildren(t, pid1) }, `^sleep 1001 S, supervisord S$`)
	time.Sleep(500 * time.Millisecond)
	if got := describeChildren(t, pid1); got != "sleep 1001 S, supervisord S" {
		t.Fatalf("children of PID 1: %s", got)
	}

	if err := syscall.Kill(pid1, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := runExit(t, sv); code != 0 {
		t.Errorf("essential run exited with %d after SIGTERM, want 0\noutput:\n%s", code, sv.Output())
	}
	if !strings.Contains(sv.Output(), "1 processes outlived supervisord; ended them") {
		t.Errorf("essential run did not end the orphan itself:\n%s", sv.Output())
	}
	if !strings.Contains(sv.Log(), "stopped: web (terminated by SIGTERM)") {
		t.Errorf("supervisord did not stop web gracefully:\n%s", sv.Log())
	}
	stoppedGracefully(t, sv)
}

// hostPID returns the one child of unshare, in this PID namespace.
func hostPID(t *testing.T, parent int) int {
	t.Helper()
	var pid int
	rig.Eventually(t, "unshare's child", func() string {
		kids := childrenOf(t, parent)
		if len(kids) != 1 {
			return ""
		}
		pid = kids[0].pid
		return "found"
	}, "found")
	return pid
}

type proc struct {
	pid   int
	comm  string
	state string
}

// childrenOf lists parent's children from /proc, sorted by command.
func childrenOf(t *testing.T, parent int) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < 0 {
			continue
		}
		f := strings.Fields(s[end+2:])
		if len(f) < 2 || f[1] != strconv.Itoa(parent) {
			continue
		}
		comm := s[open+1 : end]
		if comm == "sleep" {
			if cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
				comm = strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
			}
		}
		out = append(out, proc{pid, comm, f[0]})
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].comm < out[i].comm {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func describeChildren(t *testing.T, parent int) string {
	var parts []string
	for _, p := range childrenOf(t, parent) {
		parts = append(parts, p.comm+" "+p.state)
	}
	return strings.Join(parts, ", ")
}

// nsPIDs returns the NSpid line of pid's status: its pid in each
// namespace, outermost first.
func nsPIDs(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			return strings.TrimRight(rest, " ")
		}
	}
	return ""
}

// TestRealDocumentedContainerConfig runs docs/essential.md's
// supervisord.conf, with this machine's paths and stand-ins for the
// programs, as the Dockerfile there does: essential run -- supervisord -n
// -c FILE. web cannot start, so the run must end with 69.
func TestRealDocumentedContainerConfig(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	conf, err := os.ReadFile("../../docs/examples/essential-supervisord.conf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := strings.NewReplacer(
		"/var/log/supervisor/", dir+"/",
		"/run/", dir+"/",
		"/srv/web --listen :8080", `sh -c 'exit 3'`,
		"/srv/worker", "sleep 1000",
		"command=essential ", "command="+rig.Binary(t, "essential")+" ",
	).Replace(string(conf))
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, rig.Binary(t, "essential"), "run", "--", "supervisord", "-n", "-c", path)
	cmd.Env = withoutSupervisorEnv()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != codeFatal {
		t.Fatalf("essential run: %v, want exit status %d\n%s", err, codeFatal, out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "supervisord.log"))
	for _, want := range []string{"gave up: web entered FATAL state", "stopped: worker (terminated by SIGTERM)"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("main log lacks %q:\n%s", want, log)
		}
	}
	if !strings.Contains(string(out), "web went FATAL") {
		t.Errorf("output:\n%s", out)
	}
}

// withoutSupervisorEnv is the test's environment without what a
// supervisord the tests run under would have set.
func withoutSupervisorEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUPERVISOR_") {
			env = append(env, kv)
		}
	}
	return env
}
