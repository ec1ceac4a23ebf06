package orderedstartup

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"ordered-startup": Main})
}

func TestScripts(t *testing.T) {
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

// scenario is an emulated supervisord with programs, the configuration
// file describing the same programs plus the startup keys, and the
// ordered-startup binary as its listener.
type scenario struct {
	programs []testharness.Program
	groups   []testharness.Group
	keys     map[string]string // [program:x] name -> extra lines
	args     []string          // extra listener flags
	noStart  bool              // the listener pool does not autostart
	// backoff is how long a process stays in BACKOFF after its first
	// failed start; 10ms if zero.
	backoff time.Duration
}

// prog is a virtual program the listener may start: autostart=false and
// no restarts unless changed.
func prog(name string, priority int) testharness.Program {
	return testharness.Program{Name: name, ProcessConfig: testharness.ProcessConfig{
		Priority: priority, NoAutostart: true, Autorestart: testharness.RestartNever}}
}

// writeConf renders sc as the supervisord.conf the listener reads.
func (sc scenario) writeConf(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[supervisord]\n\n[eventlistener:startup]\ncommand=ordered-startup\nevents=PROCESS_STATE\n")
	for _, g := range sc.groups {
		fmt.Fprintf(&b, "\n[group:%s]\nprograms=%s\npriority=%d\n", g.Name, strings.Join(g.Programs, ","), g.Priority)
	}
	for _, p := range sc.programs {
		fmt.Fprintf(&b, "\n[program:%s]\ncommand=/bin/true\nautostart=%v\n", p.Name, !p.NoAutostart)
		if p.Priority != 0 {
			fmt.Fprintf(&b, "priority=%d\n", p.Priority)
		}
		if p.NumProcs > 1 {
			fmt.Fprintf(&b, "numprocs=%d\nnumprocs_start=%d\nprocess_name=%s\n", p.NumProcs, p.NumProcsStart, p.ProcessName)
		}
		b.WriteString(sc.keys[p.Name])
		b.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "supervisord.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (sc scenario) start(t *testing.T) *testharness.Supervisor {
	t.Helper()
	args := append([]string{"ordered-startup", "-c", sc.writeConf(t), "--poll-interval", "100ms"}, sc.args...)
	return testharness.Start(t, testharness.Config{
		RPC:      true,
		Programs: sc.programs,
		Groups:   sc.groups,
		Pools: []testharness.Pool{{Name: "startup", BufferSize: 100,
			Events: []listener.EventType{listener.ProcessState, listener.Tick5},
			ProcessConfig: testharness.ProcessConfig{Command: args, NoAutostart: sc.noStart,
				Autorestart: testharness.RestartNever, StopWaitSecs: 5 * time.Second}}},
		BackoffUnit: cmp.Or(sc.backoff, 10*time.Millisecond),
		WaitTimeout: 30 * time.Second,
	})
}

// waitState waits for a process to reach state.
func waitState(t *testing.T, sup *testharness.Supervisor, name string, state listener.State) {
	t.Helper()
	if err := sup.WaitProcessState(rig.Context(t), name, state); err != nil {
		stderr := ""
		if l := sup.Process("startup"); l != nil {
			stderr = l.Stderr()
		}
		t.Fatalf("%s never got to %s: %v\nlistener stderr:\n%s", name, state, err, stderr)
	}
}

// waitLog waits until the listener's stderr matches pattern and returns
// the match.
func waitLog(t *testing.T, sup *testharness.Supervisor, pattern string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := sup.WaitStderr(ctx, "startup", regexp.MustCompile(pattern))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func exit(t *testing.T, sup *testharness.Supervisor, name string, code int) {
	t.Helper()
	if err := sup.Process(name).Exit(code); err != nil {
		t.Fatalf("exit %s: %v", name, err)
	}
}

// starts returns the processes in the order they went to STARTING, each
// time they did; the listener is left out.
func starts(sup *testharness.Supervisor) []string {
	var out []string
	for _, r := range sup.Transcript().Filter(testharness.RecordProcessState, "") {
		if r.ToState == listener.StateStarting && r.Process != "startup" {
			out = append(out, r.Process)
		}
	}
	return out
}

// seq returns the transcript position of the first time process entered
// state, or -1.
func seq(sup *testharness.Supervisor, process string, state listener.State) int {
	for _, r := range sup.Transcript().Filter(testharness.RecordProcessState, process) {
		if r.ToState == state {
			return r.Seq
		}
	}
	return -1
}

// seedScenario is ordered-startup-supervisord's README example: two init
// jobs around a program that takes StartSecs to be RUNNING, and a last
// init job; web has nothing to do with the chain.
func seedScenario() scenario {
	sleep := prog("sleep", 101)
	sleep.StartSecs = 300 * time.Millisecond
	sleep.Autorestart = testharness.RestartAlways
	web := prog("web", 50)
	web.NoAutostart = false
	return scenario{
		programs: []testharness.Program{prog("ping", 100), sleep, prog("ping2", 200), prog("ping3", 400), web},
		keys: map[string]string{
			"ping":  "startinorder=true\nstartnextafter=exited\n",
			"sleep": "startinorder=true\n",
			"ping2": "startinorder=true\nstartnextafter=EXITED\n",
			"ping3": "startinorder=true\nstartnextafter=Exited\n",
		},
	}
}

func TestChain(t *testing.T) {
	t.Parallel()
	sup := seedScenario().start(t)
	waitState(t, sup, "ping", listener.StateRunning)
	// ping is RUNNING, not EXITED: nothing else may start yet.
	time.Sleep(300 * time.Millisecond)
	if got := sup.Process("sleep").State(); got != listener.StateStopped {
		t.Fatalf("sleep is %s before ping exited", got)
	}
	exit(t, sup, "ping", 0)
	waitState(t, sup, "sleep", listener.StateRunning)
	waitState(t, sup, "ping2", listener.StateRunning)
	exit(t, sup, "ping2", 0)
	waitState(t, sup, "ping3", listener.StateRunning)
	exit(t, sup, "ping3", 0)
	waitLog(t, sup, `INFO startup complete`)

	if got, want := starts(sup), []string{"web", "ping", "sleep", "ping2", "ping3"}; !slices.Equal(got, want) {
		t.Errorf("start order %v, want %v", got, want)
	}
	if seq(sup, "ping2", listener.StateStarting) < seq(sup, "sleep", listener.StateRunning) {
		t.Error("ping2 started before sleep was RUNNING (its startsecs had not elapsed)")
	}
	// A respawn of sleep does not run the chain again.
	exit(t, sup, "sleep", 0)
	waitState(t, sup, "sleep", listener.StateRunning)
	time.Sleep(300 * time.Millisecond)
	if got, want := starts(sup), []string{"web", "ping", "sleep", "ping2", "ping3", "sleep"}; !slices.Equal(got, want) {
		t.Errorf("after sleep respawned, starts %v, want %v", got, want)
	}
	log := sup.Process("startup").Stderr()
	for _, want := range []string{
		"INFO layer 1: ping",
		"INFO layer 4: ping3",
		"INFO starting ping: it waits for nothing",
		"INFO starting sleep: ping reaches EXITED",
		"INFO starting ping2: sleep reaches RUNNING",
		"INFO starting ping3: ping2 reaches EXITED",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if sup.Transcript().WentUnknown("startup") {
		t.Error("the listener broke the protocol")
	}
}

func TestDependencyGraph(t *testing.T) {
	t.Parallel()
	db := prog("db", 10)
	db.StartSecs = 200 * time.Millisecond
	sc := scenario{
		programs: []testharness.Program{db, prog("cache", 20), prog("migrate", 30), prog("web", 40), prog("worker", 50)},
		keys: map[string]string{
			"db":      "dependent_startup=true\n",
			"cache":   "dependent_startup=true\n",
			"migrate": "dependent_startup=true\ndependent_startup_wait_for=db:running\n",
			"web":     "dependent_startup=true\ndependent_startup_wait_for=migrate:exited cache:running\n",
			"worker":  "dependent_startup=true\ndependent_startup_wait_for=db\n",
		},
	}
	sup := sc.start(t)
	waitState(t, sup, "migrate", listener.StateRunning)
	waitState(t, sup, "worker", listener.StateRunning)
	if seq(sup, "migrate", listener.StateStarting) < seq(sup, "db", listener.StateRunning) {
		t.Error("migrate started before db was RUNNING")
	}
	if got := sup.Process("web").State(); got != listener.StateStopped {
		t.Fatalf("web is %s before migrate exited", got)
	}
	exit(t, sup, "migrate", 0)
	waitState(t, sup, "web", listener.StateRunning)
	waitLog(t, sup, `startup complete`)
	if got := starts(sup); !slices.Equal(got[:2], []string{"db", "cache"}) || got[len(got)-1] != "web" {
		t.Errorf("start order %v", got)
	}
	waitLog(t, sup, `INFO starting web: migrate reaches EXITED, cache reaches RUNNING`)
}

func TestCycleStopsTheListener(t *testing.T) {
	t.Parallel()
	sc := scenario{
		programs: []testharness.Program{prog("a", 1), prog("b", 2)},
		keys: map[string]string{
			"a": "dependent_startup=true\ndependent_startup_wait_for=b\n",
			"b": "dependent_startup=true\ndependent_startup_wait_for=a:exited\n",
		},
	}
	sup := sc.start(t)
	waitState(t, sup, "startup", listener.StateExited)
	want := "ordered-startup: dependency cycle: a waits for b (dependent_startup_wait_for); b waits for a (dependent_startup_wait_for): remove one of these waits\n"
	if got := sup.Process("startup").Stderr(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if got := starts(sup); len(got) != 0 {
		t.Errorf("started %v", got)
	}
}

// fakeSendmail returns a sendmail command that stores each message in a
// file of dir.
func fakeSendmail(t *testing.T) (command, dir string) {
	t.Helper()
	dir = t.TempDir()
	script := filepath.Join(t.TempDir(), "sendmail")
	// Written under another name and renamed, so a reader never sees half a mail.
	body := "#!/bin/sh\ncat > \"$MAILDIR/.part.$$\" && mv \"$MAILDIR/.part.$$\" \"$MAILDIR/mail.$$\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return "MAILDIR=" + dir + " " + script + " -t -i", dir
}

// mails waits until dir holds n messages and returns them, sorted.
func mails(t *testing.T, dir string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "mail.*"))
		if len(files) >= n {
			var out []string
			for _, f := range files {
				b, _ := os.ReadFile(f)
				out = append(out, string(b))
			}
			slices.Sort(out)
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails, want %d", len(files), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFatalStep(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{"stop", "continue"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			sendmail, maildir := fakeSendmail(t)
			sc := seedScenario()
			// sleep dies at once, before its startsecs: BACKOFF, then FATAL.
			sc.programs[1].Command = []string{"sh", "-c", "echo cannot start >&2; exit 3"}
			sc.programs[1].StartSecs = time.Second
			sc.programs[1].StartRetries = 1
			sc.args = []string{"--on-failure", policy, "-m", "ops@example.com", "-s", sendmail}
			// Long enough for the listener to see BACKOFF however
			// loaded the machine: it reports what it sees.
			sc.backoff = time.Second
			sup := sc.start(t)
			waitState(t, sup, "ping", listener.StateRunning)
			exit(t, sup, "ping", 0)
			waitState(t, sup, "sleep", listener.StateFatal)
			waitLog(t, sup, `WARN sleep entered BACKOFF \(.*\): supervisord retries it, and it may still reach RUNNING`)
			if policy == "stop" {
				waitLog(t, sup, `ERRO sleep entered FATAL \(.*\): not starting ping2 \(--on-failure=stop\)`)
				time.Sleep(300 * time.Millisecond)
				if got := sup.Process("ping2").State(); got != listener.StateStopped {
					t.Errorf("ping2 is %s after sleep went FATAL", got)
				}
			} else {
				waitLog(t, sup, `ERRO sleep entered FATAL \(.*\): starting ping2 anyway \(--on-failure=continue\)`)
				waitState(t, sup, "ping2", listener.StateRunning)
				waitLog(t, sup, `INFO starting ping2: sleep failed \(--on-failure=continue\)`)
			}
			got := mails(t, maildir, 2)
			if !strings.Contains(got[0], "Subject: ordered-startup on ") || !strings.Contains(got[0], ": sleep entered BACKOFF") ||
				!strings.Contains(got[1], ": sleep entered FATAL") || !strings.Contains(got[1], "To: ops@example.com") ||
				!strings.Contains(got[1], "2. sleep: FATAL (started when ping reaches EXITED)") {
				t.Errorf("mails:\n%s", strings.Join(got, "\n----\n"))
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	sc := seedScenario()
	sc.programs[1].StartSecs = time.Hour // sleep stays STARTING
	sc.args = []string{"--timeout", "400ms", "--on-failure", "continue"}
	sup := sc.start(t)
	waitState(t, sup, "ping", listener.StateRunning)
	exit(t, sup, "ping", 0)
	waitState(t, sup, "sleep", listener.StateStarting)
	began := time.Now()
	waitLog(t, sup, `ERRO sleep did not reach RUNNING within 400ms \(sleep is STARTING\): starting ping2 anyway \(--on-failure=continue\)`)
	waitState(t, sup, "ping2", listener.StateRunning)
	if d := time.Since(began); d < 300*time.Millisecond {
		t.Errorf("timed out after %s", d)
	}
	// ping (an init job) did reach its goal in time: no report for it.
	if strings.Contains(sup.Process("startup").Stderr(), "ERRO ping ") {
		t.Error("ping reported")
	}
}

func TestUnexpectedExit(t *testing.T) {
	t.Parallel()
	t.Run("stops the branch", func(t *testing.T) {
		t.Parallel()
		sup := seedScenario().start(t)
		waitState(t, sup, "ping", listener.StateRunning)
		exit(t, sup, "ping", 1)
		waitLog(t, sup, `ERRO ping exited with status 1, which is not in its exitcodes \(0\): not starting sleep \(--on-failure=stop\)`)
		time.Sleep(300 * time.Millisecond)
		if got := starts(sup); !slices.Equal(got, []string{"web", "ping"}) {
			t.Errorf("started %v", got)
		}
		// Fixed and run again by hand, it gets there: the chain resumes.
		if err := sup.Process("ping").Start(rig.Context(t), true); err != nil {
			t.Fatal(err)
		}
		exit(t, sup, "ping", 0)
		waitLog(t, sup, `INFO ping reached EXITED after all`)
		waitState(t, sup, "sleep", listener.StateRunning)
	})
	t.Run("--any-exit", func(t *testing.T) {
		t.Parallel()
		sc := seedScenario()
		sc.args = []string{"--any-exit"}
		sup := sc.start(t)
		waitState(t, sup, "ping", listener.StateRunning)
		exit(t, sup, "ping", 1)
		waitState(t, sup, "sleep", listener.StateRunning)
	})
}

func TestListenerRestartMidChain(t *testing.T) {
	t.Parallel()
	sup := seedScenario().start(t)
	waitState(t, sup, "ping", listener.StateRunning)
	exit(t, sup, "ping", 0)
	waitState(t, sup, "ping2", listener.StateRunning)

	// The listener dies; ping2 finishes while it is down.
	l := sup.Process("startup")
	if err := l.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitState(t, sup, "startup", listener.StateExited)
	exit(t, sup, "ping2", 0)
	if err := l.Start(rig.Context(t), false); err != nil {
		t.Fatal(err)
	}
	// The new listener starts ping3 and nothing else.
	waitState(t, sup, "ping3", listener.StateRunning)
	exit(t, sup, "ping3", 0)
	waitLog(t, sup, `(?s)INFO layer 1.*INFO layer 1.*startup complete`)
	if got, want := starts(sup), []string{"web", "ping", "sleep", "ping2", "ping3"}; !slices.Equal(got, want) {
		t.Errorf("start order %v, want %v", got, want)
	}
	log := l.Stderr()
	second := log[strings.LastIndex(log, "INFO layer 1"):]
	for _, want := range []string{"INFO ping was already started (EXITED): not starting it again", "INFO sleep was already started (RUNNING)",
		"INFO ping2 was already started (EXITED)", "INFO starting ping3: ping2 reaches EXITED"} {
		if !strings.Contains(second, want) {
			t.Errorf("restarted listener's log lacks %q:\n%s", want, second)
		}
	}
}

func TestGroupAndNumprocsNames(t *testing.T) {
	t.Parallel()
	b := prog("b", 1)
	b.NumProcs, b.NumProcsStart, b.ProcessName = 2, 1, "%(program_name)s_%(process_num)d"
	web := prog("web", 10)
	web.NumProcs, web.ProcessName = 2, "%(program_name)s_%(process_num)02d"
	sc := scenario{
		programs: []testharness.Program{prog("a", 2), b, web},
		groups:   []testharness.Group{{Name: "grp", Programs: []string{"a", "b"}, Priority: 5}},
		keys: map[string]string{
			"a":   "startinorder=true\nstartnextafter=exited\n",
			"b":   "startinorder=true\n",
			"web": "dependent_startup=true\ndependent_startup_wait_for=a:exited\n",
		},
	}
	sup := sc.start(t)
	waitState(t, sup, "grp:b_1", listener.StateRunning)
	waitState(t, sup, "grp:b_2", listener.StateRunning)
	waitState(t, sup, "grp:a", listener.StateRunning)
	exit(t, sup, "grp:a", 0)
	waitState(t, sup, "web:web_00", listener.StateRunning)
	waitState(t, sup, "web:web_01", listener.StateRunning)
	got := starts(sup)
	slices.Sort(got[:2])
	if want := []string{"grp:b_1", "grp:b_2", "grp:a", "web:web_00", "web:web_01"}; !slices.Equal(got, want) {
		t.Errorf("start order %v, want %v", got, want)
	}
}
