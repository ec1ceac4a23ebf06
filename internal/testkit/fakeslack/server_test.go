package fakeslack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// The fake answers slack-go the way Slack does, so that what the tests of
// slack-notify see is what slack-notify would see from Slack.
func TestServerSpeaksSlack(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()

	if err := slack.PostWebhookContext(ctx, s.WebhookURL(), &slack.WebhookMessage{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.WebhookURL(), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || string(body) != "invalid_payload" {
		t.Errorf("empty webhook post: %d %q", resp.StatusCode, body)
	}

	s.FailNext(Webhook, Fault{Status: http.StatusTooManyRequests, RetryAfter: "2"})
	var rl *slack.RateLimitedError
	if err := slack.PostWebhookContext(ctx, s.WebhookURL(), &slack.WebhookMessage{Text: "hi"}); !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Errorf("429: %v", err)
	}

	api := slack.New(Token, slack.OptionAPIURL(s.APIURL()))
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := slack.New("xoxb-other", slack.OptionAPIURL(s.APIURL())).AuthTestContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v", err)
	}
	ch, ts, err := api.PostMessageContext(ctx, "#ops", slack.MsgOptionText("alert", false))
	if err != nil || ch != "#ops" || ts == "" {
		t.Fatalf("post: %q %q %v", ch, ts, err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatal(err)
	}
	s.Delete(ts)
	if _, _, _, err := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("edited", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of a deleted message: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "#ops", slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts)); err != nil {
		t.Errorf("reply to a deleted message: %v", err)
	}

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := s.Wait(wctx, "", 5)
	if err != nil {
		t.Fatal(err)
	}
	if got[1].Endpoint != AuthTest || got[1].Token != Token || got[3].Text != "edited" || got[3].TS != ts {
		t.Errorf("recorded %+v", got)
	}
	if n := len(s.Requests("")); n != 9 {
		t.Errorf("%d requests recorded, want 9", n)
	}
	form, _ := url.ParseQuery(string(s.Requests(PostMessage)[1].Body))
	if form.Get("thread_ts") != ts {
		t.Errorf("reply body %v", form)
	}
}
