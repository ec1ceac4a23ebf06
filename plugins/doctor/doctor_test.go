package doctor_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/commands"
	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/plugins/doctor"
	"github.com/golance/golance/testharness/supervisord"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain puts every golance binary on PATH (testscript runs this test
// binary as each of them), for the real supervisord and for run.
func TestMain(m *testing.M) {
	mains := map[string]func(){}
	for _, b := range append(commands.Binaries(), commands.Tools()...) {
		mains[b.Name] = b.Main
	}
	testscript.Main(m, mains)
}

func TestScripts(t *testing.T) {
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

// base is what every listener that calls back needs, and a fleet of ten
// programs, so that buffer_size matters.
func base() string {
	var b strings.Builder
	b.WriteString("[supervisord]\n\n[unix_http_server]\nfile=/run/test-supervisor.sock\n\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n")
	for i := range 10 {
		fmt.Fprintf(&b, "\n[program:app%d]\ncommand=sleep 1000\n", i)
	}
	return b.String()
}

func check(t *testing.T, text string) []doctor.Finding {
	t.Helper()
	findings, notes := checkWith(t, text, doctor.Inherited{})
	if len(notes) > 0 {
		t.Errorf("notes without a running supervisord: %q", notes)
	}
	return findings
}

// checkWith checks text as the file of a supervisord whose children
// inherit inherited.
func checkWith(t *testing.T, text string, inherited doctor.Inherited) ([]doctor.Finding, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "supervisord.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := supervisorconf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	findings, notes, err := doctor.Check(cfg, commands.Plugins(), inherited)
	if err != nil {
		t.Fatal(err)
	}
	return findings, notes
}

// Every plugin's own sections, as golance snippet prints them and the
// package ships them, pass the doctor in a configuration with a server
// and ten programs.
func TestShippedSnippetsAreHealthy(t *testing.T) {
	for _, p := range commands.Plugins() {
		snippet := doctor.Snippet(p)
		if !strings.Contains(snippet, "[eventlistener:") {
			t.Errorf("%s: its snippet has no [eventlistener:x] section:\n%s", p.Name, snippet)
		}
		for _, f := range check(t, base()+"\n"+snippet) {
			t.Errorf("%s's snippet: %s", p.Name, f)
		}
	}
}

// Each problem the doctor knows, in a configuration that has it, is one
// line that names it and its fix; the same configuration without the
// problem is clean (the base cases of TestShippedSnippetsAreHealthy).
func TestFindings(t *testing.T) {
	const noRPC = "[supervisord]\n\n[program:web]\ncommand=sleep 1000\n"
	cases := []struct {
		name, conf string
		want       []string // substrings of the one finding
		// logged leaves the listeners' stdout_logfile as written;
		// otherwise each gets stdout_logfile=NONE, so that the case
		// has its one finding.
		logged bool
	}{
		{"no server", noRPC + "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n" +
			"[eventlistener:memmon]\ncommand=memmon -a 1GB\nevents=TICK_60\n",
			[]string{"no [unix_http_server] or [inet_http_server]", "[eventlistener:memmon] cannot call supervisord back", "fix: add [unix_http_server]"}, false},
		{"no rpcinterface", noRPC + "[unix_http_server]\nfile=/tmp/x.sock\n" +
			"[eventlistener:httpok]\ncommand=httpok -p web http://localhost/\nevents=TICK_60\n",
			[]string{"no [rpcinterface:supervisor]", "fix: add [rpcinterface:supervisor] with supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface"}, false},
		{"crashmail without exits", base() + "[eventlistener:crashmail]\ncommand=/usr/bin/crashmail -m root\nevents=PROCESS_STATE_FATAL\nbuffer_size=100\n",
			[]string{":[0-9]+: \\[eventlistener:crashmail\\]: events=PROCESS_STATE_FATAL lacks", "PROCESS_STATE_EXITED: crashmail mails", "fix: events=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED$"}, false},
		{"batch tick", base() + "[eventlistener:crashsms]\ncommand=crashsms -t 555@sms.example.com -f a@example.com -e TICK_5\nevents=PROCESS_STATE,TICK_60\nbuffer_size=100\n",
			[]string{"TICK_5: crashsms counts its interval in TICK_5 events", "fix: events=PROCESS_STATE,TICK_60,TICK_5$"}, false},
		{"ticks only", base() + "[eventlistener:memmon]\ncommand=memmon -a 1GB\nevents=PROCESS_STATE_EXITED\nbuffer_size=100\n",
			[]string{"TICK_5: memmon measures memory", "fix: events=PROCESS_STATE_EXITED,TICK_5$"}, false},
		{"buffer", base() + "[eventlistener:crashmail]\ncommand=crashmail -m root\nevents=PROCESS_STATE_EXITED\nbuffer_size=20\n",
			[]string{"buffer_size=20 holds fewer events than the 44 state changes a restart of all 11 processes", "fix: buffer_size=100$"}, false},
		{"buffer default", base() + "[eventlistener:dump]\ncommand=eventdump\nevents=EVENT\n",
			[]string{"\\[eventlistener:dump\\]: buffer_size=10 holds fewer", "fix: buffer_size=100$"}, false},
		{"stdout logged", base() + "[eventlistener:dump]\ncommand=eventdump\nevents=TICK_60\nstdout_logfile=/var/log/dump.log\n",
			[]string{"stdout_logfile=/var/log/dump.log: a listener's stdout is the protocol", "up to 50MB and 10 backups", "fix: stdout_logfile=NONE"}, true},
		{"stdout AUTO", base() + "[eventlistener:dump]\ncommand=eventdump\nevents=TICK_60\n",
			[]string{":[0-9]+: \\[eventlistener:dump\\]: stdout_logfile is AUTO \\(supervisord's default\\), so supervisord writes the listener's stdout, the protocol",
				"into /\\S*/dump-stdout---supervisor-\\*\\.log, up to 50MB and 10 backups", "fix: stdout_logfile=NONE"}, true},
		{"stdout AUTO, numprocs: one line", base() + "[eventlistener:dump]\ncommand=eventdump\nevents=TICK_60\nnumprocs=3\nprocess_name=%(program_name)s_%(process_num)d\nstdout_logfile=AUTO\nstdout_logfile_maxbytes=0\n",
			[]string{"stdout_logfile is AUTO", "without end \\(stdout_logfile_maxbytes=0\\)"}, true},
		{"credentials missing", strings.Replace(base(), "file=/run/test-supervisor.sock\n", "file=/run/test-supervisor.sock\nusername=admin\npassword=s3cret\n", 1) +
			"[eventlistener:memmon]\ncommand=memmon -a 1GB\nevents=TICK_60\n",
			[]string{"[unix_http_server] requires a username and password", "neither environment= nor supervisord's own environment (no supervisord answered to read it from; every child inherits it)", "has SUPERVISOR_USERNAME: every call of memmon gets 401", `fix: environment=SUPERVISOR_USERNAME="admin",SUPERVISOR_PASSWORD="s3cret"$`}, false},
		{"hashed password wrong", strings.Replace(base(), "file=/run/test-supervisor.sock\n", "file=/run/test-supervisor.sock\nusername=admin\npassword={SHA}"+sha1Hex("s3cret")+"\n", 1) +
			"[eventlistener:memmon]\ncommand=memmon -a 1GB\nevents=TICK_60\nenvironment=SUPERVISOR_USERNAME=\"admin\",SUPERVISOR_PASSWORD=\"old\"\n",
			[]string{"SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD from environment= are not the username and password", `SUPERVISOR_PASSWORD="<the password whose SHA-1 [unix_http_server] holds>"`}, false},
		{"credentials wrong", strings.Replace(base(), "file=/run/test-supervisor.sock\n", "file=/run/test-supervisor.sock\nusername=admin\npassword=s3cret\n", 1) +
			"[eventlistener:memmon]\ncommand=memmon -a 1GB\nevents=TICK_60\nenvironment=SUPERVISOR_USERNAME=\"admin\",SUPERVISOR_PASSWORD=\"old\"\n",
			[]string{"are not the username and password of [unix_http_server]"}, false},
		{"essential --on exit", base() + "[eventlistener:essential]\ncommand=essential -p app0 --on exit\nevents=PROCESS_STATE_FATAL\nbuffer_size=100\n",
			[]string{"PROCESS_STATE_EXITED: essential with --on exit also acts on exits", "fix: events=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED$"}, false},
		{"bad command line", base() + "[eventlistener:memmon]\ncommand=memmon --no-such-flag\nevents=TICK_60\n",
			[]string{"memmon refuses its command line", "no-such-flag", "fix: correct command="}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := c.conf
			if !c.logged {
				conf = quiet(conf)
			}
			findings := check(t, conf)
			if len(findings) != 1 {
				t.Fatalf("%d findings, want 1: %v", len(findings), findings)
			}
			line := findings[0].String()
			if strings.Contains(line, "\n") {
				t.Errorf("the finding is more than one line: %q", line)
			}
			for _, w := range c.want {
				if !regexp.MustCompile(regexp.QuoteMeta(w)).MatchString(line) && !regexp.MustCompile(w).MatchString(line) {
					t.Errorf("finding %q does not match %q", line, w)
				}
			}
		})
	}
}

// quiet gives every [eventlistener:x] of conf stdout_logfile=NONE.
func quiet(conf string) string {
	return regexp.MustCompile(`(?m)^(\[eventlistener:[^\]]+\]\n)`).ReplaceAllString(conf, "${1}stdout_logfile=NONE\n")
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// supervisord starts each child with a copy of its own environment, so
// credentials given to supervisord itself reach a listener without an
// environment= line: doctor reads them from the running supervisord's
// environment, says where they come from, and reports them only when they
// are wrong; when it cannot read that environment, it says so and does
// not guess.
func TestInheritedCredentials(t *testing.T) {
	conf := func(pass, env string) string {
		return strings.Replace(base(), "file=/run/test-supervisor.sock\n", "file=/run/test-supervisor.sock\nusername=admin\npassword="+pass+"\n", 1) +
			"[eventlistener:memmon]\ncommand=memmon -a 1GB\nevents=TICK_60\nstdout_logfile=NONE\n" + env
	}
	inherit := func(user, pass string) doctor.Inherited {
		return doctor.Inherited{PID: 42, Env: map[string]string{"PATH": "/usr/bin", "SUPERVISOR_USERNAME": user, "SUPERVISOR_PASSWORD": pass}}
	}
	cases := []struct {
		name, conf string
		inherited  doctor.Inherited
		finding    string // "" for none
		note       string // "" for none
	}{
		{"inherited", conf("s3cret", ""), inherit("admin", "s3cret"), "",
			"[eventlistener:memmon] gets SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD from supervisord's own environment (pid 42; every child inherits it)"},
		{"inherited, hashed", conf("{SHA}"+sha1Hex("s3cret"), ""), inherit("admin", "s3cret"), "", "from supervisord's own environment (pid 42;"},
		{"inherited wrong", conf("s3cret", ""), inherit("admin", "old"), "SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD from supervisord's own environment (pid 42; every child inherits it) are not the username and password of [unix_http_server]", ""},
		{"environment= wins", conf("s3cret", "environment=SUPERVISOR_PASSWORD=\"s3cret\"\n"), inherit("admin", "old"), "", "gets SUPERVISOR_USERNAME from supervisord's own environment (pid 42; every child inherits it) and SUPERVISOR_PASSWORD from environment="},
		{"environment= wrong over right", conf("s3cret", "environment=SUPERVISOR_PASSWORD=\"old\"\n"), inherit("admin", "s3cret"), "SUPERVISOR_USERNAME from supervisord's own environment (pid 42; every child inherits it) and SUPERVISOR_PASSWORD from environment= are not", ""},
		{"inherited nothing", conf("s3cret", ""), doctor.Inherited{PID: 42, Env: map[string]string{"PATH": "/usr/bin"}},
			"neither environment= nor supervisord's own environment (pid 42; every child inherits it) has SUPERVISOR_USERNAME", ""},
		{"unreadable", conf("s3cret", ""), doctor.Inherited{PID: 42, Err: errors.New("the environment of supervisord (pid 42) cannot be read from here (permission denied)")}, "",
			"[eventlistener:memmon]: credentials not checked: environment= has no SUPERVISOR_USERNAME, and the environment of supervisord (pid 42) cannot be read from here (permission denied): run golance doctor as root"},
		{"unreadable, environment= decides", conf("s3cret", "environment=SUPERVISOR_USERNAME=\"admin\",SUPERVISOR_PASSWORD=\"s3cret\"\n"), doctor.Inherited{PID: 42, Err: errors.New("x")}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			findings, notes := checkWith(t, c.conf, c.inherited)
			switch {
			case c.finding == "" && len(findings) > 0:
				t.Errorf("findings, want none: %v", findings)
			case c.finding != "" && (len(findings) != 1 || !strings.Contains(findings[0].String(), c.finding)):
				t.Errorf("findings %v, want one with %q", findings, c.finding)
			}
			switch {
			case c.note == "" && len(notes) > 0:
				t.Errorf("notes %q, want none", notes)
			case c.note != "" && (len(notes) != 1 || !strings.Contains(notes[0], c.note)):
				t.Errorf("notes %q, want one with %q", notes, c.note)
			}
		})
	}
}

// run runs the built golance binary and returns its stdout, stderr and
// exit status.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "golance", args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// startMemmon starts the real supervisord in env, with a password on its
// socket, a program web and a memmon that measures it, without
// environment=.
func startMemmon(t *testing.T, env []string) *supervisord.Supervisord {
	sv := supervisord.Start(t, supervisord.Config{Env: env, Username: "admin", Password: "s3cret", Sections: `
		[program:web]
		command=sleep 1000
		[eventlistener:memmon]
		command=memmon -p web=1GB
		events=TICK_5
		priority=-5
		stdout_logfile=NONE
	`})
	sv.WaitLog(t, `success: memmon entered RUNNING state`)
	return sv
}

// The real supervisord, with a password on its socket and a memmon
// without credentials: memmon's calls are refused, and the doctor says
// why and what to write.
func TestIntegrationCredentials(t *testing.T) {
	env := os.Environ()
	sv := startMemmon(t, env)
	stdout, stderr, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 1 || !strings.Contains(stderr, "1 problem found") {
		t.Errorf("doctor: exit %d, stderr %q; want 1 and the count", code, stderr)
	}
	if !strings.Contains(stdout, fmt.Sprintf("neither environment= nor supervisord's own environment (pid %d; every child inherits it) has SUPERVISOR_USERNAME", sv.PID)) || !strings.Contains(stdout, `fix: environment=SUPERVISOR_USERNAME="admin",SUPERVISOR_PASSWORD="s3cret"`) {
		t.Errorf("doctor did not report the missing credentials:\n%s", stdout)
	}
	// What the doctor predicts is what happens: memmon's calls are
	// refused (supervisord's debug log carries memmon's stderr, a tick's
	// lines in one entry).
	sv.WaitLog(t, `WARN Cannot get the process list from supervisord.*401 Unauthorized`)
}

// The real supervisord, started with the credentials of its own socket in
// its environment, and a memmon without environment=: memmon inherits
// them and its calls succeed, and the doctor, reading supervisord's
// environment, finds no problem and says where the credentials come from.
// When it cannot read that environment, it says so and reports nothing.
func TestIntegrationInheritedCredentials(t *testing.T) {
	env := os.Environ()
	sv := startMemmon(t, append(env, "SUPERVISOR_USERNAME=admin", "SUPERVISOR_PASSWORD=s3cret"))
	stdout, stderr, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Errorf("doctor: exit %d, stderr %q; want 0:\n%s", code, stderr, stdout)
	}
	if want := fmt.Sprintf("# [eventlistener:memmon] gets SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD from supervisord's own environment (pid %d; every child inherits it)\n", sv.PID); !strings.Contains(stdout, want) {
		t.Errorf("doctor does not say where the credentials come from (%q):\n%s", want, stdout)
	}
	// What the doctor predicts is what happens: memmon reads web's memory
	// through supervisord, which it cannot do with its calls refused.
	sv.WaitLog(t, `INFO RSS of web:web is [0-9]+`)
	if log, _ := os.ReadFile(sv.LogPath); strings.Contains(string(log), "401 Unauthorized") {
		t.Errorf("memmon's calls were refused:\n%s", log)
	}

	// Without a readable /proc/<pid>/environ (another user's supervisord,
	// here a proc root without it), doctor cannot tell and does not guess.
	stdout, stderr, code = run(t, env, "doctor", "-c", sv.ConfigPath, "--proc", t.TempDir())
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("# [eventlistener:memmon]: credentials not checked: environment= has no SUPERVISOR_USERNAME, and the environment of supervisord (pid %d) cannot be read from here", sv.PID)) {
		t.Errorf("doctor without supervisord's environment: exit %d, stderr %q; want 0 and a note:\n%s", code, stderr, stdout)
	}
}

