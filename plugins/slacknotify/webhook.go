package slacknotify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
	"github.com/slack-go/slack"
)

// errBadWebhookURL is wrapped by parseWebhookURL's errors.
var errBadWebhookURL = errors.New("malformed webhook URL")

// defaultHTTPTimeout bounds one HTTP request to Slack.
const defaultHTTPTimeout = 10 * time.Second

// parseWebhookURL checks that raw looks like an incoming-webhook URL:
// absolute, http or https, with a host and a path. The error never
// repeats the URL's path, which is the secret part.
func parseWebhookURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: it does not parse as a URL; want the URL Slack shows for the webhook, https://hooks.slack.com/services/<workspace>/<channel>/<secret>", errBadWebhookURL)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%w: scheme %q is not https; want the URL Slack shows for the webhook, https://hooks.slack.com/services/<workspace>/<channel>/<secret>", errBadWebhookURL, u.Scheme)
	case u.Host == "":
		return nil, fmt.Errorf("%w: it has no host; want the URL Slack shows for the webhook, https://hooks.slack.com/services/<workspace>/<channel>/<secret>", errBadWebhookURL)
	case u.Path == "" || u.Path == "/":
		return nil, fmt.Errorf("%w: %s://%s has no path; copy the whole URL Slack shows for the incoming webhook", errBadWebhookURL, u.Scheme, u.Host)
	}
	return u, nil
}

// webhookPoster posts to a Slack incoming webhook. Webhooks cannot edit their
// messages nor say where they went, so a webhookPoster is a slackPoster only.
type webhookPoster struct {
	url    string
	client *http.Client
}

// newWebhook returns a webhookPoster posting to rawURL through hc (nil means a
// client with defaultHTTPTimeout).
func newWebhook(rawURL string, hc *http.Client) (*webhookPoster, error) {
	u, err := parseWebhookURL(rawURL)
	if err != nil {
		return nil, err
	}
	return &webhookPoster{url: u.String(), client: withErrorBodies(hc)}, nil
}

// Post sends m. A webhook posts in its own channel and cannot reply in a
// thread, so parent is ignored.
func (w *webhookPoster) Post(ctx context.Context, m message, parent msgRef) (msgRef, error) {
	ctx, body := captureErrorBody(ctx)
	err := slack.PostWebhookCustomHTTPContext(ctx, w.url, w.client, webhookBody(m))
	if err != nil && strings.Contains(err.Error(), w.url) {
		// The URL's path is the secret, and errors end up in log files.
		err = &redactedError{msg: strings.ReplaceAll(err.Error(), w.url, redactURL(w.url)), err: err}
	}
	return msgRef{}, classifyWebhook(err, *body)
}

// redactedError is err with a message that no longer holds a secret.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactURL keeps a URL's scheme and host, which say where a request
// went, and hides the rest.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[redacted]"
	}
	return u.Scheme + "://" + u.Host + "/[redacted]"
}

// classifyWebhook marks a webhook error for the retry loop. Slack answers a
// webhook post with a status and a short plain-text reason: 400
// invalid_payload, 403 invalid_token or action_prohibited, 404 no_service,
// 410 channel_is_archived, 429 with Retry-After, 5xx when it is in
// trouble.
func classifyWebhook(err error, body string) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return retry.RetryAfter(err, rl.RetryAfter)
	}
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Retryable() {
		return err // the network, a 5xx, a 429 without Retry-After
	}
	reason := sc.Status
	if body != "" {
		reason = fmt.Sprintf("%d %s", sc.Code, body)
		err = fmt.Errorf("%w: %s", err, body)
	}
	switch {
	case sc.Code == http.StatusBadRequest:
		return retry.Permanent(fmt.Errorf("%w (%s): %w", errRejected, reason, err))
	case sc.Code == http.StatusGone:
		return retry.Permanent(&configError{Code: reason, Fix: "the webhook's channel is archived: unarchive it, or create a webhook for another channel and set SLACK_WEBHOOK_URL to it", Err: err})
	case body == "action_prohibited":
		return retry.Permanent(&configError{Code: reason, Fix: "a workspace admin restricted posting in the webhook's channel: ask them, or use a webhook for another channel", Err: err})
	case sc.Code >= 400 && sc.Code < 500:
		return retry.Permanent(&configError{Code: reason, Fix: "the webhook URL is wrong or was revoked: create a new incoming webhook in the Slack app's settings and set SLACK_WEBHOOK_URL (or --webhook-url-file) to its URL", Err: err})
	}
	return err
}

// The slack package discards the body of a failed webhook post, which is
// where Slack says what was wrong; a transport wrapper keeps the start of
// it for the request that asked.
type errorBodyKey struct{}

func captureErrorBody(ctx context.Context) (context.Context, *string) {
	body := new(string)
	return context.WithValue(ctx, errorBodyKey{}, body), body
}

func withErrorBodies(hc *http.Client) *http.Client {
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = errorBodyTransport{base}
	return &c
}

type errorBodyTransport struct{ base http.RoundTripper }

func (t errorBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	slot, _ := req.Context().Value(errorBodyKey{}).(*string)
	if err != nil || slot == nil || resp.StatusCode == http.StatusOK {
		return resp, err
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	*slot = strings.Join(strings.Fields(string(head)), " ")
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
