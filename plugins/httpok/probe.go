package httpok

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/golance/golance/plugins/internal/retry"
)

// Defaults for the zero fields of a config.
const (
	// defaultTimeout bounds each socket operation of a check, as
	// superlance's -t default of 10 seconds does.
	defaultTimeout = 10 * time.Second
	// zeroTimeout is what -t 0 means. superlance took 0 as no timeout at
	// all, which lets one hung server stop the listener for good; golance
	// bounds every check.
	zeroTimeout = time.Minute
	// defaultRetryInterval is the wait before trying a refused connection
	// again: superlance's hard-coded retry_time.
	defaultRetryInterval = 10 * time.Second
	// ceilingFactor times -t bounds a whole check, which superlance does
	// not bound: a server that trickles an endless body one byte within
	// each -t would otherwise hold the listener, and the ticks pile up in
	// supervisord's buffer until they overflow.
	ceilingFactor = 10
	// maxBody is how much of the response body a check reads and searches
	// for -b.
	maxBody = 16 << 20
	// userAgent is the User-Agent header of every check, superlance's.
	userAgent = "httpok"
)

// errBadURL is matched (errors.Is) by the error for a URL httpok cannot
// check.
var errBadURL = errors.New("bad URL")

// parseURL checks that s is an http or https URL with a host, IPv6 literals
// in brackets ("http://[::1]:8080/health").
func parseURL(s string) (*url.URL, error) {
	shown := s
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s: write http://host[:port]/path or https://host[:port]/path", errBadURL, shown, why)
	}
	u, err := url.Parse(s)
	if err != nil {
		if rest, ok := cutUserinfo(s); ok {
			// The parser's words may quote the password.
			shown = rest
			return nil, bad("malformed (the user:password@ part is left out here)")
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, bad(err.Error())
	}
	shown = u.Redacted()
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, bad("no scheme")
	default:
		return nil, bad("scheme " + u.Scheme + " is neither http nor https")
	}
	if u.Hostname() == "" {
		return nil, bad("no host")
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return nil, bad("port " + p + " is not a number")
		}
	}
	return u, nil
}

// withoutUser returns u without its userinfo, which auth carries.
func withoutUser(u *url.URL) string {
	v := *u
	v.User = nil
	return v.String()
}

// cutUserinfo returns s with its userinfo ("user:password@") replaced by
// "xxxxx@", and whether it had one, for a URL url.Parse refuses.
func cutUserinfo(s string) (string, bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s, false
	}
	authority, path, _ := strings.Cut(rest, "/")
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return s, false
	}
	out := scheme + "://xxxxx" + authority[at:]
	if len(authority) < len(rest) {
		out += "/" + path
	}
	return out, true
}

// result is the outcome of one check.
type result struct {
	status string // "500 Internal Server Error", "" after an error
	code   int
	body   string // the part read, when -b needs it
	err    error
}

// prober makes the GET requests.
type prober struct {
	// client makes the checks that dial does not: https ones, and those of
	// a host named in other than ASCII (see dials).
	client *http.Client
	dialer *net.Dialer
	// addr is the host:port that dial connects to; br and bw are its
	// buffers, kept from one check to the next (one check runs at a
	// time), which would otherwise be half of what a check allocates.
	addr     string
	br       *bufio.Reader
	bw       *bufio.Writer
	url      string // without userinfo: auth has the credentials
	auth     auth
	timeout  time.Duration
	interval time.Duration
	readBody bool
}

