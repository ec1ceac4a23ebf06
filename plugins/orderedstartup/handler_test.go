package orderedstartup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStartFaults drives a starter in the test process against the
// harness's XML-RPC server, for the faults startProcess can answer.
func TestStartFaults(t *testing.T) {
	t.Parallel()
	spawnFail := prog("spawnfail", 3)
	spawnFail.Command = []string{"true"}
	spawnFail.Dir = "/nonexistent/directory"
	spawnFail.StartRetries = -1
	nofile := prog("nofile", 4)
	nofile.Command = []string{"/nonexistent/program"}
	sup := testharness.Start(t, testharness.Config{RPC: true, BackoffUnit: 10 * time.Millisecond,
		Programs: []testharness.Program{prog("a", 1), prog("manual", 2), spawnFail, nofile, prog("after", 6)}})
	conn, err := rpc.New(sup.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := rig.Context(t)
	infos, err := conn.GetAllConfigInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// ghost was in supervisord when the plan was made and is gone now, as
	// after a supervisorctl update.
	infos = append(infos, ci("ghost", "ghost", 5, 5, false))
	opts, pools := confFrom(t, `
[program:a]
dependent_startup=true
[program:manual]
dependent_startup=true
dependent_startup_wait_for=a
[program:spawnfail]
dependent_startup=true
dependent_startup_wait_for=a
[program:nofile]
dependent_startup=true
dependent_startup_wait_for=a
[program:ghost]
dependent_startup=true
dependent_startup_wait_for=a
[program:after]
dependent_startup=true
dependent_startup_wait_for=nofile ghost spawnfail
`)
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf rig.Buffer
	var mu sync.Mutex
	var subjects []string
	s := newHandler(config{log: log.New(&buf), poll: 50 * time.Millisecond, onFailure: policyContinue}, plan, conn,
		func(_, subject, body string) { mu.Lock(); subjects = append(subjects, subject); mu.Unlock() })
	s.begin(ctx)
	waitState(t, sup, "a", listener.StateRunning)

	// Someone starts manual by hand between the starter's look at the
	// process states and its start: ALREADY_STARTED means carry on.
	if err := sup.Process("manual").Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.start(ctx, plan.programOf("manual"), time.Now())
	launched := s.progs[plan.programOf("manual")].launched
	s.mu.Unlock()
	if launched.IsZero() {
		t.Error("manual not counted as started after ALREADY_STARTED")
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.loop(runCtx)
	waitFor(t, "three failures", func() bool { return strings.Count(testkit.Levels(buf.String()), "ERRO ") >= 3 })
	waitFor(t, "startup to end", s.finished)
	out := testkit.Levels(buf.String())
	for _, want := range []string{
		"INFO manual was already started (ALREADY_STARTED): carrying on",
		"WARN spawnfail did not spawn (supervisor.startProcess: SPAWN_ERROR: spawnfail): supervisord retries it",
		"ERRO spawnfail entered FATAL (",
		"ERRO nofile could not be started: starting nofile: supervisor.startProcess: NO_FILE: can't find command '/nonexistent/program'",
		"ERRO ghost could not be started: starting ghost: supervisor.startProcess: BAD_NAME: ghost",
		"INFO starting after: nofile failed (--on-failure=continue), ghost failed (--on-failure=continue), spawnfail failed (--on-failure=continue)",
		"WARN startup finished; spawnfail, nofile, ghost did not get there (reported above)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	waitState(t, sup, "after", listener.StateRunning)
	mu.Lock()
	defer mu.Unlock()
	if len(subjects) < 3 {
		t.Errorf("notified %q", subjects)
	}
}

// TestNeverBusyDuringStart checks that starting a program does not hold
// the listener until the program is RUNNING: events keep being answered
// while it is STARTING.
func TestNeverBusyDuringStart(t *testing.T) {
	t.Parallel()
	slow := prog("slow", 2)
	slow.StartSecs = 2 * time.Second
	sc := scenario{
		programs: []testharness.Program{prog("init", 1), slow},
		keys:     map[string]string{"init": "startinorder=true\nstartnextafter=exited\n"},
	}
	sup := sc.start(t)
	waitState(t, sup, "init", listener.StateRunning)
	if err := sup.WaitListenerState(rig.Context(t), "startup", testharness.ListenerReady); err != nil {
		t.Fatal(err)
	}
	exit(t, sup, "init", 0) // the listener starts slow while handling this event
	waitState(t, sup, "slow", listener.StateStarting)
	serial, _ := sup.Tick(listener.Tick5)
	err := sup.WaitFor(rig.Context(t), "the tick answered", func(tr *testharness.Transcript) bool {
		for _, r := range tr.Results("startup") {
			if r.Serial == serial {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sup.Process("slow").State(); got != listener.StateStarting {
		t.Errorf("the tick was answered only once slow was %s", got)
	}
	waitState(t, sup, "slow", listener.StateRunning)
}

// TestPlanFlag runs --plan by hand against a supervisord: the plan goes to
// stdout and nothing is started.
func TestPlanFlag(t *testing.T) {
	t.Parallel()
	sc := seedScenario()
	sc.noStart = true
	sup := sc.start(t)
	conf := sc.writeConf(t)
	bin, err := exec.LookPath("ordered-startup")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--plan", conf)
	cmd.Env = append(os.Environ(), "SUPERVISOR_SERVER_URL="+sup.ServerURL(), "SUPERVISOR_GROUP_NAME=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	want := "# using " + conf + " (given on the command line) and the 0 file(s) it includes; supervisord at " + sup.ServerURL() + `
layer 1
  ping: started first; priority 100
layer 2
  sleep: started when ping reaches EXITED; priority 101
layer 3
  ping2: started when sleep reaches RUNNING; priority 200
layer 4
  ping3: started when ping2 reaches EXITED; priority 400
`
	if stdout.String() != want || stderr.Len() != 0 {
		t.Errorf("stdout:\n%s\nwant:\n%s\nstderr: %q", stdout.String(), want, stderr.String())
	}
	if got := starts(sup); len(got) != 1 || got[0] != "web" {
		t.Errorf("--plan started %v", got)
	}
}

// TestNotAListener: run by hand without --plan, the listener refuses to
// start anything.
func TestNotAListener(t *testing.T) {
	t.Parallel()
	sc := seedScenario()
	sc.noStart = true
	sup := sc.start(t)
	bin, _ := exec.LookPath("ordered-startup")
	cmd := exec.Command(bin, sc.writeConf(t)) // stdin is /dev/null
	cmd.Env = append(os.Environ(), "SUPERVISOR_SERVER_URL="+sup.ServerURL())
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 ||
		string(out) != "ordered-startup: standard input is not a pipe from supervisord: run ordered-startup from an [eventlistener:x] section (events=PROCESS_STATE,PROCESS_GROUP,TICK_5), or add --plan to see the start order\n" {
		t.Errorf("%v: %q", err, out)
	}
	if got := starts(sup); len(got) != 1 {
		t.Errorf("started %v", got)
	}
}

func TestConnect(t *testing.T) {
	t.Parallel()
	sup := testharness.Start(t, testharness.Config{RPC: true, Username: "admin", Password: "s3cret",
		Programs: []testharness.Program{prog("a", 1)}})
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return lookupIn(m)
	}
	conf := func(text string) *supervisorconf.Config {
		path := filepath.Join(t.TempDir(), "s.conf")
		os.WriteFile(path, []byte(text), 0o644)
		c, err := loadConf(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := rig.Context(t)
	unixConf := conf("[unix_http_server]\nfile=" + sup.SocketPath() + "\nusername=admin\npassword=s3cret\n")
	tests := []struct {
		name string
		conf *supervisorconf.Config
		env  func(string) (string, bool)
		url  string
		ok   bool
	}{
		{"URL from supervisord, credentials from the matching server section", unixConf, env("SUPERVISOR_SERVER_URL", sup.ServerURL()), sup.ServerURL(), true},
		{"credentials in the environment win", unixConf, env("SUPERVISOR_SERVER_URL", sup.ServerURL(), "SUPERVISOR_USERNAME", "admin", "SUPERVISOR_PASSWORD", "wrong"), sup.ServerURL(), false},
		{"no URL: [unix_http_server]", unixConf, env(), "unix://" + sup.SocketPath(), true},
		{"no URL: [supervisorctl] first", conf("[supervisorctl]\nserverurl=unix://" + sup.SocketPath() + "\nusername=admin\npassword=s3cret\n[inet_http_server]\nport=127.0.0.1:1\n"), env(), "unix://" + sup.SocketPath(), true},
		{"a {SHA} password cannot be sent", conf("[unix_http_server]\nfile=" + sup.SocketPath() + "\nusername=admin\npassword={SHA}abc\n"), env("SUPERVISOR_SERVER_URL", sup.ServerURL()), sup.ServerURL(), false},
		{"another server's credentials are not sent", conf("[unix_http_server]\nfile=/elsewhere.sock\nusername=admin\npassword=s3cret\n"), env("SUPERVISOR_SERVER_URL", sup.ServerURL()), sup.ServerURL(), false},
	}
	for _, tt := range tests {
		c, err := connect(tt.conf, tt.env)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if c.URL() != tt.url {
			t.Errorf("%s: URL %s, want %s", tt.name, c.URL(), tt.url)
		}
		_, err = c.GetAllProcessInfo(ctx)
		if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, rpc.ErrUnauthorized)) {
			t.Errorf("%s: call error %v", tt.name, err)
		}
	}
	c, err := connect(conf("[inet_http_server]\nport=*:9001\n"), env())
	if err != nil || c.URL() != "http://localhost:9001" {
		t.Errorf("inet: %v %v", c, err)
	}
	if _, err := connect(conf("[program:x]\n"), env()); !errors.Is(err, rpc.ErrNoServerURL) {
		t.Errorf("no server: %v", err)
	}
}

func TestMailer(t *testing.T) {
	t.Parallel()
	sendmail, dir := fakeSendmail(t)
	sender, err := newSendmail(sendmail)
	if err != nil {
		t.Fatal(err)
	}
	var buf rig.Buffer
	ob := outbox.Config{Dir: t.TempDir(), Retry: retry.Policy{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}}
	m, err := newReportMailer(&mailcli.Delivery{Sender: sender, To: []string{"ops@example.com"}}, ob, "ordered-startup on host: ", testRetry(), log.New(&buf))
	if err != nil {
		t.Fatal(err)
	}
	// notify never blocks on the mail server, and drops nothing.
	const n = 60
	for i := range n {
		m.notify("problem/"+strconv.Itoa(i), "problem", strings.Repeat("x", i))
	}
	got := mails(t, dir, n)
	if !strings.Contains(got[0], "Subject: ordered-startup on host: problem\n") || !strings.Contains(got[0], "To: ops@example.com\n") {
		t.Errorf("mail:\n%s", got[0])
	}
	m.close(20 * time.Second)

	// A report the mail server does not take waits in the outbox.
	failing, _ := newSendmail("exit 1")
	m, err = newReportMailer(&mailcli.Delivery{Sender: failing, To: []string{"ops@example.com"}}, ob, "", testRetry(), log.New(&buf))
	if err != nil {
		t.Fatal(err)
	}
	m.notify("kept", "kept", "body")
	m.close(20 * time.Second)
	if !strings.Contains(testkit.Levels(buf.String()), `WARN 1 notification(s) for ops@example.com left undelivered in `) {
		t.Errorf("log %q", testkit.Levels(buf.String()))
	}
}

func newSendmail(command string) (*mail.Sendmail, error) { return mail.NewSendmail(command) }

func testRetry() retry.Policy {
	return retry.Policy{MaxAttempts: 2, Initial: 10 * time.Millisecond, Jitter: retry.NoJitter}
}

// TestSupervisordUnreachable: while supervisord cannot be reached the
// starter says so once and keeps trying; once it answers, startup goes on.
func TestSupervisordUnreachable(t *testing.T) {
	t.Parallel()
	sup := testharness.Start(t, testharness.Config{RPC: true, Programs: []testharness.Program{prog("a", 1)}})
	direct, err := rpc.New(sup.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := rig.Context(t)
	infos, err := direct.GetAllConfigInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts, pools := confFrom(t, "[program:a]\nautostart=false\ndependent_startup=true\n")
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "later.sock")
	conn, err := rpc.New("unix://" + path)
	if err != nil {
		t.Fatal(err)
	}
	var buf rig.Buffer
	s := newHandler(config{log: log.New(&buf), poll: 20 * time.Millisecond, callTimeout: 100 * time.Millisecond}, plan, conn, nil)
	s.begin(ctx)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.loop(runCtx)
	time.Sleep(300 * time.Millisecond)
	if n := strings.Count(testkit.Levels(buf.String()), "ERRO cannot read the process states: "); n != 1 {
		t.Fatalf("%d reports of the unreachable supervisord, want 1:\n%s", n, testkit.Levels(buf.String()))
	}
	if sup.Process("a").State() != listener.StateStopped {
		t.Fatal("started a without knowing the process states")
	}
	// supervisord comes back at the address the starter uses.
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("unix", sup.SocketPath())
			if err != nil {
				c.Close()
				return
			}
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	waitState(t, sup, "a", listener.StateRunning)
	waitFor(t, "startup to end", s.finished)
	if !strings.Contains(testkit.Levels(buf.String()), "INFO starting a: it waits for nothing") {
		t.Errorf("log:\n%s", testkit.Levels(buf.String()))
	}
}

// TestSupervisordShuttingDown: once supervisord is shutting down, the
// starter says so and stops acting.
func TestSupervisordShuttingDown(t *testing.T) {
	t.Parallel()
	sup := testharness.Start(t, testharness.Config{RPC: true, Programs: []testharness.Program{prog("a", 1), prog("b", 2)}})
	conn, err := rpc.New(sup.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := rig.Context(t)
	infos, err := conn.GetAllConfigInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts, pools := confFrom(t, "[program:a]\nstartinorder=true\nstartnextafter=exited\n[program:b]\n")
	plan, err := newStartPlan(opts, pools, infos, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf rig.Buffer
	s := newHandler(config{log: log.New(&buf), poll: 20 * time.Millisecond}, plan, conn, nil)
	s.begin(ctx)
	waitState(t, sup, "a", listener.StateRunning)
	ran := make(chan struct{})
	go func() { s.loop(ctx); close(ran) }()
	if err := conn.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
	case <-ctx.Done():
		t.Fatal("Run did not return after supervisord began shutting down")
	}
	if n := strings.Count(testkit.Levels(buf.String()), "INFO supervisord is shutting down: nothing more to start"); n != 1 {
		t.Errorf("log:\n%s", testkit.Levels(buf.String()))
	}
	if strings.Contains(testkit.Levels(buf.String()), "ERRO") {
		t.Errorf("shutdown reported as an error:\n%s", testkit.Levels(buf.String()))
	}
}

// A malformed PROCESS_STATE event gets the one line every plugin writes for
// it, and is acknowledged.
func TestMalformedEventIsLogged(t *testing.T) {
	t.Parallel()
	sc := scenario{programs: []testharness.Program{prog("init", 1)}, keys: map[string]string{"init": "startinorder=true\n"}}
	sup := sc.start(t)
	waitState(t, sup, "init", listener.StateRunning)
	if err := sup.WaitListenerState(rig.Context(t), "startup", testharness.ListenerReady); err != nil {
		t.Fatal(err)
	}
	sup.Notify(testharness.NewRawEvent(listener.ProcessStateExited, "garbage"))
	waitLog(t, sup, `WARN ignoring a malformed PROCESS_STATE_EXITED event \(serial \d+\): token without a colon, in payload "garbage"`)
	if err := sup.WaitIdle(rig.Context(t)); err != nil {
		t.Fatal(err)
	}
	for _, r := range sup.Transcript().Results("startup") {
		if r.Body != "OK" {
			t.Errorf("result %+v, want every event acknowledged", r)
		}
	}
}
