//go:build linux

package supervisord

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"golang.org/x/sys/unix"
)

// Programs that leave processes behind in every way a real program can.
const unrulyPrograms = `
[program:forker]
; children in the program's process group
command=sh -c 'sleep 1001 & sleep 1002 & wait'
startsecs=0

[program:escaper]
; a grandchild in its own session, beyond any process-group kill
command=sh -c 'setsid sleep 1003 & exec sleep 1004'
startsecs=0

[program:daemon]
; a double fork: the grandchild is orphaned at once and is no longer
; supervisord's descendant
command=sh -c '(sleep 1005 &); exec sleep 1006'
startsecs=0

[program:stubborn]
; ignores SIGTERM, so supervisord must SIGKILL it after stopwaitsecs
command=sh -c 'trap "" TERM; exec sleep 1007'
startsecs=0
stopwaitsecs=1

[group:unruly]
; one group, so that supervisord stops them all at once
programs=forker,escaper,daemon,stubborn
`

// sleeps is how many sleep processes unrulyPrograms starts.
const sleeps = 7

func TestTeardownLeavesNoProcess(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("setsid not installed")
	}
	t.Parallel()
	for _, how := range []string{"Stop", "Kill", "Shutdown"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			sv, err := New(context.Background(), t.TempDir(), Config{Binary: Require(t), Sections: unrulyPrograms})
			if err != nil {
				t.Fatal(err)
			}
			defer sv.Stop()
			procs := waitForSleeps(t, sv)

			switch how {
			case "Stop":
				err = sv.Stop()
			case "Kill":
				err = sv.Kill()
			case "Shutdown":
				// supervisord stops its own children and exits, but the
				// daemonized grandchild outlives it.
				if err := sv.Client.Shutdown(context.Background()); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := sv.Wait(ctx); err != nil {
					t.Fatalf("supervisord: %v", err)
				}
				// The background sleeps of forker, escaper and daemon
				// were never supervisord's to stop.
				if left := survivors(procs); len(left) < 3 {
					t.Errorf("%d processes outlived supervisord's own shutdown, want at least 3: %v", len(left), left)
				}
				err = sv.Stop()
			}
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if left := survivors(procs); len(left) > 0 {
				t.Errorf("processes left after %s: %v", how, left)
			}
			// At least the daemon's, the escaper's and the forker's
			// background sleeps outlive supervisord, however it ends.
			if n := sv.Swept(); n < 3 {
				t.Errorf("Swept() = %d after %s, want at least the 3 sleeps supervisord leaves behind", n, how)
			}
			if left := marked(sv.marker); len(left) > 0 {
				t.Errorf("processes with supervisord's environment left after %s: %v", how, left)
			}
			if err := sv.Stop(); err != nil {
				t.Errorf("second Stop: %v", err)
			}
		})
	}
}