// An edit of a listener's command= that supervisord was not told of: the
// doctor sees the running command line differ, prints the supervisorctl
// line that applies it, and once that line has run, finds nothing.
func TestIntegrationEditedListener(t *testing.T) {
	env := os.Environ()
	sv := supervisord.Start(t, supervisord.Config{Env: env, Sections: `
		[eventlistener:dump]
		command=eventdump --output %(here)s/events.jsonl
		events=TICK_5
		priority=-5
		stdout_logfile=NONE
	`})
	sv.WaitLog(t, `success: dump entered RUNNING state`)
	stdout, _, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Fatalf("doctor on the running configuration: exit %d\n%s", code, stdout)
	}
	edit(t, sv, "events.jsonl", "events2.jsonl")
	stdout, _, code = run(t, env, "doctor", "-c", sv.ConfigPath)
	apply := applyLine(sv)
	if code != 1 || !strings.Contains(stdout, "dump runs as ") || !strings.Contains(stdout, "events.jsonl") || !strings.Contains(stdout, "fix: "+apply) {
		t.Fatalf("doctor after the edit: exit %d, want 1, the running line and %q:\n%s", code, apply, stdout)
	}
	reread(t, sv)
	sv.WaitLog(t, `success: dump entered RUNNING state(.|\n)*success: dump entered RUNNING state`)
	stdout, _, code = run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Errorf("doctor after %s: exit %d\n%s", apply, code, stdout)
	}
}

