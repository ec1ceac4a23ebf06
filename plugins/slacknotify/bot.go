package slacknotify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/golance/golance/plugins/internal/retry"
	"github.com/slack-go/slack"
)

// botPoster posts through Slack's Web API with a bot token: chat.postMessage for
// alerts and thread replies, chat.update to edit an alert in place.
type botPoster struct {
	api     *slack.Client
	channel string
}

// newBot returns a botPoster posting to channel (a name like #ops or an ID like
// C0123456789) with token. apiURL replaces https://slack.com/api/ when not
// empty (a proxy, a test server); hc nil means a client with
// defaultHTTPTimeout.
func newBot(token, channel, apiURL string, hc *http.Client) *botPoster {
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	opts := []slack.Option{slack.OptionHTTPClient(hc)}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &botPoster{api: slack.New(token, opts...), channel: channel}
}

// Check asks Slack whether the token is valid (auth.test). It returns a
// *configError when Slack says it is not, and another error when Slack
// could not be asked.
func (b *botPoster) Check(ctx context.Context) error {
	_, err := b.api.AuthTestContext(ctx)
	return b.classify(err)
}

// Post sends m to the channel, or as a reply in parent's thread.
func (b *botPoster) Post(ctx context.Context, m message, parent msgRef) (msgRef, error) {
	opts := msgOptions(m)
	channel := b.channel
	if !parent.IsZero() {
		channel = parent.Channel
		opts = append(opts, slack.MsgOptionTS(parent.TS))
		if m.Broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	ch, ts, err := b.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return msgRef{}, b.classify(err)
	}
	return msgRef{Channel: ch, TS: ts}, nil
}

// Update replaces the message at ref with m.
func (b *botPoster) Update(ctx context.Context, ref msgRef, m message) error {
	_, _, _, err := b.api.UpdateMessageContext(ctx, ref.Channel, ref.TS, msgOptions(m)...)
	return b.classify(err)
}

func msgOptions(m message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// classify marks a Web API error for the retry loop: rate limits carry
// their wait, errors about the token, scopes or channel are a
// *configError, errors about the message itself errRejected or errGone,
// and the rest (Slack's own trouble, the network) is retried.
func (b *botPoster) classify(err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return retry.RetryAfter(err, rl.RetryAfter)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Retryable() {
			return err
		}
		return retry.Permanent(&configError{Code: sc.Status, Fix: "the Slack API URL answers with an error: check --api-url, or leave it unset", Err: err})
	}
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return err
	}
	config := func(fix string) error { return retry.Permanent(&configError{Code: se.Err, Fix: fix, Err: err}) }
	switch se.Err {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission", "org_login_required":
		return config("the bot token is not valid: set SLACK_TOKEN (or --token-file) to the app's current Bot User OAuth Token (xoxb-...)")
	case "missing_scope", "not_allowed_token_type", "team_access_not_granted", "ekm_access_denied":
		return config("the token cannot post messages: give the Slack app the chat:write scope, reinstall it, and use its Bot User OAuth Token (xoxb-...)")
	case "channel_not_found":
		return config(fmt.Sprintf("channel %q does not exist or the bot cannot see it: check --channel (a private channel needs the bot invited, and its ID, e.g. C0123456789)", b.channel))
	case "not_in_channel":
		return config(fmt.Sprintf("the bot is not a member of %q: invite it with /invite @your-app, or give the app the chat:write.public scope", b.channel))
	case "is_archived", "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel", "restricted_action_non_threadable_channel":
		return config(fmt.Sprintf("posting in %q is not allowed (%s): unarchive the channel, ask a workspace admin, or choose another --channel", b.channel, se.Err))
	case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text", "invalid_arguments", "too_many_attachments":
		return retry.Permanent(fmt.Errorf("%w (%s): %w", errRejected, se.Err, err))
	case "message_not_found", "cant_update_message", "edit_window_closed", "thread_not_found":
		return retry.Permanent(fmt.Errorf("%w (%s): %w", errGone, se.Err, err))
	}
	// ratelimited, internal_error, fatal_error, service_unavailable,
	// request_timeout and codes Slack may add: try again.
	return err
}
