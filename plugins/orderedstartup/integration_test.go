package orderedstartup

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/killcheck"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/internal/testkit/stopcheck"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness/supervisord"
)

// The real-supervisord tests run the ordered-startup binary (this test
// binary, put on PATH by TestMain) as the listener of a real supervisord.

// seedInclude writes ordered-startup-supervisord's README example as the
// files of a supervisord.d directory, with quick stand-ins for its
// commands: ping exits with pingExit, sleep is RUNNING after startsecs=2.
func seedInclude(t *testing.T, pingExit int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "supervisord.d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"ping.conf": fmt.Sprintf(`[program:ping]
command=sh -c 'exit %d'
priority=100
startsecs=0
autorestart=false
autostart=false
startinorder=true
startnextafter=exited
`, pingExit),
		"ping2.conf": `[program:ping2]
command=sh -c 'exit 0'
priority=200
startsecs=0
autorestart=false
autostart=false
startinorder=true
startnextafter=exited
`,
		"ping3.conf": `[program:ping3]
command=sh -c 'exit 0'
priority=400
startsecs=0
autorestart=false
autostart=false
startinorder=true
startnextafter=exited
`,
		"sleep.conf": `[program:sleep]
command=sleep 60
priority=101
startsecs=2
autorestart=true
autostart=false
startinorder=true
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startSeed runs supervisord with the seed example. The listener section
// is the README's, with no argument: the listener finds the configuration
// from supervisord's command line.
func startSeed(t *testing.T, pingExit int) *supervisord.Supervisord {
	t.Helper()
	bin := listenerBinary(t)
	return supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:inorder]
		command=` + bin + `
		autostart=true
		events=PROCESS_STATE
		priority=1

		[include]
		files=` + seedInclude(t, pingExit) + `/*.conf
	`})
}

// listenerBinary returns the ordered-startup binary TestMain put on PATH.
func listenerBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ordered-startup")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// listenerLog waits until the listener's stderr log matches pattern.
func listenerLog(t *testing.T, sv *supervisord.Supervisord, name, pattern string) string {
	t.Helper()
	return listenerLogSince(t, sv, name, 0, pattern)
}

// listenerLogSince is listenerLog for what the listener logs past offset
// in its stderr log.
func listenerLogSince(t *testing.T, sv *supervisord.Supervisord, name string, offset int64, pattern string) string {
	t.Helper()
	_, stderr := sv.ChildLogs(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := supervisord.WaitFile(ctx, stderr, offset, regexp.MustCompile(pattern))
	if err != nil {
		text, _ := os.ReadFile(stderr)
		t.Fatalf("the listener never logged %q: %v\nits log:\n%s\nsupervisord's log:\n%s", pattern, err, text, sv.Log())
	}
	return m
}

var spawnedLine = regexp.MustCompile(`(?m)^(\S+ \S+) INFO spawned: '([^']+)'`)

// spawns returns the processes supervisord spawned, in order, with when.
func spawns(t *testing.T, log string) (names []string, at map[string]time.Time) {
	t.Helper()
	at = map[string]time.Time{}
	for _, m := range spawnedLine.FindAllStringSubmatch(log, -1) {
		when, err := time.ParseInLocation("2006-01-02 15:04:05,000", m[1], time.Local)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m[2])
		if _, ok := at[m[2]]; !ok {
			at[m[2]] = when
		}
	}
	return names, at
}

func TestRealSupervisordSeedExample(t *testing.T) {
	t.Parallel()
	sv := startSeed(t, 0)
	listenerLog(t, sv, "inorder", `INFO startup complete`)
	sv.WaitLog(t, `exited: ping3 \(exit status 0; expected\)`)

	log := sv.Log()
	names, at := spawns(t, log)
	if got, want := strings.Join(names, " "), "inorder ping sleep ping2 ping3"; got != want {
		t.Errorf("spawned %q, want %q\n%s", got, want, log)
	}
	// ping2 comes after sleep's startsecs, once supervisord says RUNNING.
	if d := at["ping2"].Sub(at["sleep"]); d < 2*time.Second {
		t.Errorf("ping2 spawned %s after sleep, within its startsecs=2", d)
	}
	if strings.Index(log, "success: sleep entered RUNNING state") > strings.Index(log, "spawned: 'ping2'") {
		t.Errorf("ping2 spawned before sleep was RUNNING:\n%s", log)
	}

	// sleep respawns (autorestart=true); the chain does not run again.
	offset := sv.LogSize()
	if err := sv.Client.SignalProcess(context.Background(), "sleep", "KILL"); err != nil {
		t.Fatal(err)
	}
	sv.WaitLogSince(t, offset, `success: sleep entered RUNNING state`)
	if got := strings.Count(sv.Log(), "spawned: 'ping"); got != 3 {
		t.Errorf("%d spawns of ping, ping2, ping3; want 3:\n%s", got, sv.Log())
	}
	for _, bad := range []string{"-> UNKNOWN", "exited: inorder", "BAD_NAME", "ALREADY_STARTED"} {
		if strings.Contains(sv.Log(), bad) {
			t.Errorf("supervisord's log has %q:\n%s", bad, sv.Log())
		}
	}
	_, stderr := sv.ChildLogs(t, "inorder")
	text, _ := os.ReadFile(stderr)
	if !strings.Contains(string(text), "INFO using "+sv.ConfigPath+" (from the command line of supervisord (pid ") {
		t.Errorf("the listener did not find the configuration from supervisord's command line:\n%s", text)
	}
	// The README's events=PROCESS_STATE cannot follow supervisorctl update.
	if want := "WARN [eventlistener:inorder] in " + sv.ConfigPath + " has no PROCESS_GROUP in events=: after supervisorctl update this listener keeps the plan it read at start; write events=PROCESS_STATE,PROCESS_GROUP,TICK_5"; strings.Count(string(text), want) != 1 {
		t.Errorf("the listener did not say once that it cannot follow supervisorctl update (%q):\n%s", want, text)
	}
	t.Logf("the listener's log:\n%s", text)
}

func TestRealSupervisordInitJobFails(t *testing.T) {
	t.Parallel()
	sv := startSeed(t, 1)
	listenerLog(t, sv, "inorder", `ERRO ping exited with status 1, which is not in its exitcodes \(0\): not starting sleep \(--on-failure=stop\)`)
	sv.WaitLog(t, `exited: ping \(exit status 1; not expected\)`)
	time.Sleep(500 * time.Millisecond) // a poll or two of the listener
	if names, _ := spawns(t, sv.Log()); strings.Join(names, " ") != "inorder ping" {
		t.Errorf("spawned %v after ping failed:\n%s", names, sv.Log())
	}
}

// TestRealSupervisordGraphWithGroupsAndNumprocs uses
// supervisord-dependent-startup's keys on a [group:x] and a numprocs
// program, which must be started by the names supervisord gives them.
func TestRealSupervisordGraphWithGroupsAndNumprocs(t *testing.T) {
	t.Parallel()
	bin := listenerBinary(t)
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:deps]
		command=` + bin + ` -c %(here)s/supervisord.conf --timeout 30s
		events=PROCESS_STATE,PROCESS_GROUP,TICK_5
		priority=1

		[group:backend]
		programs=db,cache

		[program:db]
		command=sleep 60
		startsecs=1
		autostart=false
		dependent_startup=true

		[program:cache]
		command=sleep 60
		startsecs=1
		autostart=false
		dependent_startup=true

		[program:migrate]
		command=sh -c 'sleep 0.5; exit 0'
		startsecs=0
		autostart=false
		autorestart=false
		dependent_startup=true
		dependent_startup_wait_for=db:running

		[program:web]
		command=sleep 60
		numprocs=2
		process_name=%(program_name)s_%(process_num)02d
		startsecs=0
		autostart=false
		dependent_startup=true
		dependent_startup_wait_for=migrate:exited cache:running
	`})
	listenerLog(t, sv, "deps", `INFO startup complete`)
	log := sv.Log()
	for _, later := range []string{"spawned: 'web_00'", "spawned: 'web_01'"} {
		for _, earlier := range []string{"success: cache entered RUNNING", "exited: migrate (exit status 0; expected)"} {
			if i, j := strings.Index(log, earlier), strings.Index(log, later); i < 0 || j < 0 || i > j {
				t.Errorf("%q should come before %q:\n%s", earlier, later, log)
			}
		}
	}
	if i, j := strings.Index(log, "success: db entered RUNNING"), strings.Index(log, "spawned: 'migrate'"); i < 0 || i > j {
		t.Errorf("migrate spawned before db was RUNNING:\n%s", log)
	}
	for _, bad := range []string{"BAD_NAME", "-> UNKNOWN", "exited: deps"} {
		if strings.Contains(log, bad) {
			t.Errorf("supervisord's log has %q:\n%s", bad, log)
		}
	}
}

// TestRealSupervisordListenerRestart kills the listener while an init job
// runs; supervisord restarts it, and the new listener carries on: the
// next program starts once, and nothing is started twice.
func TestRealSupervisordListenerRestart(t *testing.T) {
	t.Parallel()
	bin := listenerBinary(t)
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:inorder]
		command=` + bin + ` %(here)s/supervisord.conf
		events=PROCESS_STATE
		autorestart=true
		startsecs=0
		priority=1

		[program:init]
		command=sh -c 'sleep 3; exit 0'
		priority=10
		startsecs=0
		autostart=false
		autorestart=false
		startinorder=true
		startnextafter=exited

		[program:app]
		command=sleep 60
		priority=20
		startsecs=0
		autostart=false
	`})
	sv.WaitLog(t, `spawned: 'init'`)
	offset := sv.LogSize()
	if err := sv.Client.SignalProcess(context.Background(), "inorder", "KILL"); err != nil {
		t.Fatal(err)
	}
	sv.WaitLogSince(t, offset, `spawned: 'inorder'`)
	sv.WaitLog(t, `spawned: 'app'`)
	listenerLog(t, sv, "inorder", `(?s)INFO init was already started \(RUNNING\): not starting it again.*INFO starting app: init reaches EXITED`)
	names, _ := spawns(t, sv.Log())
	if got := strings.Join(names, " "); got != "inorder init inorder app" {
		t.Errorf("spawned %q:\n%s", got, sv.Log())
	}
}

// TestRealSupervisordDocExamples loads each example of
// docs/ordered-startup.md into the real supervisord and checks the plan
// the page shows (testdata/examples/*.plan).
func TestRealSupervisordDocExamples(t *testing.T) {
	t.Parallel()
	bin := listenerBinary(t)
	for _, name := range []string{"chain", "dependencies"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conf, err := os.ReadFile("testdata/examples/" + name + ".conf")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/examples/" + name + ".plan")
			if err != nil {
				t.Fatal(err)
			}
			sv := supervisord.Start(t, supervisord.Config{Sections: string(conf)})
			cmd := exec.Command(bin, "--plan", "-c", sv.ConfigPath)
			cmd.Env = append(os.Environ(), sv.Env()...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("--plan: %v", err)
			}
			_, plan, _ := strings.Cut(string(out), "\n") // after the "# using ..." line
			if plan != string(want) {
				t.Errorf("plan:\n%s\nwant (testdata/examples/%s.plan):\n%s", plan, name, want)
			}
		})
	}
}

// dbAndWeb returns the sections of a listener run with flags, a database
// it starts first and a web program it starts once the database is
// RUNNING; the web section comes last, for the caller to add to.
func dbAndWeb(t *testing.T, flags string) string {
	return `
		[eventlistener:deps]
		command=` + listenerBinary(t) + ` -c %(here)s/supervisord.conf --poll-interval 200ms ` + flags + `
		events=PROCESS_STATE,PROCESS_GROUP,TICK_5
		buffer_size=50
		priority=1

		[program:db]
		command=sleep 600
		startsecs=1
		autostart=false
		dependent_startup=true

		[program:web]
		command=sleep 600
		startsecs=0
		autostart=false
		dependent_startup=true
		dependent_startup_wait_for=db:running
`
}

// TestRealSupervisordRuntimeDependencies restarts the database of a real
// supervisord: the web program that opted in with dependent_runtime=restart
// is restarted once the database is RUNNING again, the worker with
// dependent_runtime=stop is stopped meanwhile and started again then, jobs,
// which follows the worker, after the worker runs again, and the program
// that did not opt in is left alone. A second restart finds
// the restart budget (--max-restarts 1) spent and leaves them all alone.
func TestRealSupervisordRuntimeDependencies(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{Sections: dbAndWeb(t, "--max-restarts 1") + `
		dependent_runtime=restart

		[program:worker]
		command=sleep 600
		startsecs=0
		autostart=false
		dependent_startup=true
		dependent_startup_wait_for=db
		dependent_runtime=stop

		[program:jobs]
		command=sleep 600
		startsecs=0
		autostart=false
		dependent_startup=true
		dependent_startup_wait_for=worker
		dependent_runtime=stop

		[program:other]
		command=sleep 600
		startsecs=0
		autostart=false
		dependent_startup=true
		dependent_startup_wait_for=db:running
	`})
	listenerLog(t, sv, "deps", `INFO startup complete`)
	ctx := rig.Context(t)
	webPID := func() int {
		info, err := sv.Client.GetProcessInfo(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		return info.PID
	}
	before := webPID()

	offset := sv.LogSize()
	if err := sv.Client.StopProcess(ctx, "db", true); err != nil {
		t.Fatal(err)
	}
	sv.WaitLogSince(t, offset, `stopped: worker \(terminated by SIGTERM\)`)
	sv.WaitLogSince(t, offset, `stopped: jobs \(terminated by SIGTERM\)`)
	if info, err := sv.Client.GetProcessInfo(ctx, "web"); err != nil || info.State != listener.StateRunning || info.PID != before {
		t.Fatalf("web while db is stopped: %+v, %v; want RUNNING as pid %d", info, err, before)
	}
	if err := sv.Client.StartProcess(ctx, "db", false); err != nil {
		t.Fatal(err)
	}
	sv.WaitLogSince(t, offset, `(?s)success: db entered RUNNING.*spawned: 'web'`)
	// jobs follows worker: it starts again once worker runs again.
	sv.WaitLogSince(t, offset, `(?s)spawned: 'worker'.*success: worker entered RUNNING.*spawned: 'jobs'`)
	listenerLog(t, sv, "deps", `INFO restarted web: db is RUNNING again`)
	listenerLog(t, sv, "deps", `INFO started worker again: db is RUNNING`)
	log := sv.Log()[offset:]
	running := strings.Index(log, "success: db entered RUNNING")
	for _, after := range []string{"spawned: 'web'", "spawned: 'worker'"} {
		if i := strings.Index(log, after); i < running {
			t.Errorf("%q before db was RUNNING again:\n%s", after, log)
		}
	}
	if strings.Contains(log, "'other'") || strings.Contains(log, ": other ") {
		t.Errorf("other, which did not opt in, was touched:\n%s", log)
	}
	if pid := webPID(); pid == before {
		t.Errorf("web still has pid %d", pid)
	}

	// The budget: one restart of each follower per hour, used up.
	offset = sv.LogSize()
	if err := sv.Client.StopProcess(ctx, "db", true); err != nil {
		t.Fatal(err)
	}
	if err := sv.Client.StartProcess(ctx, "db", true); err != nil {
		t.Fatal(err)
	}
	listenerLog(t, sv, "deps", `ERRO not restarting worker after db left RUNNING: restart budget spent: restarted 1 times in the last 1h0m0s`)
	listenerLog(t, sv, "deps", `ERRO not restarting web after db left RUNNING: restart budget spent`)
	time.Sleep(500 * time.Millisecond) // a poll or two of the listener
	if log := sv.Log()[offset:]; strings.Contains(log, "spawned: 'web'") || strings.Contains(log, "spawned: 'worker'") || strings.Contains(log, "stopped: worker") {
		t.Errorf("the followers were restarted past their budget:\n%s", log)
	}
	for _, bad := range []string{"-> UNKNOWN", "exited: deps"} {
		if strings.Contains(sv.Log(), bad) {
			t.Errorf("supervisord's log has %q:\n%s", bad, sv.Log())
		}
	}
	_, stderr := sv.ChildLogs(t, "deps")
	text, _ := os.ReadFile(stderr)
	t.Logf("the listener's log:\n%s", text)
}

// TestRealSupervisordFollowsUpdate edits the configuration of a running
// supervisord and applies it with supervisorctl reread and update: the
// listener reads it again on PROCESS_GROUP_ADDED, starts the programs
// added in their order, and a runtime dependency added to a program that
// supervisord saw no change in takes effect, without restarting the
// listener. A group removed makes it read the configuration again too.
func TestRealSupervisordFollowsUpdate(t *testing.T) {
	t.Parallel()
	ctl, err := exec.LookPath("supervisorctl")
	if err != nil {
		t.Fatalf("supervisorctl (Debian's supervisor package) is needed: %v", err)
	}
	sv := supervisord.Start(t, supervisord.Config{Sections: dbAndWeb(t, "")})
	listenerLog(t, sv, "deps", `INFO startup complete`)
	update := func(edit func(string) string) {
		t.Helper()
		text, err := os.ReadFile(sv.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sv.ConfigPath, []byte(edit(string(text))), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"reread", "update"} {
			if out, err := exec.Command(ctl, "-c", sv.ConfigPath, cmd).CombinedOutput(); err != nil {
				t.Fatalf("supervisorctl %s: %v\n%s", cmd, err, out)
			}
		}
	}
	ctx := rig.Context(t)
	listenerPID := func() int {
		info, err := sv.Client.GetProcessInfo(ctx, "deps")
		if err != nil {
			t.Fatal(err)
		}
		return info.PID
	}
	pid := listenerPID()

	offset := sv.LogSize()
	update(func(text string) string {
		// web's change is in ordered-startup's keys only: supervisord
		// sees none, and leaves web running.
		text = strings.Replace(text, "dependent_startup_wait_for=db:running\n",
			"dependent_startup_wait_for=db:running cache:running\ndependent_runtime=restart\n", 1)
		return text + `
[program:cache]
command=sleep 600
startsecs=1
autostart=false
dependent_startup=true

[program:worker]
command=sleep 600
startsecs=0
autostart=false
dependent_startup=true
dependent_startup_wait_for=cache
`
	})
	sv.WaitLogSince(t, offset, `(?s)spawned: 'cache'.*success: cache entered RUNNING.*spawned: 'worker'`)
	// A TICK_5 between the file's writing and supervisorctl update may
	// find the change first (the listener follows edits of its own keys
	// at every tick); the event then finds the plan unchanged.
	listenerLog(t, sv, "deps", `INFO configuration read again after (PROCESS_GROUP_ADDED (cache|worker) \(supervisorctl update\)|a change to its files): the plan changed`)
	listenerLog(t, sv, "deps", `INFO starting worker: cache reaches RUNNING`)
	if log := sv.Log()[offset:]; strings.Contains(log, "'web'") || strings.Contains(log, "'db'") {
		t.Errorf("update touched web or db:\n%s", log)
	}

	// web now follows cache.
	offset = sv.LogSize()
	if err := sv.Client.StopProcess(ctx, "cache", true); err != nil {
		t.Fatal(err)
	}
	if err := sv.Client.StartProcess(ctx, "cache", false); err != nil {
		t.Fatal(err)
	}
	sv.WaitLogSince(t, offset, `(?s)success: cache entered RUNNING.*spawned: 'web'`)
	listenerLog(t, sv, "deps", `INFO restarted web: cache is RUNNING again`)

	offset = sv.LogSize()
	_, stderr := sv.ChildLogs(t, "deps")
	logged := fileSize(t, stderr)
	update(func(text string) string {
		i := strings.Index(text, "\n[program:worker]")
		return text[:i+1]
	})
	sv.WaitLogSince(t, offset, `stopped: worker`)
	listenerLogSince(t, sv, "deps", logged, `INFO configuration read again after (PROCESS_GROUP_REMOVED worker \(supervisorctl update\)|a change to its files): the plan changed`)
	if text, _ := os.ReadFile(stderr); strings.Contains(string(text), "ERRO") {
		t.Errorf("the listener reported an error:\n%s", text)
	}

	// A configuration the listener cannot use is said once; the plan
	// read before stays.
	update(func(text string) string {
		text = strings.Replace(text, "dependent_runtime=restart\n", "dependent_runtime=sometimes\n", 1)
		return text + "\n[program:extra1]\ncommand=sleep 600\nautostart=false\ndependent_startup=true\n" +
			"\n[program:extra2]\ncommand=sleep 600\nautostart=false\ndependent_startup=true\n"
	})
	listenerLog(t, sv, "deps", `ERRO cannot follow supervisorctl update \(PROCESS_GROUP_ADDED extra1\): bad supervisord configuration: `+
		regexp.QuoteMeta(sv.ConfigPath)+`:\d+: \[program:web\] dependent_runtime=sometimes: is not a dependent_runtime mode; write restart`)
	time.Sleep(time.Second) // the event for extra2
	text, _ := os.ReadFile(stderr)
	if n := strings.Count(string(text), "ERRO"); n != 1 {
		t.Errorf("%d errors for one bad configuration, want 1:\n%s", n, text)
	}
	if strings.Contains(sv.Log(), "spawned: 'extra") {
		t.Errorf("a program of the configuration refused was started:\n%s", sv.Log())
	}
	if got := listenerPID(); got != pid {
		t.Errorf("the listener was restarted: pid %d, was %d", got, pid)
	}
	for _, bad := range []string{"-> UNKNOWN", "exited: deps", "BAD_NAME"} {
		if strings.Contains(sv.Log(), bad) {
			t.Errorf("supervisord's log has %q:\n%s", bad, sv.Log())
		}
	}
	t.Logf("the listener's log:\n%s", text)
}

// TestRealSupervisordFollowsAnEditOfItsKeys edits only ordered-startup's
// keys of a running configuration, which supervisorctl update would not
// see: at the next TICK the listener reads the file again, and web, given
// dependent_runtime=restart, is restarted when db restarts; no
// supervisorctl ran, the listener was not restarted. An edit that cannot
// be used yet (a wait for a program supervisord does not run) is one INFO
// line, no error, and the plan stays.
func TestRealSupervisordFollowsAnEditOfItsKeys(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{Sections: dbAndWeb(t, "")})
	listenerLog(t, sv, "deps", `INFO startup complete`)
	ctx := rig.Context(t)
	info, err := sv.Client.GetProcessInfo(ctx, "deps")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) {
		t.Helper()
		text, err := os.ReadFile(sv.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), old) {
			t.Fatalf("%q is not in the configuration", old)
		}
		if err := os.WriteFile(sv.ConfigPath, []byte(strings.Replace(string(text), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	edit("dependent_startup_wait_for=db:running\n", "dependent_startup_wait_for=db:running\ndependent_runtime=restart\n")
	listenerLog(t, sv, "deps", `INFO configuration read again after a change to its files: the plan changed`)
	offset := sv.LogSize()
	if err := sv.Client.StopProcess(ctx, "db", true); err != nil {
		t.Fatal(err)
	}
	if err := sv.Client.StartProcess(ctx, "db", false); err != nil {
		t.Fatal(err)
	}
	sv.WaitLogSince(t, offset, `(?s)success: db entered RUNNING.*spawned: 'web'`)
	listenerLog(t, sv, "deps", `INFO restarted web: db is RUNNING again`)

	edit("dependent_startup_wait_for=db:running\n", "dependent_startup_wait_for=db:running cache:running\n")
	listenerLog(t, sv, "deps", `INFO the configuration changed and cannot be used yet \(.*cache.*\); keeping the plan read before until the next change or supervisorctl update`)
	edit("dependent_startup_wait_for=db:running cache:running\n", "dependent_startup_wait_for=db:running\n")
	listenerLog(t, sv, "deps", `INFO the configuration can be used after 1 failure`)

	if now, err := sv.Client.GetProcessInfo(ctx, "deps"); err != nil || now.PID != info.PID {
		t.Errorf("the listener was restarted: %+v, %v; was pid %d", now, err, info.PID)
	}
	_, stderr := sv.ChildLogs(t, "deps")
	if text, _ := os.ReadFile(stderr); strings.Contains(string(text), "ERRO") || strings.Contains(string(text), "WARN") {
		t.Errorf("the listener warned or reported an error:\n%s", text)
	}
}

// TestRealSupervisordListenerStopsWhileHolding stops the listener while it
// holds a follower stopped: the follower stays stopped, the listener says
// how to start it, and it exits cleanly instead of waiting for the
// database.
func TestRealSupervisordListenerStopsWhileHolding(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{Sections: dbAndWeb(t, "") + `
		dependent_runtime=stop
	`})
	listenerLog(t, sv, "deps", `INFO startup complete`)
	ctx := rig.Context(t)
	if err := sv.Client.StopProcess(ctx, "db", true); err != nil {
		t.Fatal(err)
	}
	sv.WaitLog(t, `stopped: web \(terminated by SIGTERM\)`)
	began := time.Now()
	if err := sv.Client.StopProcess(ctx, "deps", true); err != nil {
		t.Fatal(err)
	}
	sv.WaitLog(t, `stopped: deps \(exit status 0\)`)
	t.Logf("the listener stopped in %v", time.Since(began))
	listenerLog(t, sv, "deps", `WARN web stays stopped: the listener stopped while waiting for db to be RUNNING again; start it with supervisorctl start web`)
	if info, err := sv.Client.GetProcessInfo(ctx, "web"); err != nil || info.State != listener.StateStopped {
		t.Errorf("web after the listener stopped: %+v, %v", info, err)
	}
}

// startReporting runs supervisord with the seed example whose init job
// fails, and ordered-startup mailing its reports to srv; the listener is
// inorder, its stderr in inorder.err.
func startReporting(t *testing.T, srv *mailserver.Server) *supervisord.Supervisord {
	t.Helper()
	return supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:inorder]
		command=` + listenerBinary(t) + ` -m ops@example.com --fromEmail supervisor@example.com --smtpHost ` + srv.Addr() + ` --outbox %(here)s/outbox
		events=PROCESS_STATE
		priority=1
		stderr_logfile=%(here)s/inorder.err

		[include]
		files=` + seedInclude(t, 1) + `/*.conf
	`})
}

// SIGTERM while the mail server is down, with the report of a failed init
// job in the outbox: ordered-startup stops at once, so that `supervisorctl
// stop` returns well within stopwaitsecs, and the report goes after the
// next start.
func TestRealSupervisordStopDuringMailOutage(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Stop()
	sv := startReporting(t, srv)
	errLog := filepath.Join(sv.Dir, "inorder.err")
	m := stopcheck.MailAfterStop(t, sv, srv, "inorder", errLog, nil)
	if s, _ := m.Subject(); !strings.HasPrefix(s, "ordered-startup on ") {
		t.Errorf("subject %q, want ordered-startup's report", s)
	}
	if b, _ := os.ReadFile(errLog); !strings.Contains(string(b), "left by an earlier run") {
		t.Errorf("the report did not come from the outbox:\n%s", b)
	}
}

// A kill -9 in the middle of the SMTP DATA exchange of a report: the
// restarted listener finds the same failure again, and its report has the
// key of that failure, so that only the interrupted mail goes again, with
// its Message-ID.
func TestRealSupervisordKillDuringDataKeepsTheMessageID(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Stall(1)
	sv := startReporting(t, srv)
	killcheck.Resend(t, sv, srv, "inorder", filepath.Join(sv.Dir, "inorder.err"), regexp.MustCompile(`ERRO ping exited with status 1`))
}

// fileSize returns the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
