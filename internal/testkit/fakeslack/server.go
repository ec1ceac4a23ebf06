// Package fakeslack is an HTTP server that stands in for Slack in tests:
// an incoming webhook, and the Web API methods slack-notify calls
// (auth.test, chat.postMessage, chat.update). It records every request,
// answers the way Slack does (HTTP 200 with "ok":false and an error code
// for API errors, plain-text error bodies for webhooks), and can be told to
// fail the next requests with a status, a Retry-After header or an error
// code, so that retries, rate limits and permanent failures can be tested
// without a network.
package fakeslack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Endpoint names what a request was for.
type Endpoint string

// The endpoints the server answers.
const (
	Webhook     Endpoint = "webhook"
	AuthTest    Endpoint = "auth.test"
	PostMessage Endpoint = "chat.postMessage"
	Update      Endpoint = "chat.update"
)

// WebhookPath is where the server takes incoming-webhook posts; it has
// the shape of a real webhook URL's path.
const WebhookPath = "/services/T0000TEST/B0000TEST/fakewebhooksecret"

// Token is the bot token the server accepts.
const Token = "xoxb-fake-token"

// Request is one request the server received, decoded.
type Request struct {
	Endpoint Endpoint
	Time     time.Time
	// Token is the bot token sent (API methods only).
	Token string
	// Channel, TS and ThreadTS are the message's channel, the timestamp
	// of the message to update (chat.update) and the parent of a thread
	// reply.
	Channel, TS, ThreadTS string
	Text                  string
	// Blocks is the Block Kit JSON sent, nil if none.
	Blocks json.RawMessage
	// Body is the raw request body.
	Body []byte
	// Status is the HTTP status answered; Error the Slack error code
	// answered, "" when the request succeeded.
	Status int
	Error  string
	// PostedTS is the timestamp given to a message posted by
	// chat.postMessage.
	PostedTS string
}

// OK reports whether the server accepted the request.
func (r Request) OK() bool { return r.Status == http.StatusOK && r.Error == "" }

// Fault is an answer the server gives instead of success.
type Fault struct {
	// Status is the HTTP status; 0 means 200 (an API error travels in a
	// 200 response with "ok":false).
	Status int
	// RetryAfter is the Retry-After header, in seconds.
	RetryAfter string
	// Error is Slack's error code: the "error" of an API response, or the
	// plain-text body of a webhook response.
	Error string
	// Delay holds the answer back this long, or until the client gives up.
	Delay time.Duration
}

// Server is a fake Slack. Its zero value is not usable; call New or Start.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []Request
	faults   map[Endpoint][]Fault
	always   map[Endpoint]Fault
	messages map[string]string // ts -> channel, for chat.update checks
	nextTS   int
	changed  chan struct{} // closed and replaced on every request
}

// Start returns a running server that t's cleanup closes.
func Start(t testing.TB) *Server {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	return s
}

// New returns a running server; the caller must Close it.
func New() *Server {
	s := &Server{
		faults:   map[Endpoint][]Fault{},
		always:   map[Endpoint]Fault{},
		messages: map[string]string{},
		changed:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+WebhookPath, s.webhook)
	mux.HandleFunc("POST /api/auth.test", s.api(AuthTest))
	mux.HandleFunc("POST /api/chat.postMessage", s.api(PostMessage))
	mux.HandleFunc("POST /api/chat.update", s.api(Update))
	s.srv = httptest.NewServer(mux)
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// URL is the server's base URL, http://127.0.0.1:port.
func (s *Server) URL() string { return s.srv.URL }

// WebhookURL is the incoming-webhook URL to post to.
func (s *Server) WebhookURL() string { return s.srv.URL + WebhookPath }

// APIURL is the Web API base URL, with the trailing slash slack-go wants.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// FailNext queues faults for the next requests to endpoint, one per
// request, before the server answers normally again.
func (s *Server) FailNext(e Endpoint, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e] = append(s.faults[e], faults...)
}

// FailAlways makes every request to endpoint fail with f until
// Recover is called.
func (s *Server) FailAlways(e Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.always[e] = f
}

// Recover undoes FailAlways and drops queued faults for endpoint.
func (s *Server) Recover(e Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.always, e)
	delete(s.faults, e)
}

// Requests returns the requests received for endpoint ("" for all), in
// order, failed ones included.
func (s *Server) Requests(e Endpoint) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if e == "" || r.Endpoint == e {
			out = append(out, r)
		}
	}
	return out
}

// Accepted returns the requests for endpoint ("" for all) that succeeded.
func (s *Server) Accepted(e Endpoint) []Request {
	var out []Request
	for _, r := range s.Requests(e) {
		if r.OK() {
			out = append(out, r)
		}
	}
	return out
}