// startChain starts the real supervisord in env with ordered-startup, a
// chain whose first program is db, and more.
func startChain(t *testing.T, env []string, more string) *supervisord.Supervisord {
	sv := supervisord.Start(t, supervisord.Config{Env: env, Sections: `
		[eventlistener:ordered-startup]
		command=ordered-startup
		events=PROCESS_STATE,PROCESS_GROUP,TICK_5
		priority=-2
		buffer_size=100
		stdout_logfile=NONE
		[program:db]
		command=sleep 1000
		priority=100
		autostart=false
		startsecs=0
		startinorder=true
	` + more})
	sv.WaitLog(t, `success: ordered-startup entered RUNNING state`)
	return sv
}

// ordered-startup's chain, as ordered-startup itself plans it under the
// real supervisord: a program without startinorder=true after the last
// one with it is started by the chain, which is how a chain's last
// program is written and how a program meant to be started by hand gets
// started at boot. The doctor cannot tell which from the file: it names
// the program and how to keep it out in a # line, and reports no problem;
// the chain does start it; with the fix applied, the line is gone.
func TestIntegrationOrderedStartupPullsIn(t *testing.T) {
	env := os.Environ()
	sv := startChain(t, env, `
		[program:backup]
		command=sleep 1000
		priority=200
		autostart=false
	`)
	stdout, _, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	note := regexp.MustCompile(`(?m)^# \S+supervisord.conf:\d+: ordered-startup's chain ends with backup, started when db reaches RUNNING though \[program:backup\] has no startinorder=true .*; if backup is not meant to start at boot, give it a priority= below db's \(100\), the chain's first, and apply it with supervisorctl reread && update$`)
	if code != 0 || !note.MatchString(stdout) || !strings.Contains(stdout, "\nno problems found\n") {
		t.Errorf("doctor: exit %d, want 0, no problem and the note on backup:\n%s", code, stdout)
	}
	if strings.Contains(stdout, "chain ends with db") {
		t.Errorf("doctor names db, which has startinorder=true:\n%s", stdout)
	}
	// What the note says happens: the chain starts backup.
	sv.WaitLog(t, `success: db entered RUNNING state(.|\n)*spawned: 'backup'`)

	edit(t, sv, "priority=200\n", "priority=50\n")
	reread(t, sv)
	stdout, _, code = run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || strings.Contains(stdout, "chain ends with") {
		t.Errorf("doctor with backup before the chain: exit %d, want 0 and no note:\n%s", code, stdout)
	}
}