// waitForSleeps waits until every program is RUNNING and all their sleeps
// exist, and returns every process that belongs to sv.
func waitForSleeps(t *testing.T, sv *Supervisord) []proc {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		infos, err := sv.Client.GetAllProcessInfo(context.Background())
		running := 0
		for _, info := range infos {
			if info.State == listener.StateRunning {
				running++
			}
		}
		procs := marked(sv.marker)
		n := 0
		for _, p := range procs {
			if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/cmdline"); strings.HasPrefix(string(cmd), "sleep\x00100") {
				n++
			}
		}
		if err == nil && running == 4 && n == sleeps {
			return procs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 4 programs running (%v), %d of %d sleeps found", running, err, n, sleeps)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// marked returns the live processes carrying marker in their environment.
func marked(marker string) []proc {
	var out []proc
	for _, p := range processes() {
		if !p.zombie && hasMarker(p.pid, marker) {
			out = append(out, p)
		}
	}
	return out
}

// survivors returns those of procs that still exist, as zombies or not.
func survivors(procs []proc) []proc {
	now := map[int]proc{}
	for _, p := range processes() {
		now[p.pid] = p
	}
	var left []proc
	for _, p := range procs {
		if q, ok := now[p.pid]; ok && q.start == p.start {
			left = append(left, q)
		}
	}
	return left
}

// A supervisord whose programs leave nothing behind has nothing swept.
func TestSweptNothing(t *testing.T) {
	t.Parallel()
	sv, err := New(context.Background(), t.TempDir(), Config{Binary: Require(t), Sections: `
		[program:sleeper]
		command=sleep 1000
		startsecs=0
	`})
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Stop()
	sv.WaitLog(t, `success: sleeper entered RUNNING state`)
	if err := sv.Stop(); err != nil {
		t.Fatal(err)
	}
	if n := sv.Swept(); n != 0 {
		t.Errorf("Swept() = %d, want 0: supervisord stopped its only program itself", n)
	}
}

// A start abandoned through its context leaves nothing running.
func TestNewCancelled(t *testing.T) {
	t.Parallel()
	bin := Require(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	// supervisord takes far longer than a millisecond to answer RUNNING.
	time.AfterFunc(time.Millisecond, cancel)
	sv, err := New(ctx, dir, Config{Binary: bin, Sections: "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"})
	if err == nil {
		sv.Stop()
		t.Skip("supervisord answered RUNNING within a millisecond")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("New = %v, want context.Canceled", err)
	}
	if left := marked(markerVar + "=" + dir); len(left) > 0 {
		t.Errorf("processes left after a cancelled start: %v", left)
	}
}

func TestDescendants(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sh", "-c", "sleep 1000 & sleep 1000 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for pid := range descendants(cmd.Process.Pid) {
			p, _ := os.FindProcess(pid)
			p.Kill()
		}
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(descendants(cmd.Process.Pid)) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("descendants = %v, want 2 sleeps", descendants(cmd.Process.Pid))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := descendants(os.Getpid()); len(d) < 3 {
		t.Errorf("the test process has %d descendants, want at least sh and 2 sleeps", len(d))
	}
}

// TestCrashHelper starts supervisord and exits without teardown, as a
// test binary does when go test's -timeout panics. On its own it does
// nothing.
func TestCrashHelper(t *testing.T) {
	if os.Getenv("GOLANCE_CRASH_HELPER") != "1" {
		t.Skip("helper for TestTestBinaryCrash")
	}
	sv := Start(t, Config{Sections: "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"})
	var pid int
	deadline := time.Now().Add(30 * time.Second)
	for pid == 0 && time.Now().Before(deadline) {
		for p := range descendants(sv.PID) {
			if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline"); strings.HasPrefix(string(cmd), "sleep\x00") {
				pid = p
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("pids %d %d\n", sv.PID, pid)
	os.Exit(3)
}

// When the test binary dies without teardown, supervisord gets SIGTERM
// (Pdeathsig) and stops its children.
func TestTestBinaryCrash(t *testing.T) {
	t.Parallel()
	Require(t)
	// Orphans of the helper then come to this process, to be reaped.
	enableSubreaper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOLANCE_CRASH_HELPER=1")
	out, _ := cmd.CombinedOutput()
	var svPID, childPID int
	if _, err := fmt.Sscanf(string(out[strings.Index(string(out), "pids "):]), "pids %d %d", &svPID, &childPID); err != nil || svPID == 0 || childPID == 0 {
		t.Fatalf("helper output (%v):\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left []proc
		for _, p := range processes() {
			if p.pid != svPID && p.pid != childPID {
				continue
			}
			if p.zombie {
				// Reparented to this process, a subreaper, and dead.
				if p.ppid == os.Getpid() {
					var ws unix.WaitStatus
					unix.Wait4(p.pid, &ws, unix.WNOHANG, nil)
				}
				continue
			}
			left = append(left, p)
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				unix.Kill(p.pid, unix.SIGKILL)
			}
			t.Fatalf("still running 30s after the test binary died: %v", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
