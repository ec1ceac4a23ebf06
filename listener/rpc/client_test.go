package rpc

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestNewURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, endpoint, socket string
	}{
		{"unix:///var/run/supervisor.sock", "http://localhost/RPC2", "/var/run/supervisor.sock"},
		{"unix://relative.sock", "http://localhost/RPC2", "relative.sock"},
		{"http://127.0.0.1:9001", "http://127.0.0.1:9001/RPC2", ""},
		{"http://localhost", "http://localhost/RPC2", ""}, // net/http dials port 80
		{"http://example.com:9001/RPC2", "http://example.com:9001/RPC2", ""},
		{"https://example.com/some/path", "https://example.com/RPC2", ""},
	}
	for _, tt := range tests {
		c, err := New(tt.url)
		if err != nil {
			t.Errorf("New(%q): %v", tt.url, err)
			continue
		}
		if c.endpoint != tt.endpoint || c.socket != tt.socket || c.URL() != tt.url {
			t.Errorf("New(%q): endpoint %q socket %q url %q", tt.url, c.endpoint, c.socket, c.URL())
		}
		if c.timeout != DefaultTimeout || c.auth {
			t.Errorf("New(%q): timeout %v auth %v", tt.url, c.timeout, c.auth)
		}
	}
	for _, bad := range []string{"", "unix://", "tcp://host:1", "/var/run/supervisor.sock", "http://", "http://:9001x/"} {
		if _, err := New(bad); !errors.Is(err, ErrBadServerURL) {
			t.Errorf("New(%q) err = %v, want ErrBadServerURL", bad, err)
		}
	}
}

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestFromEnvLookup(t *testing.T) {
	t.Parallel()
	_, err := FromEnvLookup(lookupFrom(nil))
	if !errors.Is(err, ErrNoServerURL) {
		t.Fatalf("err = %v, want ErrNoServerURL", err)
	}
	for _, want := range []string{"SUPERVISOR_SERVER_URL", "[eventlistener:x]", "[unix_http_server]", "[inet_http_server]", "[rpcinterface:supervisor]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %s", err, want)
		}
	}
	if _, err := FromEnvLookup(lookupFrom(map[string]string{"SUPERVISOR_SERVER_URL": ""})); !errors.Is(err, ErrNoServerURL) {
		t.Errorf("empty URL: err = %v, want ErrNoServerURL", err)
	}
	_, err = FromEnvLookup(lookupFrom(map[string]string{"SUPERVISOR_SERVER_URL": "ftp://x"}))
	if !errors.Is(err, ErrBadServerURL) || !strings.Contains(err.Error(), "SUPERVISOR_SERVER_URL") {
		t.Errorf("bad URL: err = %v", err)
	}
}

