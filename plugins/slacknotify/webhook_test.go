package slacknotify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/golance/golance/plugins/internal/retry"
)

func TestParseWebhookURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XXXX":    "",
		" https://hooks.slack.com/services/T0/B0/XXXX\n": "",
		"http://127.0.0.1:8080/hook":                     "",
		"hooks.slack.com/services/T0/B0/XXXX":            `scheme "" is not https`,
		"ftp://hooks.slack.com/services/T0/B0/XXXX":      `scheme "ftp" is not https`,
		"https:///services/T0/B0/XXXX":                   "it has no host",
		"https://hooks.slack.com/":                       "https://hooks.slack.com has no path",
		"https://hooks slack.com/x":                      "it does not parse as a URL",
	} {
		_, err := parseWebhookURL(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("parseWebhookURL(%q) = %v", raw, err)
		case want != "" && (!errors.Is(err, errBadWebhookURL) || !strings.Contains(err.Error(), want)):
			t.Errorf("parseWebhookURL(%q) = %v, want %q", raw, err, want)
		case err != nil && strings.Contains(err.Error(), "XXXX"):
			t.Errorf("parseWebhookURL(%q) = %v: the secret path is repeated", raw, err)
		}
	}
}

// A webhook's URL is a secret: a network error must not carry it into
// the logs.
func TestWebhookErrorsHideTheURL(t *testing.T) {
	t.Parallel()
	w, err := newWebhook("http://127.0.0.1:1/services/T0/B0/secretpart", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Post(context.Background(), message{Text: "x"}, msgRef{})
	if err == nil || retry.IsPermanent(err) {
		t.Fatalf("err %v, want a transient error", err)
	}
	if strings.Contains(err.Error(), "secretpart") || !strings.Contains(err.Error(), "http://127.0.0.1:1/[redacted]") {
		t.Errorf("error %q", err)
	}
}
