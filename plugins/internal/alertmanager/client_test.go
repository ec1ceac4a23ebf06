package alertmanager

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/retry"
)

func TestNewClientEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://am:9093":               "http://am:9093/api/v2/alerts",
		"http://am:9093/":              "http://am:9093/api/v2/alerts",
		"https://x.example/am/":        "https://x.example/am/api/v2/alerts",
		"http://am:9093/api/v2/alerts": "http://am:9093/api/v2/alerts",
		"http://u:secret@am:9093/pfx/": "http://u:secret@am:9093/pfx/api/v2/alerts",
	} {
		c, err := NewClient(in, nil)
		if err != nil {
			t.Fatalf("NewClient(%q): %v", in, err)
		}
		if c.endpoint != want {
			t.Errorf("NewClient(%q).endpoint = %q, want %q", in, c.endpoint, want)
		}
	}
	for _, bad := range []string{"am:9093", "ftp://am", "http://", "http://am:9093/?x=1", "::"} {
		if _, err := NewClient(bad, nil); err == nil || !strings.Contains(err.Error(), "invalid Alertmanager URL") {
			t.Errorf("NewClient(%q) = %v, want an invalid URL error", bad, err)
		}
	}
}

func TestClientStringHidesPassword(t *testing.T) {
	c, err := NewClient("http://ops:hunter2@am:9093", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, "hunter2") || s != "Alertmanager http://am:9093" {
		t.Errorf("String() = %q", s)
	}
}

func TestPost(t *testing.T) {
	var got []Alert
	var ctype, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctype, path = r.Header.Get("Content-Type"), r.URL.Path
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Errorf("decoding the body: %v", err)
		}
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	a := Alert{Labels: map[string]string{"alertname": "X", "process": "web"}, Annotations: map[string]string{"summary": "s"}, StartsAt: start}
	if err := c.Post(context.Background(), []Alert{a}); err != nil {
		t.Fatal(err)
	}
	if ctype != "application/json" || path != "/api/v2/alerts" {
		t.Errorf("Content-Type %q, path %q", ctype, path)
	}
	if len(got) != 1 || got[0].Labels["process"] != "web" || !got[0].StartsAt.Equal(start) || !got[0].EndsAt.IsZero() {
		t.Errorf("Alertmanager got %+v", got)
	}
}

func TestPostEncodesNoZeroEndsAt(t *testing.T) {
	b, err := json.Marshal(Alert{Labels: map[string]string{"a": "b"}, StartsAt: time.Unix(0, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "endsAt") {
		t.Errorf("a firing alert without endsAt encodes as %s", b)
	}
}

func TestPostErrors(t *testing.T) {
	for _, tc := range []struct {
		status     int
		header     string
		permanent  bool
		retryAfter bool
	}{
		{http.StatusBadRequest, "", true, false},
		{http.StatusUnprocessableEntity, "", true, false},
		{http.StatusInternalServerError, "", false, false},
		{http.StatusServiceUnavailable, "", false, false},
		{http.StatusUnauthorized, "", false, false},
		{http.StatusNotFound, "", false, false},
		{http.StatusTooManyRequests, "7", false, true},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.WriteHeader(tc.status)
			w.Write([]byte("bad\nthing"))
		}))
		c, _ := NewClient(srv.URL, nil)
		err := c.Post(context.Background(), []Alert{{Labels: map[string]string{"a": "b"}}})
		srv.Close()
		if err == nil {
			t.Errorf("%d: no error", tc.status)
			continue
		}
		if retry.IsPermanent(err) != tc.permanent {
			t.Errorf("%d: IsPermanent = %v, want %v (%v)", tc.status, !tc.permanent, tc.permanent, err)
		}
		if !strings.Contains(err.Error(), "bad thing") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%d: error %q should quote the body on one line", tc.status, err)
		}
		if tc.retryAfter {
			// retry.Do honours it: one attempt, then a wait of 7s that
			// the cancelled context cuts short.
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			p := retry.Policy{MaxAttempts: 2, Initial: time.Millisecond}
			calls := 0
			_ = retry.Do(ctx, p, func(context.Context) error { calls++; return err })
			cancel()
			if calls != 1 {
				t.Errorf("429 with Retry-After 7: retried after %d calls within 50ms", calls)
			}
		}
	}
}

func TestPostUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := NewClient("http://user:pw@"+strings.TrimPrefix(url, "http://"), nil)
	err := c.Post(context.Background(), []Alert{{Labels: map[string]string{"a": "b"}}})
	if err == nil || retry.IsPermanent(err) {
		t.Fatalf("Post to a closed port = %v, want a transient error", err)
	}
	if strings.Contains(err.Error(), "pw@") || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error %q", err)
	}
}

// Basic credentials set on the client authenticate every post, in place
// of any userinfo in the URL.
func TestPostBasicAuth(t *testing.T) {
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, ok := r.BasicAuth()
		if !ok {
			user, pw = "-", "-"
		}
		auths = append(auths, user+":"+pw)
	}))
	defer srv.Close()
	withUserinfo := strings.Replace(srv.URL, "http://", "http://url:inurl@", 1)
	for _, tt := range []struct {
		base, user, pw, want string
	}{
		{srv.URL, "", "", "-:-"},
		{withUserinfo, "", "", "url:inurl"},
		{srv.URL, "ops", "s3cret", "ops:s3cret"},
		{withUserinfo, "ops", "s3cret", "ops:s3cret"},
	} {
		c, err := NewClient(tt.base, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.user != "" {
			c.SetBasicAuth(tt.user, tt.pw)
		}
		auths = nil
		if err := c.Post(context.Background(), []Alert{{Labels: map[string]string{"alertname": "X"}}}); err != nil {
			t.Fatal(err)
		}
		if len(auths) != 1 || auths[0] != tt.want {
			t.Errorf("%s with %q: the Alertmanager saw %q, want %q", tt.base, tt.user, auths, tt.want)
		}
	}
}
