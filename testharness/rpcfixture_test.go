package testharness

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	kolo "github.com/kolo/xmlrpc"

	"github.com/golance/golance/listener"
)

// capturedDir holds real supervisord 4.2.5 responses, recorded by
// listener/rpc/testdata/capture.sh. TestRPCMatchesCapturedSupervisord
// replays the same calls against the same configuration on the harness.
const capturedDir = "../listener/rpc/testdata/captured"

// captureConfig mirrors the configuration in capture.sh.
func captureConfig(dir string) Config {
	sleep := []string{"sleep", "1000"}
	return Config{
		Identifier: "capture",
		RPC:        true,
		Groups:     []Group{{Name: "mixed", Programs: []string{"mixok", "mixbad"}}},
		Programs: []Program{
			{Name: "cat", ProcessConfig: ProcessConfig{Command: []string{"cat"}}},
			{Name: "talker", ProcessConfig: ProcessConfig{Command: []string{"sh", "-c", `echo "out line"; echo "err line" >&2; exec sleep 1000`}}},
			{Name: "esc", ProcessConfig: ProcessConfig{Command: []string{"printf", `plain \033[31mred\033[0m bell\007 cr\r\nend\n`}, Autorestart: RestartNever}},
			{Name: "binary", ProcessConfig: ProcessConfig{Command: []string{"printf", `bad \377\376 utf8\n`}, Autorestart: RestartNever}},
			{Name: "sleeper", ProcessConfig: ProcessConfig{Command: sleep, NoAutostart: true}},
			{Name: "web", ProcessConfig: ProcessConfig{Command: sleep, NoAutostart: true, NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d"}},
			{Name: "quick", ProcessConfig: ProcessConfig{Command: []string{"/bin/false"}, NoAutostart: true, StartSecs: time.Second, StartRetries: -1}},
			{Name: "slowstart", ProcessConfig: ProcessConfig{Command: sleep, NoAutostart: true, StartSecs: 30 * time.Second}},
			{Name: "nofile", ProcessConfig: ProcessConfig{Command: []string{"/nonexistent/program"}, NoAutostart: true, StartSecs: time.Second,
				Dir: "/tmp", ServerURL: "http://127.0.0.1:9001", ExitCodes: []int{0, 2}, StopSignal: syscall.SIGINT}},
			{Name: "noexec", ProcessConfig: ProcessConfig{Command: []string{filepath.Join(dir, "notexec")}, NoAutostart: true, StartSecs: time.Second}},
			{Name: "nolog", ProcessConfig: ProcessConfig{Command: sleep, NoAutostart: true, StartSecs: time.Second, StdoutLogfile: "NONE"}},
			{Name: "mixok", ProcessConfig: ProcessConfig{Command: sleep, NoAutostart: true}},
			{Name: "mixbad", ProcessConfig: ProcessConfig{Command: []string{"/nonexistent/program"}, NoAutostart: true, StartSecs: time.Second}},
		},
	}
}

// rpcBody builds a methodCall the way capture.sh does.
func rpcBody(method string, params ...string) string {
	return `<?xml version="1.0"?>` + "\n<methodCall><methodName>" + method + "</methodName><params>" + strings.Join(params, "") + "</params></methodCall>"
}

func ps(s string) string { return "<param><value><string>" + s + "</string></value></param>" }
func pi(n int) string    { return fmt.Sprintf("<param><value><int>%d</int></value></param>", n) }
func pb(b int) string    { return fmt.Sprintf("<param><value><boolean>%d</boolean></value></param>", b) }
func vs(s string) string { return "<value><string>" + s + "</string></value>" }
func vi(n int) string    { return fmt.Sprintf("<value><int>%d</int></value>", n) }
func vb(b int) string    { return fmt.Sprintf("<value><boolean>%d</boolean></value>", b) }
func mc(method string, params ...string) string {
	return "<value><struct><member><name>methodName</name><value><string>" + method +
		"</string></value></member><member><name>params</name><value><array><data>" + strings.Join(params, "") +
		"</data></array></value></member></struct></value>"
}

type httpReply struct {
	status      int
	contentType string
	body        string
}

// post sends body to the harness's RPC server.
func post(t *testing.T, s *Supervisor, body string) httpReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://localhost/RPC2", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml")
	return do(t, s.HTTPClient(), req)
}

func do(t *testing.T, c *http.Client, req *http.Request) httpReply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpReply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// readCaptured parses one curl -i recording.
func readCaptured(t *testing.T, name string) httpReply {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(capturedDir, name+".http"))
	if err != nil {
		t.Fatalf("the captured supervisord responses are missing (%v); they come from listener/rpc/testdata/capture.sh", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpReply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// What legitimately differs between two runs: times, pids, log paths.
// A pid is recognised by where it stands, not by its number of digits:
// Linux hands out pids from 300 up to pid_max (32768 by default), so any
// width is possible. It is the value of a "pid" member, getPID's answer
// (the one bare int of a response) or the first result of the multicall
// that starts with getPID.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`<int>1\d{9}</int>`), "<int>TIME</int>"},
	{regexp.MustCompile(`(<name>pid</name>\n<value>)<int>[1-9]\d*</int>`), "${1}<int>PID</int>"},
	{regexp.MustCompile(`(<param>\n<value>)<int>[1-9]\d*</int>(</value>\n</param>)`), "${1}<int>PID</int>${2}"},
	{regexp.MustCompile(`(<array><data>\n<value>)<int>[1-9]\d*</int>`), "${1}<int>PID</int>"},
	{regexp.MustCompile(`<string>/[^<]*\.log</string>`), "<string>LOGFILE</string>"},
	{regexp.MustCompile(`pid \d+, uptime \d+:\d\d:\d\d`), "pid PID, uptime UPTIME"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`), "DATE"},
	{regexp.MustCompile(`command at '[^']*/notexec'`), "command at 'DIR/notexec'"},
}

func normalize(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

func TestRPCMatchesCapturedSupervisord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "notexec"), []byte("not executable\n"), 0o644))
	s := Start(t, captureConfig(dir))
	ctx := testCtx(t)
	for _, name := range []string{"talker", "cat"} {
		must(t, s.WaitProcessState(ctx, name, listener.StateRunning))
	}
	for _, name := range []string{"esc", "binary"} {
		must(t, s.WaitProcessState(ctx, name, listener.StateExited))
	}
	// talker's output arrives asynchronously; wait for both lines.
	must(t, s.waitUntil(ctx, "talker's output", func() bool {
		st, _ := os.Stat(s.procs["talker"].logPath(Stdout))
		se, _ := os.Stat(s.procs["talker"].logPath(Stderr))
		return st != nil && se != nil && st.Size() == 9 && se.Size() == 9
	}))

	check := func(name, body string) {
		t.Helper()
		want := readCaptured(t, name)
		got := post(t, s, body)
		if got.status != want.status || got.contentType != want.contentType {
			t.Errorf("%s: HTTP %d %s, supervisord %d %s", name, got.status, got.contentType, want.status, want.contentType)
		}
		if g, w := normalize(got.body), normalize(want.body); g != w {
			t.Errorf("%s: body differs from supervisord's\n--- harness\n%s\n--- supervisord\n%s", name, g, w)
		}
	}
	state := func(name string, st listener.State) {
		t.Helper()
		must(t, s.WaitProcessState(ctx, name, st))
	}

	check("getState", rpcBody("supervisor.getState"))
	check("getIdentification", rpcBody("supervisor.getIdentification"))
	check("getSupervisorVersion", rpcBody("supervisor.getSupervisorVersion"))
	check("getAPIVersion", rpcBody("supervisor.getAPIVersion"))
	check("getPID", rpcBody("supervisor.getPID"))
	check("getProcessInfo_running", rpcBody("supervisor.getProcessInfo", ps("cat")))
	check("getProcessInfo_notstarted", rpcBody("supervisor.getProcessInfo", ps("sleeper")))
	check("getProcessInfo_exited", rpcBody("supervisor.getProcessInfo", ps("esc")))

	check("startProcess", rpcBody("supervisor.startProcess", ps("sleeper"), pb(1)))
	check("fault_ALREADY_STARTED", rpcBody("supervisor.startProcess", ps("sleeper"), pb(1)))
	check("stopProcess", rpcBody("supervisor.stopProcess", ps("sleeper"), pb(1)))
	check("fault_NOT_RUNNING", rpcBody("supervisor.stopProcess", ps("sleeper"), pb(1)))
	check("getProcessInfo_stopped", rpcBody("supervisor.getProcessInfo", ps("sleeper")))
	check("startProcess_nowait", rpcBody("supervisor.startProcess", ps("sleeper"), pb(0)))
	check("stopProcess_nowait", rpcBody("supervisor.stopProcess", ps("sleeper"), pb(0)))
	state("sleeper", listener.StateStopped)

	check("startProcessGroup", rpcBody("supervisor.startProcessGroup", ps("web"), pb(1)))
	check("signalProcessGroup", rpcBody("supervisor.signalProcessGroup", ps("web"), ps("CONT")))
	check("stopProcessGroup", rpcBody("supervisor.stopProcessGroup", ps("web"), pb(1)))
	check("startProcessGroup_mixed", rpcBody("supervisor.startProcessGroup", ps("mixed"), pb(1)))
	check("signalProcessGroup_badsignal", rpcBody("supervisor.signalProcessGroup", ps("mixed"), ps("NOPE")))
	check("stopProcessGroup_mixed", rpcBody("supervisor.stopProcessGroup", ps("mixed"), pb(1)))
	check("startProcess_groupstar", rpcBody("supervisor.startProcess", ps("mixed:*"), pb(1)))
	check("stopProcess_groupstar", rpcBody("supervisor.stopProcess", ps("mixed:*"), pb(1)))
	check("signalProcess", rpcBody("supervisor.signalProcess", ps("cat"), ps("CONT")))
	check("fault_BAD_SIGNAL", rpcBody("supervisor.signalProcess", ps("cat"), ps("NOPE")))
	check("fault_NOT_RUNNING_signal", rpcBody("supervisor.signalProcess", ps("sleeper"), ps("HUP")))
	check("fault_BAD_NAME", rpcBody("supervisor.startProcess", ps("nope"), pb(1)))
	check("fault_NO_FILE", rpcBody("supervisor.startProcess", ps("nofile"), pb(1)))
	check("fault_NOT_EXECUTABLE", rpcBody("supervisor.startProcess", ps("noexec"), pb(1)))
	check("fault_SPAWN_ERROR", rpcBody("supervisor.startProcess", ps("quick"), pb(1)))
	state("quick", listener.StateFatal)
	check("getProcessInfo_fatal", rpcBody("supervisor.getProcessInfo", ps("quick")))

	// ABNORMAL_TERMINATION: stop a process while a waiting start holds on it.
	waiter := make(chan httpReply, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://localhost/RPC2", strings.NewReader(rpcBody("supervisor.startProcess", ps("slowstart"), pb(1))))
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			waiter <- httpReply{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		waiter <- httpReply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
	}()
	state("slowstart", listener.StateStarting)
	post(t, s, rpcBody("supervisor.stopProcess", ps("slowstart"), pb(0)))
	if got, want := <-waiter, readCaptured(t, "fault_ABNORMAL_TERMINATION"); normalize(got.body) != normalize(want.body) {
		t.Errorf("fault_ABNORMAL_TERMINATION:\n%s\nsupervisord:\n%s", got.body, want.body)
	}

	check("tailProcessStdoutLog", rpcBody("supervisor.tailProcessStdoutLog", ps("talker"), pi(0), pi(100)))
	check("tailProcessStdoutLog_overflow", rpcBody("supervisor.tailProcessStdoutLog", ps("talker"), pi(0), pi(3)))
	check("tailProcessStderrLog", rpcBody("supervisor.tailProcessStderrLog", ps("talker"), pi(0), pi(100)))
	check("tailProcessStdoutLog_empty", rpcBody("supervisor.tailProcessStdoutLog", ps("talker"), pi(9), pi(100)))
	check("tailProcessStdoutLog_control", rpcBody("supervisor.tailProcessStdoutLog", ps("esc"), pi(0), pi(1000)))
	check("readProcessStdoutLog", rpcBody("supervisor.readProcessStdoutLog", ps("talker"), pi(0), pi(0)))
	check("readProcessStderrLog", rpcBody("supervisor.readProcessStderrLog", ps("talker"), pi(0), pi(0)))
	check("readProcessStdoutLog_control", rpcBody("supervisor.readProcessStdoutLog", ps("esc"), pi(0), pi(0)))
	check("readProcessStdoutLog_invalid_utf8", rpcBody("supervisor.readProcessStdoutLog", ps("binary"), pi(0), pi(0)))
	check("fault_NO_FILE_log", rpcBody("supervisor.readProcessStdoutLog", ps("nolog"), pi(0), pi(0)))
	check("fault_BAD_ARGUMENTS", rpcBody("supervisor.readLog", pi(-1), pi(5)))

	check("sendProcessStdin", rpcBody("supervisor.sendProcessStdin", ps("cat"), ps("hello é")))
	check("fault_NOT_RUNNING_stdin", rpcBody("supervisor.sendProcessStdin", ps("sleeper"), ps("x")))
	check("sendRemoteCommEvent", rpcBody("supervisor.sendRemoteCommEvent", ps("mytype"), ps("payload ü")))
	check("clearProcessLogs", rpcBody("supervisor.clearProcessLogs", ps("talker")))

	check("listMethods", rpcBody("system.listMethods"))
	check("methodSignature", rpcBody("system.methodSignature", ps("supervisor.getProcessInfo")))
	check("fault_SIGNATURE_UNSUPPORTED", rpcBody("system.methodHelp", ps("supervisor.nope")))
	check("fault_UNKNOWN_METHOD", rpcBody("supervisor.nope"))
	check("fault_INCORRECT_PARAMETERS", rpcBody("supervisor.getProcessInfo"))
	check("fault_ALREADY_ADDED", rpcBody("supervisor.addProcessGroup", ps("cat")))
	check("fault_STILL_RUNNING", rpcBody("supervisor.removeProcessGroup", ps("cat")))

	check("multicall", rpcBody("system.multicall", "<param><value><array><data>"+
		mc("supervisor.getPID")+mc("supervisor.getProcessInfo", vs("nope"))+mc("supervisor.getState")+
		mc("supervisor.readLog", vs("abc"), vi(0))+mc("system.multicall")+
		mc("supervisor.startProcess", vs("sleeper"), vb(1))+mc("supervisor.stopProcess", vs("sleeper"), vb(1))+
		"</data></array></value></param>"))

	for _, raw := range []struct {
		name, method, body string
	}{
		{"http_400_get", http.MethodGet, ""},
		{"http_400_garbage", http.MethodPost, "this is not xml"},
	} {
		req, _ := http.NewRequest(raw.method, "http://localhost/RPC2", strings.NewReader(raw.body))
		got, want := do(t, s.HTTPClient(), req), readCaptured(t, raw.name)
		if got.status != want.status || got.body != want.body || got.contentType != want.contentType {
			t.Errorf("%s: %d %q %q; supervisord %d %q %q", raw.name, got.status, got.contentType, got.body, want.status, want.contentType, want.body)
		}
	}

	check("restart", rpcBody("supervisor.restart"))
	for _, name := range []string{"cat", "talker"} {
		state(name, listener.StateRunning)
	}
	check("shutdown", rpcBody("supervisor.shutdown"))
	check("fault_SHUTDOWN_STATE", rpcBody("supervisor.getState"))
}