func newProber(u *url.URL, a auth, timeout, interval time.Duration, readBody, insecure bool, roots *x509.CertPool) *prober {
	p := &prober{
		dialer:   &net.Dialer{Timeout: timeout},
		url:      withoutUser(u),
		auth:     a,
		timeout:  timeout,
		interval: interval,
		readBody: readBody,
	}
	if !dials(u) {
		p.client = newClient(p.dialer, timeout, insecure, roots)
		return p
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	p.addr = net.JoinHostPort(u.Hostname(), port)
	p.br, p.bw = bufio.NewReader(nil), bufio.NewWriter(nil)
	return p
}

// newClient returns the client of the checks that dial does not make.
func newClient(dialer *net.Dialer, timeout time.Duration, insecure bool, roots *x509.CertPool) *http.Client {
	transport := &http.Transport{
		// A health check measures the server, not a proxy in between;
		// superlance connects directly too.
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &opConn{Conn: c, timeout: timeout}, nil
		},
		DisableKeepAlives: true, // a fresh connection per check, as superlance makes
		// No Accept-Encoding: the -b substring is looked for in the body
		// as the server sends it.
		DisableCompression: true,
		TLSClientConfig:    &tls.Config{RootCAs: roots, InsecureSkipVerify: insecure},
		ForceAttemptHTTP2:  true,
	}
	return &http.Client{
		Transport: transport,
		// A redirect is the answer, as in superlance: list its code
		// with -c if it is healthy.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// dials says whether the checks of u are made by dial rather than by
// net/http's client (the package doc says why): those of http URLs whose
// host is ASCII, as nearly every health URL's is.
func dials(u *url.URL) bool {
	host := u.Hostname()
	return u.Scheme == "http" && !strings.ContainsFunc(host, func(r rune) bool { return r >= utf8.RuneSelf })
}

// opConn bounds each read and each write on the connection by the
// timeout, as superlance's socket timeout does: a server that answers at
// once and streams its body slowly is healthy, however long the whole
// body takes, as long as no single wait for it lasts the timeout.
type opConn struct {
	net.Conn
	timeout time.Duration
}

func (c *opConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *opConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// attempts is how many times a check tries a refused connection:
// superlance's count, 1 + (timeout-1)//retry_time in whole seconds, one
// with the default -t 10 and six with -t 60 (#110).
func (p *prober) attempts() int {
	return 1 + int((p.timeout-time.Nanosecond)/p.interval)
}

// check GETs the URL. A refused connection is tried again every interval,
// as many times as superlance does; anything else ends the check at once.
// Each connect, read and write is bounded by the timeout, and the whole
// check by ceilingFactor times it.
func (p *prober) check(ctx context.Context) result {
	ceiling := ceilingFactor * p.timeout
	cctx, cancel := context.WithTimeout(ctx, ceiling)
	defer cancel()
	var res result
	policy := retry.Policy{MaxAttempts: p.attempts(), Initial: p.interval, Max: p.interval, Multiplier: 1, Jitter: retry.NoJitter}
	err := retry.Do(cctx, policy, func(ctx context.Context) error {
		res = result{}
		err := p.get(ctx, &res)
		if err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
			return retry.Permanent(err)
		}
		return err
	})
	if err != nil {
		if ctx.Err() == nil && cctx.Err() != nil {
			err = fmt.Errorf("took more than %v in all (%d times -t/--timeout)", ceiling, ceilingFactor)
		}
		res.err = p.describe(err)
	}
	return res
}

func (p *prober) get(ctx context.Context, res *result) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", userAgent)
	p.auth.apply(req)
	var resp *http.Response
	if p.client != nil {
		resp, err = p.client.Do(req)
	} else {
		resp, err = p.dial(ctx, req)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body strings.Builder
	w := io.Discard
	if p.readBody {
		w = &body
	}
	if _, err := io.Copy(w, io.LimitReader(resp.Body, maxBody)); err != nil {
		return fmt.Errorf("reading the body after %s: %w", resp.Status, p.timedOut(err))
	}
	res.status, res.code, res.body = resp.Status, resp.StatusCode, body.String()
	return nil
}

// maxHeader bounds the header of an answer that dial reads, as net/http's
// client bounds it by default.
const maxHeader = 10 << 20

// errHeaderTooLong is dial's error for an answer whose header passes
// maxHeader.
var errHeaderTooLong = fmt.Errorf("the answer's header is longer than %d MiB", maxHeader>>20)

// dial makes req as net/http's client makes it with newClient's
// transport, HTTP/1.1 on a fresh connection with "Connection: close",
// informational (1xx) answers skipped, but on the calling goroutine (the
// package doc says why). Its errors are the client's too: a *url.Error
// wrapping what failed, the context's error when that ended the check.
func (p *prober) dial(ctx context.Context, req *http.Request) (*http.Response, error) {
	fail := func(err error) (*http.Response, error) {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, &url.Error{Op: "Get", URL: p.url, Err: err}
	}
	raw, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return fail(err)
	}
	// The context ends a read or write under way, as the client does, by
	// closing the connection: the whole check's bound.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	release := func() {
		stop()
		raw.Close()
	}
	c := &opConn{Conn: raw, timeout: p.timeout}
	req.Close = true
	p.bw.Reset(c)
	err = req.Write(p.bw)
	if err == nil {
		err = p.bw.Flush()
	}
	if err != nil {
		release()
		return fail(err)
	}
	header := &io.LimitedReader{R: c, N: maxHeader}
	p.br.Reset(header)
	resp, err := http.ReadResponse(p.br, req)
	for err == nil && resp.StatusCode/100 == 1 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(p.br, req)
	}
	if err != nil {
		release()
		switch {
		case header.N <= 0:
			err = errHeaderTooLong
		case header.N == maxHeader && errors.Is(err, io.ErrUnexpectedEOF):
			// Closed without a byte of answer: the client's words.
			err = io.EOF
		}
		return fail(err)
	}
	// The body's bound is get's.
	header.N = math.MaxInt64
	resp.Body = connBody{ReadCloser: resp.Body, ctx: ctx, release: release}
	return resp, nil
}

// connBody is the body of an answer that dial read: closing it closes the
// connection, and a read that the context ended fails with its error.
type connBody struct {
	io.ReadCloser
	ctx     context.Context
	release func()
}

func (b connBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() != nil {
		err = b.ctx.Err()
	}
	return n, err
}

func (b connBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// timedOut says a socket operation's timeout as such; other errors are
// returned as they are.
func (p *prober) timedOut(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %v (-t/--timeout)", p.timeout)
	}
	return err
}

// describe turns a failed check into the text httpok reports: the error
// itself, without Go's `Get "url":` prefix, and a timeout as such.
func (p *prober) describe(err error) error {
	var re *retry.Error
	attempts := 1
	if errors.As(err, &re) {
		attempts = re.Attempts
		err = re.Err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = p.timedOut(ue.Err)
	}
	if attempts > 1 {
		err = fmt.Errorf("%w (%d attempts)", err, attempts)
	}
	return err
}
