package rpc

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fixture is one HTTP response captured from supervisord 4.2.5 by
// testdata/capture.sh.
type fixture struct {
	status int
	header http.Header
	body   []byte
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "captured", name+".http"))
	if err != nil {
		t.Fatalf("fixture %s: %v (regenerate with testdata/capture.sh)", name, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return fixture{status: resp.StatusCode, header: resp.Header, body: body}
}

func (f fixture) write(w http.ResponseWriter) {
	for k, vs := range f.header {
		switch k {
		case "Content-Length", "Date", "Connection":
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(f.status)
	w.Write(f.body)
}

// request is what the fake server saw of one call.
type request struct {
	host       string
	method     string // the XML-RPC methodName
	params     string // the <params> element as sent, "" if none
	authHeader string
}

var (
	methodNameRE = regexp.MustCompile(`<methodName>([^<]*)</methodName>`)
	paramsRE     = regexp.MustCompile(`(?s)<params>.*</params>`)
)

// fakeServer is an HTTP server on a unix socket or TCP port that checks
// each request the way supervisord's handler would and answers through
// respond.
type fakeServer struct {
	t       testing.TB
	url     string
	respond func(w http.ResponseWriter, r request)
	conns   atomic.Int32 // connections accepted

	mu   sync.Mutex
	reqs []request
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/RPC2" {
		s.t.Errorf("request %s %s, want POST /RPC2", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/xml" {
		s.t.Errorf("Content-Type %q, want text/xml", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("reading request: %v", err)
	}
	req := request{host: r.Host, authHeader: r.Header.Get("Authorization")}
	if m := methodNameRE.FindSubmatch(body); m != nil {
		req.method = string(m[1])
	} else {
		s.t.Errorf("request without methodName: %s", body)
	}
	req.params = string(paramsRE.Find(body))
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	s.respond(w, req)
}

func (s *fakeServer) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

func (s *fakeServer) last() request {
	s.t.Helper()
	reqs := s.requests()
	if len(reqs) == 0 {
		s.t.Fatal("no request reached the server")
	}
	return reqs[len(reqs)-1]
}

// socketDir returns a directory short enough for a unix socket path,
// whatever the test's name.
func socketDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "rpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// serveUnix starts a fake server on a unix socket.
func serveUnix(t testing.TB, respond func(http.ResponseWriter, request)) *fakeServer {
	t.Helper()
	path := filepath.Join(socketDir(t), "s.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return start(t, l, "unix://"+path, respond)
}

// serveTCP starts a fake server on a loopback TCP port.
func serveTCP(t testing.TB, respond func(http.ResponseWriter, request)) *fakeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return start(t, l, "http://"+l.Addr().String(), respond)
}

func start(t testing.TB, l net.Listener, url string, respond func(http.ResponseWriter, request)) *fakeServer {
	s := &fakeServer{t: t, url: url, respond: respond}
	srv := &http.Server{
		Handler: s,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		},
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return s
}

// replay starts a unix-socket server answering every call with the named
// fixture, and a client for it.
func replay(t *testing.T, name string, opts ...Option) (*Client, *fakeServer) {
	t.Helper()
	f := loadFixture(t, name)
	s := serveUnix(t, func(w http.ResponseWriter, _ request) { f.write(w) })
	return newClient(t, s.url, opts...), s
}

func newClient(t testing.TB, url string, opts ...Option) *Client {
	t.Helper()
	c, err := New(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantCall checks the method and encoded parameters of the last request.
func wantCall(t *testing.T, s *fakeServer, method, params string) {
	t.Helper()
	got := s.last()
	if got.method != method {
		t.Errorf("method %q, want %q", got.method, method)
	}
	if got.params != params {
		t.Errorf("params\n got %s\nwant %s", got.params, params)
	}
	if got.host != "localhost" {
		t.Errorf("Host %q, want localhost over a unix socket", got.host)
	}
}

// Encoded parameters, as supervisord's parser reads them.
func pStr(s string) string { return "<param><value><string>" + s + "</string></value></param>" }
func pInt(n string) string { return "<param><value><int>" + n + "</int></value></param>" }
func pBool(b bool) string {
	if b {
		return "<param><value><boolean>1</boolean></value></param>"
	}
	return "<param><value><boolean>0</boolean></value></param>"
}
func params(ps ...string) string {
	out := "<params>"
	for _, p := range ps {
		out += p
	}
	return out + "</params>"
}