// Credentials are sent only when SUPERVISOR_USERNAME is set, and options
// override the environment.
func TestFromEnvLookupAuth(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "getState")
	s := serveUnix(t, func(w http.ResponseWriter, _ request) { f.write(w) })
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	tests := []struct {
		env  map[string]string
		opts []Option
		want string
	}{
		{map[string]string{}, nil, ""},
		{map[string]string{"SUPERVISOR_PASSWORD": "p"}, nil, ""},
		{map[string]string{"SUPERVISOR_USERNAME": "user", "SUPERVISOR_PASSWORD": "p:w"}, nil, basic("user", "p:w")},
		{map[string]string{"SUPERVISOR_USERNAME": "user"}, nil, basic("user", "")},
		{map[string]string{"SUPERVISOR_USERNAME": "user"}, []Option{WithBasicAuth("other", "x")}, basic("other", "x")},
	}
	for _, tt := range tests {
		tt.env["SUPERVISOR_SERVER_URL"] = s.url
		c, err := FromEnvLookup(lookupFrom(tt.env), tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetState(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.last().authHeader; got != tt.want {
			t.Errorf("env %v: Authorization %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	s := serveUnix(t, func(w http.ResponseWriter, _ request) { loadFixture(t, "getIdentification").write(w) })
	t.Setenv("SUPERVISOR_SERVER_URL", s.url)
	t.Setenv("SUPERVISOR_USERNAME", "")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if id, err := c.GetIdentification(context.Background()); err != nil || id != "capture" {
		t.Errorf("GetIdentification = %q, %v", id, err)
	}
	t.Setenv("SUPERVISOR_SERVER_URL", "")
	if _, err := FromEnv(); !errors.Is(err, ErrNoServerURL) {
		t.Errorf("err = %v, want ErrNoServerURL", err)
	}
}

func TestTCP(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "getState_inet")
	s := serveTCP(t, func(w http.ResponseWriter, _ request) { f.write(w) })
	c := newClient(t, s.url+"/ignored/path", WithBasicAuth("user", "secret"))
	st, err := c.GetState(context.Background())
	if err != nil || st != SupervisorRunning {
		t.Fatalf("GetState = %v, %v", st, err)
	}
	req := s.last()
	if req.host != strings.TrimPrefix(s.url, "http://") {
		t.Errorf("Host %q, want %q", req.host, strings.TrimPrefix(s.url, "http://"))
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:secret")); req.authHeader != want {
		t.Errorf("Authorization %q, want %q", req.authHeader, want)
	}
}

// TestUnauthorized: a 401 says to set the credentials only when the client
// sent none; with credentials it names the user whose login was refused.
// Either way the line is short enough to read in a log.
func TestUnauthorized(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fixture   string
		opts      []Option
		want, not []string
	}{
		{"http_401_nocreds", nil, []string{"set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD", "environment="}, []string{"wrong"}},
		{"http_401_badcreds", []Option{WithBasicAuth("alice", "wrong")}, []string{`user "alice" or its password is wrong`, "SUPERVISOR_PASSWORD"}, []string{"set SUPERVISOR_USERNAME"}},
	} {
		cl, _ := replay(t, c.fixture, c.opts...)
		_, err := cl.GetState(context.Background())
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%s: err = %v, want ErrUnauthorized", c.fixture, err)
		}
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 401 || se.Method != "supervisor.getState" || se.URL != cl.URL() {
			t.Errorf("%s: %#v", c.fixture, se)
		}
		for _, want := range append(c.want, "401", cl.URL()) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: message %q does not mention %q", c.fixture, err, want)
			}
		}
		for _, not := range c.not {
			if strings.Contains(err.Error(), not) {
				t.Errorf("%s: message %q says %q", c.fixture, err, not)
			}
		}
		if n := len(err.Error()) - len(cl.URL()); n > 200 {
			t.Errorf("%s: message of %d characters besides the URL: %q", c.fixture, n, err)
		}
	}
}

func TestBadStatus(t *testing.T) {
	t.Parallel()
	for _, fixture := range []string{"http_400_get", "http_400_garbage", "readProcessStdoutLog_invalid_utf8"} {
		c, _ := replay(t, fixture)
		_, err := c.GetState(context.Background())
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("%s: err = %v, want a *StatusError", fixture, err)
		}
		if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: %v matches the wrong sentinel", fixture, err)
		}
		if !strings.Contains(err.Error(), se.Status) || !strings.HasPrefix(err.Error(), "supervisor.getState: ") {
			t.Errorf("%s: message %q", fixture, err)
		}
	}
	s := serveUnix(t, func(w http.ResponseWriter, _ request) { http.NotFound(w, nil) })
	_, err := newClient(t, s.url).GetState(context.Background())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 404 || !strings.Contains(err.Error(), "SUPERVISOR_SERVER_URL") {
		t.Errorf("404: err = %v", err)
	}
}

