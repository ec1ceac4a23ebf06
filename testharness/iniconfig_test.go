package testharness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(`
[supervisord]
identifier = lab ; inline comment
[inet_http_server]
port=127.0.0.1:9001
username=user
password=secret

[program:web]
command=/usr/bin/server --port=80%(process_num)02d --name "%(program_name)s %(group_name)s"
process_name=%(program_name)s_%(process_num)02d
numprocs=2
numprocs_start=1
priority=5
autostart=false
autorestart=true
startretries=0
exitcodes=0,2
stopsignal=INT
stopwaitsecs=0
stopasgroup=true
redirect_stderr=yes
stdout_events_enabled=on
stdout_capture_maxbytes=1KB
environment=A="x, y",B=2
directory=%(here)s
# a comment line

[eventlistener:mail]
command=crashmail -a
events=process_state_exited,
  TICK_60
buffer_size=50
`, "/etc/supervisor")
	must(t, err)
	if cfg.Identifier != "lab" || !cfg.RPC || cfg.Username != "user" || cfg.Password != "secret" {
		t.Errorf("server settings %+v", cfg)
	}
	if len(cfg.Programs) != 1 || len(cfg.Pools) != 1 {
		t.Fatalf("sections %+v", cfg)
	}
	pc := cfg.Programs[0].ProcessConfig
	if pc.NumProcs != 2 || pc.NumProcsStart != 1 || pc.Priority != 5 || !pc.NoAutostart || pc.Autorestart != RestartAlways ||
		pc.StartRetries != -1 || !slices.Equal(pc.ExitCodes, []int{0, 2}) || pc.StopSignal != syscall.SIGINT ||
		pc.StopWaitSecs >= 0 || !pc.StopAsGroup || !pc.KillAsGroup || !pc.RedirectStderr || !pc.StdoutEvents ||
		pc.StdoutCaptureMaxBytes != 1024 || pc.Dir != "/etc/supervisor" || pc.StartSecs != time.Second ||
		!slices.Equal(pc.Env, []string{"A=x, y", "B=2"}) {
		t.Errorf("program settings %+v", pc)
	}
	pool := cfg.Pools[0]
	if !slices.Equal(pool.Events, []listener.EventType{listener.ProcessStateExited, listener.Tick60}) || pool.BufferSize != 50 ||
		!slices.Equal(pool.Command, []string{"crashmail", "-a"}) {
		t.Errorf("pool settings %+v", pool)
	}
	groups, err := cfg.resolve()
	must(t, err)
	var argvs []string
	for _, g := range groups {
		for _, p := range g.procs {
			argvs = append(argvs, p.name+" "+strings.Join(p.cfg.Command, "|"))
		}
	}
	want := []string{"mail crashmail|-a", "web_01 /usr/bin/server|--port=8001|--name|web web", "web_02 /usr/bin/server|--port=8002|--name|web web"}
	if !slices.Equal(argvs, want) {
		t.Errorf("commands %q, want %q", argvs, want)
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{"[program:x]\nautostart=true", "supervisord.conf:1: [program:x] has no command= line; add command="},
		{"[program:x]\ncommand=a\nautostart=maybe", "supervisord.conf:3: [program:x] autostart=maybe: not a valid boolean value: 'maybe'; write true or false"},
		{"[program:x]\ncommand='unterminated", `supervisord.conf:2: [program:x] command='unterminated: can't parse command "'unterminated": No closing quotation`},
		{"[eventlistener:x]\ncommand=a\nevents=TICK_5\nbuffer_size=0", "[eventlistener:x] buffer_size=0: an event buffer must hold at least 1 event"},
		{"[eventlistener:x]\ncommand=a\nevents=TICK_5,\n", "[eventlistener:x] events=TICK_5,: '' is not an event type"},
		{"[eventlistener:x]\ncommand=a\nevents=TICK_5\nresult_handler=mymod:handler", "cannot run in the harness"},
		{"[program:x]\ncommand=a\npriority=0", "priority=0 cannot be expressed"},
		{"[program:x]\ncommand=a %(nosuch)s", "[program:x] command=a %(nosuch)s: %(nosuch) cannot be expanded"},
		{"key=value", "supervisord.conf:1: 'key=value' comes before any [section] header"},
	} {
		_, err := ParseConfig(tt.text, "/")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseConfig(%q) = %v, want %q", tt.text, err, tt.want)
		}
	}
}

