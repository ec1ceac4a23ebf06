package testharness

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/internal/xmlrpc"
)

// SupervisorVersion is what the fake server reports as supervisord's
// version: the release whose behaviour the harness reproduces.
const SupervisorVersion = "4.2.5"

// rpcServer is the fake supervisord XML-RPC endpoint on a unix socket.
type rpcServer struct {
	s    *Supervisor
	dir  string
	path string
	ln   net.Listener
	srv  *http.Server
}

// startRPC opens the socket and serves on it.
func (s *Supervisor) startRPC() error {
	// A short directory of its own: sun_path holds about 100 bytes and a
	// test's TempDir is often longer.
	dir, err := os.MkdirTemp("", "gsv")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "supervisor.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	rs := &rpcServer{s: s, dir: dir, path: path, ln: ln}
	rs.srv = &http.Server{Handler: rs, ReadHeaderTimeout: 10 * time.Second, ConnContext: connContext}
	s.rpc = rs
	s.serverURL = "unix://" + path
	s.goroutine(func() { _ = rs.srv.Serve(ln) })
	return nil
}

func (rs *rpcServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rs.srv.Shutdown(ctx); err != nil {
		_ = rs.srv.Close()
	}
	_ = os.RemoveAll(rs.dir)
}

// ServerURL returns the URL children get in SUPERVISOR_SERVER_URL
// ("unix:///tmp/.../supervisor.sock"), or "" without Config.RPC.
func (s *Supervisor) ServerURL() string { return s.serverURL }

// SocketPath returns the path of the RPC server's unix socket, or "".
func (s *Supervisor) SocketPath() string {
	if s.rpc == nil {
		return ""
	}
	return s.rpc.path
}

// Client returns a listener/rpc client for the fake server (nil without
// Config.RPC), with the configured credentials.
func (s *Supervisor) Client() *rpc.Client {
	if s.rpc == nil {
		return nil
	}
	var opts []rpc.Option
	if s.cfg.Username != "" || s.cfg.Password != "" {
		opts = append(opts, rpc.WithBasicAuth(s.cfg.Username, s.cfg.Password))
	}
	c, err := rpc.New(s.serverURL, opts...)
	if err != nil {
		// The URL is the harness's own unix:// URL, which rpc.New accepts.
		panic(err)
	}
	return c
}

// HTTPClient returns an http.Client that reaches the RPC server whatever
// host the URL names: post to "http://localhost/RPC2".
func (s *Supervisor) HTTPClient() *http.Client {
	path := s.SocketPath()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

// ServeHTTP answers like supervisord's HTTP server: paths outside /RPC2
// are not found, wrong credentials get 401, anything but POST gets 400,
// and a request that does not parse or names no method gets 400.
func (rs *rpcServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/RPC2") {
		httpError(w, http.StatusNotFound)
		return
	}
	if cfg := rs.s.cfg; cfg.Username != "" || cfg.Password != "" {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(cfg.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(cfg.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="default"`)
			w.Header().Set("Connection", "close")
			httpError(w, http.StatusUnauthorized)
			return
		}
	}
	if r.Method != http.MethodPost {
		httpError(w, http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		httpError(w, http.StatusBadRequest)
		return
	}
	method, params, err := xmlrpc.DecodeCall(strings.NewReader(string(body)))
	if err != nil || method == "" {
		httpError(w, http.StatusBadRequest)
		return
	}
	v, err := rs.s.callRPC(r.Context(), method, params)
	var out []byte
	var fault *rpc.Fault
	switch {
	case errors.As(err, &fault):
		out = xmlrpc.EncodeFault(int(fault.Code), fault.String)
	case err != nil:
		httpError(w, http.StatusInternalServerError)
		return
	default:
		if out, err = xmlrpc.EncodeResponse(v); err != nil {
			httpError(w, http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(out)
}

// httpError answers with medusa's error page, as supervisord does.
func httpError(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code %d.\r\n<p>Message: %s.\r\n</body>\r\n", code, http.StatusText(code))
}