func TestMalformedResponses(t *testing.T) {
	t.Parallel()
	good := string(loadFixture(t, "getState").body)
	tests := map[string]string{
		"empty":     "",
		"html":      "<html><body>hello</body></html>",
		"truncated": good[:len(good)/2],
		"no value":  "<?xml version='1.0'?>\n<methodResponse>\n<params>\n</params>\n</methodResponse>\n",
		"bad int":   strings.Replace(good, "<int>1</int>", "<int>one</int>", 1),
		"bad utf8":  strings.Replace(good, "RUNNING", "RUN\xffNING", 1),
		"not xml":   "<methodResponse",
		"bad fault": "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct><member><name>faultCode</name><value><string>x</string></value></member></struct></value>\n</fault>\n</methodResponse>\n",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := serveUnix(t, func(w http.ResponseWriter, _ request) { w.Write([]byte(body)) })
			_, err := newClient(t, s.url).GetState(context.Background())
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
			if !strings.HasPrefix(err.Error(), "supervisor.getState: malformed XML-RPC response") {
				t.Errorf("message %q", err)
			}
		})
	}
	// A well-formed value of the wrong type is malformed too.
	c, _ := replay(t, "getState")
	if _, err := c.GetPID(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Errorf("struct for an int: err = %v, want ErrBadResponse", err)
	}
	if _, err := c.TailProcessStdoutLog(context.Background(), "x", 0, 1); !errors.Is(err, ErrBadResponse) {
		t.Errorf("struct for a tail: err = %v, want ErrBadResponse", err)
	}
	c, _ = replay(t, "getPID")
	if err := c.StartProcess(context.Background(), "x", false); !errors.Is(err, ErrBadResponse) {
		t.Errorf("int for a boolean: err = %v, want ErrBadResponse", err)
	}
	c, _ = replay(t, "methodSignature")
	if _, err := c.ReloadConfig(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Errorf("wrong shape for reloadConfig: err = %v, want ErrBadResponse", err)
	}
	s := serveUnix(t, func(w http.ResponseWriter, _ request) {
		w.Write([]byte("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><boolean>0</boolean></value>\n</param>\n</params>\n</methodResponse>\n"))
	})
	if err := newClient(t, s.url).Shutdown(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Errorf("false for shutdown: err = %v, want ErrBadResponse", err)
	}
}

func TestMissingSocket(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nothere.sock")
	_, err := newClient(t, "unix://"+path).GetState(context.Background())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("message %q does not name %s", err, path)
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	// A TCP port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	_, err = newClient(t, url).GetState(context.Background())
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("tcp: err = %v", err)
	}

	// A socket file left behind by a supervisord that died.
	path := filepath.Join(socketDir(t), "stale.sock")
	ul, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ul.(*net.UnixListener).SetUnlinkOnClose(false)
	ul.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	_, err = newClient(t, "unix://"+path).GetState(context.Background())
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "unix://"+path) {
		t.Errorf("stale socket: err = %v", err)
	}
}

// block answers only when released, to hold calls open.
func block(release <-chan struct{}, f fixture) func(http.ResponseWriter, request) {
	return func(w http.ResponseWriter, _ request) {
		<-release
		f.write(w)
	}
}

func TestContextCancel(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	s := serveUnix(t, block(release, loadFixture(t, "startProcess")))
	c := newClient(t, s.url)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.StartProcess(ctx, "slow", true) }()
	for len(s.requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "supervisor.startProcess") {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StartProcess ignored the cancelled context")
	}
}