func TestRPCBasicAuthMatchesCapturedSupervisord(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{RPC: true, Username: "user", Password: "secret"})
	for _, tt := range []struct {
		name       string
		user, pass string
	}{
		{"http_401_nocreds", "", ""},
		{"http_401_badcreds", "user", "wrong"},
		{"getState_inet", "user", "secret"},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://localhost/RPC2", strings.NewReader(rpcBody("supervisor.getState")))
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.pass)
		}
		got, want := do(t, s.HTTPClient(), req), readCaptured(t, tt.name)
		if got.status != want.status || got.body != want.body || got.contentType != want.contentType {
			t.Errorf("%s: %d %q %q; supervisord %d %q %q", tt.name, got.status, got.contentType, got.body, want.status, want.contentType, want.body)
		}
	}
}

// decodeResponseValue decodes the value of a methodResponse.
func decodeResponseValue(t *testing.T, body string) any {
	t.Helper()
	var v any
	if err := kolo.Response(body).Unmarshal(&v); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return v
}

// getAllConfigInfo reports each process with the same fields, of the same
// types, and the same values where the configurations agree.
func TestRPCConfigInfoMatchesCapturedSupervisord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "notexec"), []byte("not executable\n"), 0o644))
	s := Start(t, captureConfig(dir))
	want := decodeResponseValue(t, readCaptured(t, "getAllConfigInfo").body).([]any)
	got := decodeResponseValue(t, post(t, s, rpcBody("supervisor.getAllConfigInfo")).body).([]any)
	byName := func(list []any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, e := range list {
			m := e.(map[string]any)
			out[m["name"].(string)] = m
		}
		return out
	}
	var names []string
	for _, e := range want {
		names = append(names, e.(map[string]any)["name"].(string))
	}
	var gotNames []string
	for _, e := range got {
		gotNames = append(gotNames, e.(map[string]any)["name"].(string))
	}
	// capture.sh adds stubborn, which this configuration leaves out.
	wantNames := slicesWithout(names, "stubborn")
	if strings.Join(gotNames, ",") != strings.Join(wantNames, ",") {
		t.Fatalf("names %v, supervisord %v", gotNames, wantNames)
	}
	w, g := byName(want), byName(got)
	for _, name := range wantNames {
		for key, wv := range w[name] {
			if name == "nofile" && key == "uid" {
				continue // capture.sh sets user=root, which the harness does not emulate
			}
			gv, ok := g[name][key]
			if !ok {
				t.Errorf("%s: no %s", name, key)
				continue
			}
			if fmt.Sprintf("%T", gv) != fmt.Sprintf("%T", wv) {
				t.Errorf("%s.%s is %T, supervisord sends %T", name, key, gv, wv)
				continue
			}
			switch key {
			case "command", "stdout_logfile", "stderr_logfile":
				continue // argv rendering and paths differ by design
			}
			if fmt.Sprint(gv) != fmt.Sprint(wv) {
				t.Errorf("%s.%s = %v, supervisord %v", name, key, gv, wv)
			}
		}
		if len(g[name]) != len(w[name]) {
			t.Errorf("%s has %d fields, supervisord %d", name, len(g[name]), len(w[name]))
		}
	}
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, x := range s {
		if x != drop {
			out = append(out, x)
		}
	}
	return out
}

