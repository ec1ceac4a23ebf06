package httpok

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

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
	client   *http.Client
	url      string // without userinfo: auth has the credentials
	auth     auth
	timeout  time.Duration
	interval time.Duration
	readBody bool
}

func newProber(u *url.URL, a auth, timeout, interval time.Duration, readBody, insecure bool, roots *x509.CertPool) *prober {
	dialer := &net.Dialer{Timeout: timeout}
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
	return &prober{
		client: &http.Client{
			Transport: transport,
			// A redirect is the answer, as in superlance: list its code
			// with -c if it is healthy.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		url:      withoutUser(u),
		auth:     a,
		timeout:  timeout,
		interval: interval,
		readBody: readBody,
	}
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
	resp, err := p.client.Do(req)
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