// What supervisord accepts, ParseConfig accepts: an indented key after a
// section header, an [include] relative to here, and each process's own
// expansions of directory=, environment= and the log files.
func TestParseConfigAsSupervisord(t *testing.T) {
	t.Parallel()
	here := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(here, "conf.d"), 0o755))
	must(t, os.WriteFile(filepath.Join(here, "conf.d", "web.conf"), []byte(`
[program:web]
  command=/bin/web --port=80%(process_num)02d
  process_name=web_%(process_num)d
  numprocs=2
  directory=%(here)s
  environment=PORT="80%(process_num)02d"
  stdout_logfile=%(here)s/web-%(process_num)d.log
`), 0o644))
	cfg, err := ParseConfig("[include]\nfiles = conf.d/*.conf\n", here)
	must(t, err)
	groups, err := cfg.resolve()
	must(t, err)
	var got []string
	for _, g := range groups {
		for _, p := range g.procs {
			got = append(got, fmt.Sprintf("%s %q %s %q %s", p.name, p.cfg.Command, p.cfg.Dir, p.cfg.Env, p.cfg.StdoutLogfile))
		}
	}
	dir := filepath.Join(here, "conf.d")
	want := []string{
		fmt.Sprintf(`web_0 ["/bin/web" "--port=8000"] %s ["PORT=8000"] %s/web-0.log`, dir, dir),
		fmt.Sprintf(`web_1 ["/bin/web" "--port=8001"] %s ["PORT=8001"] %s/web-1.log`, dir, dir),
	}
	if !slices.Equal(got, want) {
		t.Errorf("processes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The capture.sh configuration, read with ParseConfig, gives the same
// getAllConfigInfo as the real supervisord did, command lines included.
func TestParseConfigMatchesCapturedConfigInfo(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile("testdata/capture.conf")
	must(t, err)
	dir := t.TempDir()
	cfg, err := ParseConfig(string(text), dir)
	must(t, err)
	cfg.Dir = dir
	s, err := New(cfg)
	must(t, err)
	defer s.Close()
	// stubborn ignores SIGTERM (stopwaitsecs=3): stop it with SIGKILL so
	// that Close is quick.
	defer func() {
		stubborn := s.Process("stubborn")
		must(t, stubborn.Stop(testCtx(t), false))
		// NOT_RUNNING if SIGTERM arrived before the trap was set.
		_ = stubborn.Signal(syscall.SIGKILL)
		must(t, s.WaitProcessState(testCtx(t), "stubborn", listener.StateStopped))
	}()
	want := decodeResponseValue(t, readCaptured(t, "getAllConfigInfo").body).([]any)
	got := decodeResponseValue(t, post(t, s, rpcBody("supervisor.getAllConfigInfo")).body).([]any)
	if len(got) != len(want) {
		t.Fatalf("%d processes, supervisord %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i].(map[string]any), got[i].(map[string]any)
		for key, wv := range w {
			switch {
			case key == "stdout_logfile" || key == "stderr_logfile":
				continue // paths differ by design
			case key == "uid" && w["name"] == "nofile":
				continue // user=root is not emulated
			case key == "command" && w["name"] == "noexec":
				wv = strings.Replace(wv.(string), filepath.Dir(wv.(string)), dir, 1)
			}
			if gv := g[key]; fmtValue(gv) != fmtValue(wv) {
				t.Errorf("%v.%s = %v, supervisord %v", w["name"], key, gv, wv)
			}
		}
	}
}

func fmtValue(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestParseConfigCommandSetAfterwardsWins: the configuration a project
// deploys, with its listener replaced by another build and its programs
// made virtual, which is how supervisor-harness runs a listener.
func TestParseConfigCommandSetAfterwardsWins(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(`
[unix_http_server]
file=/tmp/unused.sock

[program:web]
command=/nonexistent/server --port=80%(process_num)02d
process_name=%(program_name)s_%(process_num)02d
numprocs=2

[eventlistener:mine]
command=/nonexistent/listener
events=PROCESS_STATE
`, t.TempDir())
	must(t, err)
	cfg.Programs[0].Command = nil
	cfg.Pools[0].Command = []string{"sleep", "1000"}
	s := Start(t, cfg)
	ctx := testCtx(t)
	for _, name := range []string{"web:web_00", "web:web_01", "mine"} {
		must(t, s.WaitProcessState(ctx, name, listener.StateRunning))
	}
	if pid := procOf(t, s, "mine").PID(); pid >= firstFakePID {
		t.Errorf("the listener has pid %d: not the real sleep", pid)
	}
	must(t, procOf(t, s, "web:web_01").Exit(1)) // only a virtual process can
	infos, err := s.Client().GetAllConfigInfo(ctx)
	must(t, err)
	commands := map[string]string{}
	for _, in := range infos {
		commands[in.Name] = in.Command
	}
	want := map[string]string{"web_00": "/nonexistent/server --port=8000", "web_01": "/nonexistent/server --port=8001", "mine": "sleep 1000"}
	for name, w := range want {
		if commands[name] != w {
			t.Errorf("getAllConfigInfo gives %s the command %q, want %q", name, commands[name], w)
		}
	}
}