// A warning of ordered-startup's plan is a problem: here a program of the
// chain has autostart=true, so supervisord starts it at once, before the
// one it is to follow.
func TestIntegrationOrderedStartupWarning(t *testing.T) {
	env := os.Environ()
	sv := startChain(t, env, `
		[program:app]
		command=sleep 1000
		priority=200
		startinorder=true
	`)
	stdout, stderr, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 1 || !strings.Contains(stdout, ": ordered-startup --plan: app has autostart=true, so supervisord starts it at once instead of after db reaches RUNNING: set autostart=false in [program:app]; fix: ") ||
		!strings.Contains(stderr, "1 problem found") {
		t.Errorf("doctor: exit %d, want 1 and the plan's warning:\n%s%s", code, stdout, stderr)
	}
	// What the warning says happens: supervisord starts app before db.
	sv.WaitLog(t, `spawned: 'app'`)
	if log := sv.Log(); strings.Contains(log, "spawned: 'db'") && strings.Index(log, "spawned: 'db'") < strings.Index(log, "spawned: 'app'") {
		t.Errorf("db started before app:\n%s", log)
	}
}

// golance snippet prints what Snippet returns; --dir writes one file per
// plugin; a wrong name is one line that lists the right ones.
func TestSnippetCommand(t *testing.T) {
	env := os.Environ()
	stdout, _, code := run(t, env, "snippet", "crashmail")
	p := commands.Plugins()[0]
	if code != 0 || p.Name != "crashmail" || stdout != doctor.Snippet(p) {
		t.Errorf("golance snippet crashmail: exit %d\n%s", code, stdout)
	}
	dir := t.TempDir()
	if _, stderr, code := run(t, env, "snippet", "--dir", dir); code != 0 {
		t.Fatalf("snippet --dir: exit %d: %s", code, stderr)
	}
	for _, p := range commands.Plugins() {
		if b, err := os.ReadFile(filepath.Join(dir, p.Name+".conf")); err != nil || string(b) != doctor.Snippet(p) {
			t.Errorf("snippet --dir: %s.conf: %v", p.Name, err)
		}
	}
	_, stderr, code := run(t, env, "snippet", "nosuch")
	if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "crashmail, crashmailbatch") {
		t.Errorf("snippet nosuch: exit %d, stderr %q", code, stderr)
	}
}