// Wait waits until at least n requests for endpoint ("" for all) have
// succeeded, and returns them.
func (s *Server) Wait(ctx context.Context, e Endpoint, n int) ([]Request, error) {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if got := s.Accepted(e); len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return s.Accepted(e), fmt.Errorf("waiting for %d accepted %s requests, got %d: %w", n, e, len(s.Accepted(e)), ctx.Err())
		case <-changed:
		}
	}
}

// take returns the fault to answer the next request to e with, if any.
func (s *Server) take(e Endpoint) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.faults[e]; len(q) > 0 {
		s.faults[e] = q[1:]
		return q[0], true
	}
	f, ok := s.always[e]
	return f, ok
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

func hold(r *http.Request, f Fault) {
	if f.Delay <= 0 {
		return
	}
	select {
	case <-time.After(f.Delay):
	case <-r.Context().Done():
	}
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Endpoint: Webhook, Time: time.Now(), Body: body, Status: http.StatusOK}
	var msg struct {
		Text     string          `json:"text"`
		Channel  string          `json:"channel"`
		ThreadTS string          `json:"thread_ts"`
		Blocks   json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(body, &msg); err != nil || (msg.Text == "" && len(msg.Blocks) == 0) {
		req.Status, req.Error = http.StatusBadRequest, "invalid_payload"
	}
	req.Text, req.Channel, req.ThreadTS, req.Blocks = msg.Text, msg.Channel, msg.ThreadTS, msg.Blocks
	if f, ok := s.take(Webhook); ok && req.Error == "" {
		hold(r, f)
		req.Status, req.Error = f.Status, f.Error
		if req.Status == 0 {
			req.Status = http.StatusOK
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
	}
	s.record(req)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(req.Status)
	if req.Error != "" {
		io.WriteString(w, req.Error)
		return
	}
	io.WriteString(w, "ok")
}

func (s *Server) api(e Endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		req := Request{
			Endpoint: e,
			Time:     time.Now(),
			Body:     body,
			Token:    form.Get("token"),
			Channel:  form.Get("channel"),
			TS:       form.Get("ts"),
			ThreadTS: form.Get("thread_ts"),
			Text:     form.Get("text"),
			Status:   http.StatusOK,
		}
		if auth := r.Header.Get("Authorization"); req.Token == "" {
			req.Token = strings.TrimPrefix(auth, "Bearer ")
		}
		if b := form.Get("blocks"); b != "" {
			req.Blocks = json.RawMessage(b)
		}
		answer := map[string]any{"ok": true}
		if f, ok := s.take(e); ok {
			hold(r, f)
			if f.Status != 0 {
				req.Status = f.Status
			}
			req.Error = f.Error
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
		} else {
			req.Error = s.check(&req)
		}
		if req.Error != "" {
			answer = map[string]any{"ok": false, "error": req.Error}
		} else {
			switch e {
			case AuthTest:
				answer["team"], answer["user"], answer["bot_id"] = "Fake Team", "slack-notify", "B0000TEST"
			case PostMessage:
				answer["channel"], answer["ts"] = req.Channel, req.PostedTS
			case Update:
				answer["channel"], answer["ts"] = req.Channel, req.TS
			}
		}
		s.record(req)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(req.Status)
		if req.Status == http.StatusOK {
			json.NewEncoder(w).Encode(answer)
		}
	}
}

// check validates an API request the way Slack would and returns the
// error code to answer with, or "" after carrying it out.
func (s *Server) check(req *Request) string {
	if req.Token != Token {
		if req.Token == "" {
			return "not_authed"
		}
		return "invalid_auth"
	}
	if req.Endpoint == AuthTest {
		return ""
	}
	if req.Channel == "" {
		return "channel_not_found"
	}
	if req.Text == "" && len(req.Blocks) == 0 {
		return "no_text"
	}
	if len(req.Blocks) > 0 && !json.Valid(req.Blocks) {
		return "invalid_blocks"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.Endpoint {
	case PostMessage:
		// Slack posts a reply whose parent is gone as a plain message.
		s.nextTS++
		req.PostedTS = fmt.Sprintf("1700000000.%06d", s.nextTS)
		s.messages[req.PostedTS] = req.Channel
	case Update:
		if ch, ok := s.messages[req.TS]; !ok || ch != req.Channel {
			return "message_not_found"
		}
	}
	return ""
}

// Delete forgets a posted message, as if someone had deleted it in Slack:
// updates and replies to it then fail with message_not_found.
func (s *Server) Delete(ts string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.messages, ts)
}