func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	s := serveUnix(t, block(release, loadFixture(t, "getState")))
	c := newClient(t, s.url, WithTimeout(20*time.Millisecond))
	if _, err := c.GetState(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("non-waiting call without deadline: err = %v, want DeadlineExceeded", err)
	}
	// The default does not apply when the caller has a deadline.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	errc := make(chan error, 1)
	go func() { _, err := c.GetState(ctx); errc <- err }()
	select {
	case err := <-errc:
		t.Errorf("call with its own deadline returned early: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
}

// Waiting calls outlast the default timeout: supervisord holds them open
// until the process settles.
func TestWaitingCallsHaveNoDefaultTimeout(t *testing.T) {
	t.Parallel()
	calls := []struct {
		fixture string
		call    func(*Client) error
	}{
		{"startProcess", func(c *Client) error { return c.StartProcess(context.Background(), "x", true) }},
		{"stopProcess", func(c *Client) error { return c.StopProcess(context.Background(), "x", true) }},
		{"startProcessGroup", func(c *Client) error {
			_, err := c.StartProcessGroup(context.Background(), "web", true)
			return err
		}},
		{"stopProcessGroup", func(c *Client) error {
			_, err := c.StopAllProcesses(context.Background(), true)
			return err
		}},
		{"multicall", func(c *Client) error {
			_, err := c.Multicall(context.Background(), MethodCall{Method: "supervisor.getPID"}, MethodCall{Method: "supervisor.getProcessInfo"},
				MethodCall{Method: "supervisor.getState"}, MethodCall{Method: "supervisor.readLog"}, MethodCall{Method: "system.multicall"},
				MethodCall{Method: "supervisor.startProcess", Params: []any{"sleeper"}}, MethodCall{Method: "supervisor.stopProcess"})
			return err
		}},
	}
	for _, tt := range calls {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			f := loadFixture(t, tt.fixture)
			s := serveUnix(t, func(w http.ResponseWriter, _ request) {
				time.Sleep(150 * time.Millisecond)
				f.write(w)
			})
			if err := tt.call(newClient(t, s.url, WithTimeout(10*time.Millisecond))); err != nil {
				t.Errorf("err = %v, want the answer after the timeout", err)
			}
		})
	}
}

func TestWaits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method string
		args   []any
		want   bool
	}{
		{"supervisor.startProcess", []any{"x", true}, true},
		{"supervisor.startProcess", []any{"x"}, true},
		{"supervisor.startProcess", []any{"x", false}, false},
		{"supervisor.stopProcessGroup", []any{"x", false}, false},
		{"supervisor.startAllProcesses", []any{true}, true},
		{"supervisor.stopAllProcesses", nil, true},
		{"supervisor.clearAllProcessLogs", nil, true},
		{"system.multicall", []any{[]any{}}, true},
		{"supervisor.getState", nil, false},
		{"supervisor.signalProcess", []any{"x", "HUP"}, false},
	}
	for _, tt := range tests {
		if got := waits(tt.method, tt.args); got != tt.want {
			t.Errorf("waits(%s, %v) = %v, want %v", tt.method, tt.args, got, tt.want)
		}
	}
}

func TestKeepAliveAndConcurrency(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "getAllProcessInfo")
	s := serveUnix(t, func(w http.ResponseWriter, _ request) { f.write(w) })
	c := newClient(t, s.url)
	for range 10 {
		if _, err := c.GetAllProcessInfo(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("10 sequential calls opened %d connections, want 1", n)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			infos, err := c.GetAllProcessInfo(context.Background())
			if err == nil && len(infos) == 0 {
				err = errors.New("no processes")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestWithHTTPClient(t *testing.T) {
	t.Parallel()
	f := loadFixture(t, "getPID")
	s := serveTCP(t, func(w http.ResponseWriter, _ request) { f.write(w) })
	var used bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	if _, err := newClient(t, s.url, WithHTTPClient(hc)).GetPID(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !used {
		t.Error("the given HTTP client was not used")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCallEncodesArguments(t *testing.T) {
	t.Parallel()
	c, s := replay(t, "startProcess")
	var ok bool
	if err := c.Call(context.Background(), "supervisor.startProcess", &ok, "a<b>&c", false, 7); err != nil || !ok {
		t.Fatalf("Call = %v, %v", ok, err)
	}
	wantCall(t, s, "supervisor.startProcess", params(pStr("a&lt;b&gt;&amp;c"), pBool(false), pInt("7")))
	if err := c.Call(context.Background(), "supervisor.startProcess", &ok, make(chan int)); err == nil ||
		!strings.Contains(err.Error(), "encoding arguments") {
		t.Errorf("unencodable argument: err = %v", err)
	}
}