// The real supervisord gives a listener without stdout_logfile= an AUTO
// log in childlogdir and copies the protocol into it: the doctor names
// the file in one line for the listener's three processes, the file holds
// READY and RESULT lines, and with the fix applied the doctor finds
// nothing.
func TestIntegrationStdoutAuto(t *testing.T) {
	env := os.Environ()
	sv := supervisord.Start(t, supervisord.Config{Env: env, Sections: `
		[eventlistener:dump]
		command=eventdump --output %(here)s/events-%(process_num)d.jsonl
		process_name=%(program_name)s_%(process_num)d
		numprocs=3
		events=TICK_5
		priority=-5
	`})
	sv.WaitLog(t, `success: dump_2 entered RUNNING state`)
	dir := filepath.Dir(sv.ConfigPath)
	stdout, _, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	want := fmt.Sprintf("[eventlistener:dump]: stdout_logfile is AUTO (supervisord's default), so supervisord writes the listener's stdout, the protocol (READY, RESULT 2 OK: 17 bytes an event), into %s, up to 50MB and 10 backups; fix: stdout_logfile=NONE",
		filepath.Join(dir, "dump_0-stdout---supervisor-*.log")+" and 2 more like it")
	if code != 1 || strings.Count(stdout, want) != 1 || strings.Count(stdout, "\n") != 2 {
		t.Fatalf("doctor: exit %d, want 1 and one line %q:\n%s", code, want, stdout)
	}

	// What the doctor says is there: each process's file fills with the
	// protocol, from its first READY on.
	files, err := filepath.Glob(filepath.Join(dir, "dump_0-stdout---supervisor-*.log"))
	if err != nil || len(files) != 1 {
		t.Fatalf("dump_0's AUTO stdout log: %v %v", files, err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		b, _ := os.ReadFile(files[0])
		if strings.HasPrefix(string(b), "READY\nRESULT 2\nOKREADY\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not hold the protocol after a minute:\n%q", files[0], b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	edit(t, sv, "priority=-5\n", "priority=-5\nstdout_logfile=NONE\n")
	stdout, _, code = run(t, env, "doctor", "-c", sv.ConfigPath)
	apply := applyLine(sv)
	if want := "dump:dump_0 runs with its stdout logged to " + files[0] + ", not as stdout_logfile=NONE says: the file was changed after supervisord read it; fix: " + apply; code != 1 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, want) {
		t.Fatalf("doctor on the fixed file, before supervisord reads it: exit %d, want 1 and only %q:\n%s", code, want, stdout)
	}
	reread(t, sv)
	sv.WaitLog(t, `success: dump_2 entered RUNNING state(.|\n)*success: dump_2 entered RUNNING state`)
	stdout, _, code = run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Errorf("doctor after the fix: exit %d\n%s", code, stdout)
	}
}

// edit replaces old with new in sv's configuration file, which must hold
// old.
func edit(t *testing.T, sv *supervisord.Supervisord, old, new string) {
	t.Helper()
	text, err := os.ReadFile(sv.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(text), old, new, 1)
	if edited == string(text) {
		t.Fatalf("no %q in the configuration to edit:\n%s", old, text)
	}
	if err := os.WriteFile(sv.ConfigPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
}

// applyLine is the line the doctor prints to apply an edit of sv's file.
func applyLine(sv *supervisord.Supervisord) string {
	return fmt.Sprintf("supervisorctl -c %s reread && supervisorctl -c %s update", sv.ConfigPath, sv.ConfigPath)
}

// reread runs applyLine.
func reread(t *testing.T, sv *supervisord.Supervisord) {
	t.Helper()
	if out, err := exec.Command("sh", "-c", applyLine(sv)).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", applyLine(sv), err, out)
	}
}

// The real supervisord with a crashmail subscribed to FATAL only: the
// doctor says events= lacks PROCESS_STATE_EXITED and writes the line that
// has it; a crash before the fix is mailed by no one, and with the
// doctor's line applied the next crash is.
func TestIntegrationEventsLack(t *testing.T) {
	env := os.Environ()
	dir := t.TempDir()
	mailbox := filepath.Join(dir, "mailbox")
	sendmail := filepath.Join(dir, "sendmail")
	if err := os.WriteFile(sendmail, []byte("#!/bin/sh\n{ cat; echo; } >> "+mailbox+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sv := supervisord.Start(t, supervisord.Config{Env: env, Sections: `
		[eventlistener:crashmail]
		command=crashmail -p crasher -m ops@example.com -s ` + sendmail + `
		events=PROCESS_STATE_FATAL
		priority=-5
		buffer_size=100
		stdout_logfile=NONE
		[program:crasher]
		command=sh -c "sleep 2.5; exit 3"
		autostart=false
		autorestart=false
	`})
	sv.WaitLog(t, `success: crashmail entered RUNNING state`)
	fix := theFix(t, env, sv, `\[eventlistener:crashmail\]: events=PROCESS_STATE_FATAL lacks what crashmail's command line needs \(PROCESS_STATE_EXITED: crashmail mails each unexpected exit, a PROCESS_STATE_EXITED event\); fix: (events=PROCESS_STATE_FATAL,PROCESS_STATE_EXITED)`)

	crash := func() int {
		t.Helper()
		offset := sv.LogSize()
		if err := sv.Client.StartProcess(t.Context(), "crasher", true); err != nil {
			t.Fatal(err)
		}
		info, err := sv.Client.GetProcessInfo(t.Context(), "crasher")
		if err != nil {
			t.Fatal(err)
		}
		sv.WaitLogSince(t, offset, `exited: crasher \(exit status 3; not expected\)`)
		return info.PID
	}
	before := crash()
	edit(t, sv, "events=PROCESS_STATE_FATAL\n", fix+"\n")
	reread(t, sv)
	sv.WaitLog(t, `success: crashmail entered RUNNING state(.|\n)*success: crashmail entered RUNNING state`)
	after := crash()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(mailbox)
		if strings.Contains(string(b), fmt.Sprintf("(pid %d)", after)) {
			if strings.Contains(string(b), fmt.Sprintf("(pid %d)", before)) || strings.Count(string(b), "Subject: ") != 1 {
				t.Errorf("the crash before the fix was mailed, or more than one:\n%s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail about the crash after the fix (pid %d):\n%s\nmain log:\n%s", after, b, sv.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	stdout, _, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Errorf("doctor after the fix: exit %d\n%s", code, stdout)
	}
}

// The real supervisord with twelve programs and a listener on the
// default buffer_size of 10: the doctor says a restart of everything
// overflows it and writes the buffer_size that holds it; a restart of
// every program while the listener takes no event then makes supervisord
// log "event buffer overflowed", and with the doctor's line applied the
// same restart does not.
func TestIntegrationBufferSize(t *testing.T) {
	env := os.Environ()
	var programs strings.Builder
	for i := range 12 {
		fmt.Fprintf(&programs, "\t\t[program:app%d]\n\t\tcommand=sleep 1000\n\t\tstartsecs=0\n", i)
	}
	sv := supervisord.Start(t, supervisord.Config{Env: env, Sections: `
		[eventlistener:dump]
		command=eventdump --output %(here)s/events.jsonl
		events=PROCESS_STATE
		priority=-5
		stdout_logfile=NONE
` + programs.String()})
	sv.WaitLog(t, `success: dump entered RUNNING state`)
	fix := theFix(t, env, sv, `\[eventlistener:dump\]: buffer_size=10 holds fewer events than the 52 state changes a restart of all 13 processes queues at once: supervisord discards the oldest \("event buffer overflowed"\); fix: (buffer_size=100)`)
	// The worst case, and one that does not depend on how fast dump is:
	// every program restarted while the listener cannot take an event
	// (stopped here; busy with a mail or a restart in life), so that
	// supervisord must hold all 48 state changes in the pool's buffer.
	restartAll := func() string {
		t.Helper()
		offset := sv.LogSize()
		ctl := func(args ...string) {
			t.Helper()
			if out, err := exec.Command("supervisorctl", append([]string{"-c", sv.ConfigPath}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("supervisorctl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		ctl("stop", "dump")
		apps := []string{"restart"}
		for i := range 12 {
			apps = append(apps, fmt.Sprintf("app%d", i))
		}
		ctl(apps...)
		ctl("start", "dump")
		sv.WaitLogSince(t, offset, `success: dump entered RUNNING state`)
		return sv.Log()[offset:]
	}
	if log := restartAll(); !strings.Contains(log, "ERRO pool dump event buffer overflowed, discarding event") {
		t.Errorf("a restart of every program with buffer_size=10: no overflow:\n%s", log)
	}

	offset := sv.LogSize()
	edit(t, sv, "priority=-5\n", "priority=-5\n"+fix+"\n")
	reread(t, sv)
	sv.WaitLogSince(t, offset, `success: dump entered RUNNING state`)
	if log := restartAll(); strings.Contains(log, "event buffer overflowed") {
		t.Errorf("a restart of every program with the doctor's %s: an overflow:\n%s", fix, log)
	}
	stdout, _, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	if code != 0 || !strings.Contains(stdout, "no problems found") {
		t.Errorf("doctor after the fix: exit %d\n%s", code, stdout)
	}
}

// theFix runs the doctor on sv's file, which must find one problem, on
// the line that matches finding (after FILE:LINE: ), and returns the
// fix, finding's first group.
func theFix(t *testing.T, env []string, sv *supervisord.Supervisord, finding string) string {
	t.Helper()
	stdout, _, code := run(t, env, "doctor", "-c", sv.ConfigPath)
	m := regexp.MustCompile(`(?m)^\S+supervisord.conf:\d+: ` + finding + `$`).FindStringSubmatch(stdout)
	if code != 1 || m == nil || strings.Count(stdout, "\n") != 2 {
		t.Fatalf("doctor: exit %d, want 1 and one line matching %s:\n%s", code, finding, stdout)
	}
	return m[1]
}
