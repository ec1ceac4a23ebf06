package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/kolo/xmlrpc"
)

// DefaultTimeout bounds a call that does not wait on a process when its
// context has no deadline. Calls that wait (start and stop with wait=true,
// their group and "all" variants, clearAllProcessLogs, and multicalls
// holding any of them) get no default bound, because supervisord keeps
// their response open until the processes settle.
const DefaultTimeout = 30 * time.Second

// Client calls supervisord's XML-RPC interface. It keeps connections alive
// between calls and is safe for concurrent use.
type Client struct {
	url      string // as configured, for messages
	endpoint string // the HTTP URL requests go to
	socket   string // the unix socket path, "" over TCP
	username string
	password string
	auth     bool
	hc       *http.Client
	timeout  time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithBasicAuth makes the client send HTTP basic credentials, for a server
// section with username= and password=.
func WithBasicAuth(username, password string) Option {
	return func(c *Client) {
		c.username, c.password, c.auth = username, password, true
	}
}

// WithHTTPClient replaces the client's HTTP client. For a unix:// server
// URL requests go to http://localhost/RPC2, so hc's transport must dial the
// socket itself.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithTimeout sets the bound applied to calls that do not wait on a process
// when their context has no deadline; 0 removes it. The default is
// DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// New returns a client for the server at serverURL, which is either
// unix:///path/to/supervisor.sock or http://host[:port] (port 80 if
// omitted), as in SUPERVISOR_SERVER_URL. Any path in an http URL is
// ignored: supervisord serves XML-RPC at /RPC2.
func New(serverURL string, opts ...Option) (*Client, error) {
	c := &Client{url: serverURL, timeout: DefaultTimeout}
	switch {
	case strings.HasPrefix(serverURL, "unix://"):
		// Like supervisord's own transport, everything after the scheme is
		// the path, so unix://relative.sock is a relative path.
		c.socket = strings.TrimPrefix(serverURL, "unix://")
		if c.socket == "" {
			return nil, fmt.Errorf("server URL %q has no socket path: %w", serverURL, ErrBadServerURL)
		}
		c.endpoint = "http://localhost/RPC2"
	case strings.HasPrefix(serverURL, "http://"), strings.HasPrefix(serverURL, "https://"):
		u, err := url.Parse(serverURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("server URL %q has no host: %w", serverURL, ErrBadServerURL)
		}
		c.endpoint = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/RPC2"}).String()
	default:
		return nil, fmt.Errorf("server URL %q: %w", serverURL, ErrBadServerURL)
	}
	for _, opt := range opts {
		opt(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: c.transport()}
	}
	return c, nil
}

// FromEnv returns a client for the supervisord that started this process,
// from SUPERVISOR_SERVER_URL, SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD.
// supervisord sets only the URL; a server with a password needs the other
// two in the program's environment= line. Credentials are sent only when
// SUPERVISOR_USERNAME is set. Options given here override the
// environment. A missing URL gives ErrNoServerURL.
func FromEnv(opts ...Option) (*Client, error) {
	return FromEnvLookup(os.LookupEnv, opts...)
}

// FromEnvLookup is FromEnv with the environment read through lookup, which
// has the signature of os.LookupEnv.
func FromEnvLookup(lookup func(key string) (string, bool), opts ...Option) (*Client, error) {
	serverURL, _ := lookup("SUPERVISOR_SERVER_URL")
	if serverURL == "" {
		return nil, ErrNoServerURL
	}
	var all []Option
	if user, _ := lookup("SUPERVISOR_USERNAME"); user != "" {
		pass, _ := lookup("SUPERVISOR_PASSWORD")
		all = append(all, WithBasicAuth(user, pass))
	}
	c, err := New(serverURL, append(all, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("SUPERVISOR_SERVER_URL: %w", err)
	}
	return c, nil
}

// URL returns the server URL the client was built with.
func (c *Client) URL() string { return c.url }

func (c *Client) transport() *http.Transport {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		// supervisord is local; a proxy from the environment would only
		// get in the way, and its own transport ignores them too.
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	if c.socket != "" {
		t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", c.socket)
		}
	}
	return t
}

// Call invokes any XML-RPC method and decodes its result into reply, a
// pointer as accepted by github.com/kolo/xmlrpc (structs use `xmlrpc:"name"`
// field tags), or nil to discard it. Arguments are encoded the same way:
// Go ints as <int>, bools as <boolean>, strings, slices, maps and structs.
func (c *Client) Call(ctx context.Context, method string, reply any, args ...any) error {
	return c.call(ctx, waits(method, args), method, reply, args...)
}

// waits reports whether supervisord may hold the response to method open
// until processes change state.
func waits(method string, args []any) bool {
	switch method {
	case "supervisor.startProcess", "supervisor.stopProcess",
		"supervisor.startProcessGroup", "supervisor.stopProcessGroup",
		"supervisor.startAllProcesses", "supervisor.stopAllProcesses":
		// wait defaults to true and is the only bool parameter.
		for _, a := range args {
			if b, ok := a.(bool); ok {
				return b
			}
		}
		return true
	case "supervisor.clearAllProcessLogs", "system.multicall":
		return true
	}
	return false
}

func (c *Client) call(ctx context.Context, waiting bool, method string, reply any, args ...any) error {
	body, err := c.roundTrip(ctx, waiting, method, args)
	if err != nil {
		return err
	}
	return decodeResponse(method, body, reply)
}

// roundTrip sends one call and returns the body of a 200 answer.
func (c *Client) roundTrip(ctx context.Context, waiting bool, method string, args []any) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok && !waiting && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	payload, err := xmlrpc.EncodeMethodCall(method, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding arguments: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", "golance-rpc")
	if c.auth {
		req.SetBasicAuth(c.username, c.password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		se := &StatusError{Method: method, URL: c.url, StatusCode: resp.StatusCode, Status: resp.Status}
		if c.auth {
			se.Username = c.username
			if se.Username == "" {
				se.Username = "(empty)"
			}
		}
		return nil, se
	}
	if err != nil {
		return nil, fmt.Errorf("%s: reading the response from %s: %w", method, c.url, err)
	}
	return data, nil
}

// transportError names what the client tried to reach, which net/http's
// own message hides for unix sockets behind http://localhost/RPC2.
func (c *Client) transportError(method string, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: call to %s: %w", method, c.url, err)
	case c.socket != "" && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: supervisord socket %s does not exist (is supervisord running, and is this its "+
			"[unix_http_server] file=?): %w", method, c.socket, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: connection to supervisord at %s refused (is supervisord running?): %w", method, c.url, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: no permission to connect to %s (check [unix_http_server] chmod= and chown=): %w",
			method, c.url, err)
	}
	return fmt.Errorf("%s: call to %s: %w", method, c.url, err)
}

// decodeResponse turns a methodResponse into reply or a *Fault.
func decodeResponse(method string, body []byte, reply any) error {
	if !bytes.Contains(body, []byte("<methodResponse")) {
		return badResponse(method, body, errors.New("no <methodResponse> element"))
	}
	clean, restore := escapeControls(body)
	resp := xmlrpc.Response(clean)
	if err := resp.Err(); err != nil {
		var f xmlrpc.FaultError
		if errors.As(err, &f) {
			return &Fault{Method: method, Code: FaultCode(f.Code), String: restoreString(f.String, restore)}
		}
		return badResponse(method, body, err)
	}
	if reply == nil {
		return nil
	}
	if !bytes.Contains(clean, []byte("<value")) {
		return badResponse(method, body, errors.New("no <value> element"))
	}
	if err := resp.Unmarshal(reply); err != nil {
		return badResponse(method, body, err)
	}
	fillEmpty(reflect.ValueOf(reply))
	if restore {
		restoreControls(reflect.ValueOf(reply))
	}
	return nil
}

func badResponse(method string, body []byte, err error) error {
	const max = 120
	snippet := string(body)
	if len(snippet) > max {
		snippet = snippet[:max] + "..."
	}
	return fmt.Errorf("%s: %w: %v (response starts %q)", method, ErrBadResponse, err, snippet)
}