// TestNormalizeRecognisesPIDsOfAnyWidth guards the normalizers: a pid
// below 1000 (Linux wraps to 300) is still a pid, and the ints around
// one (states, exit statuses, a stopped process's pid 0) are not.
func TestNormalizeRecognisesPIDsOfAnyWidth(t *testing.T) {
	t.Parallel()
	info := func(pid, state int) string {
		return fmt.Sprintf("<member>\n<name>state</name>\n<value><int>%d</int></value>\n</member>\n<member>\n<name>pid</name>\n<value><int>%d</int></value>\n</member>", state, pid)
	}
	getPID := func(pid int) string {
		return fmt.Sprintf("<params>\n<param>\n<value><int>%d</int></value>\n</param>\n</params>", pid)
	}
	multicall := func(pid int) string {
		return fmt.Sprintf("<value><array><data>\n<value><int>%d</int></value>\n<value><int>10</int></value>", pid)
	}
	for _, tt := range []struct {
		name string
		a, b string
		same bool
	}{
		{"a three-digit pid member", info(412, 20), info(15719, 20), true},
		{"an eight-digit pid member", info(41940000, 20), info(15719, 20), true},
		{"a stopped process's pid 0 is kept", info(0, 0), info(15719, 0), false},
		{"the state beside the pid is kept", info(412, 20), info(412, 10), false},
		{"getPID's answer, three digits", getPID(301), getPID(15669), true},
		{"multicall's getPID result", multicall(999), multicall(15669), true},
	} {
		if got := normalize(tt.a) == normalize(tt.b); got != tt.same {
			t.Errorf("%s: normalized alike = %t, want %t\n%s\n%s", tt.name, got, tt.same, normalize(tt.a), normalize(tt.b))
		}
	}
}
