package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
)

// DefaultTimeout bounds one POST, as Prometheus's alertmanager timeout does
// (10s).
const DefaultTimeout = 10 * time.Second

// Client posts alerts to one Alertmanager.
type Client struct {
	base     string // as given, for messages
	endpoint string // base + /api/v2/alerts
	http     *http.Client
	// user and password, when basic is set, authenticate every post in
	// place of any userinfo in base.
	basic          bool
	user, password string
}

// NewClient returns a Client for the Alertmanager at base, its URL as
// Prometheus's alerting configuration gives it: scheme, host, port and any
// path prefix ("http://alertmanager:9093", "https://am.example.com/am").
// hc may be nil for a client with DefaultTimeout.
func NewClient(base string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid Alertmanager URL %q: give http://host:port or https://host:port, with any path prefix", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("invalid Alertmanager URL %q: it takes no query or fragment", base)
	}
	path := strings.TrimSuffix(u.Path, "/")
	path = strings.TrimSuffix(path, "/api/v2/alerts")
	u.Path = path + "/api/v2/alerts"
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{base: base, endpoint: u.String(), http: hc}, nil
}

// SetBasicAuth makes every post authenticate with HTTP basic credentials
// (an Alertmanager behind a reverse proxy that asks for them), in place of
// any user:password@ in the URL.
func (c *Client) SetBasicAuth(user, password string) {
	c.basic, c.user, c.password = true, user, password
}

// String names the Alertmanager in log lines, without any password its URL
// holds.
func (c *Client) String() string {
	u, err := url.Parse(c.base)
	if err != nil {
		return "Alertmanager"
	}
	u.User = nil
	return "Alertmanager " + u.String()
}

// Post sends alerts in one request. A 400 or 422 answer means Alertmanager
// will never take these alerts and is marked retry.Permanent; a 429 is
// marked with its Retry-After; anything else that is not a 2xx (a proxy's
// 401 or 404 included, which the operator can fix) is worth retrying.
func (c *Client) Post(ctx context.Context, alerts []Alert) error {
	body, err := json.Marshal(alerts)
	if err != nil {
		return retry.Permanent(fmt.Errorf("cannot encode alerts for %s: %w", c, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return retry.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "golance")
	if c.basic {
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s unreachable: %w", c, unwrapURLError(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("%s answered %s: %s", c, resp.Status, oneLine(msg))
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return retry.Permanent(err)
	case http.StatusTooManyRequests:
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			return retry.RetryAfter(err, time.Duration(s)*time.Second)
		}
	}
	return err
}

// unwrapURLError drops net/http's "Post \"url\": " prefix, which would
// repeat the URL (and any password in it) in every log line.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(no body)"
	}
	return s
}
