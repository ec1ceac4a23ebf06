package httpok

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/testharness"
)

// authServer answers 500, so that every check acts and mails, and keeps
// the credentials each request brought.
type authServer struct {
	*httptest.Server
	mu  sync.Mutex
	got []string // "user:password" or the Authorization header, per request
}

func newAuthServer(t *testing.T) *authServer {
	s := &authServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if user, password, ok := r.BasicAuth(); ok {
			got = user + ":" + password
		}
		s.mu.Lock()
		s.got = append(s.got, got+" "+r.Header.Get("X-Probe"))
		s.mu.Unlock()
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *authServer) credentials() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	rig.Must(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// The password reaches the server wherever it comes from, and httpok's
// log and mail never show it: the URL is written with the password as
// xxxxx. A password in the URL on the command line still works and gives
// one warning line, at start, saying how to move it. Each case has a
// server of its own, so that one case's credentials cannot pass for
// another's.
func TestCredentials(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-pw"
	// HOST stands for the case's server in url, shown and warns.
	warning := `the health-check password is on the command line (in the URL http://ops:xxxxx@HOST/health), where every local user can read it with ps: ` +
		`write the URL without user:password@ and set HTTPOK_USERNAME and HTTPOK_PASSWORD (environment= in the [eventlistener:x] section), or name a file holding user:password with --auth-file instead`
	for _, tt := range []struct {
		name               string
		url                string
		authFile, header   string
		want, shown, warns string
	}{
		{"in the URL", "http://ops:" + password + "@HOST/health", "", "", "ops:" + password + " ", "http://ops:xxxxx@HOST/health", warning},
		{"in a file", "http://HOST/health", "ops:" + password + "\n", "", "ops:" + password + " ", "http://HOST/health", ""},
		{"a header file", "http://HOST/health", "", "Authorization: Bearer " + password + "\n\nx-probe: 1\n", "Bearer " + password + " 1", "http://HOST/health", ""},
		{"both", "http://HOST/health", "ops:" + password, "X-Probe: 2", "ops:" + password + " 2", "http://HOST/health", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newAuthServer(t)
			host := strings.NewReplacer("HOST", strings.TrimPrefix(srv.URL, "http://"))
			tt.url, tt.shown, tt.warns = host.Replace(tt.url), host.Replace(tt.shown), host.Replace(tt.warns)
			cfg := config{url: tt.url, selector: sel("web"), mail: mailTo}
			if tt.authFile != "" {
				cfg.authFile = writeFile(t, tt.authFile)
			}
			if tt.header != "" {
				cfg.headerFile = writeFile(t, tt.header)
			}
			w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})}, cfg: cfg})
			before := len(srv.credentials())
			w.tick()
			w.waitLog(`(?m)^web restarted$`)
			w.tick()
			w.settle()
			got := srv.credentials()
			if len(got) < before+2 || !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Fatalf("the server saw %q, want %q", got, tt.want)
			}
			logged := w.log.Messages()
			if n := strings.Count(logged, "health-check password"); tt.warns != "" && (n != 1 || !strings.Contains(logged, tt.warns+"\n")) || tt.warns == "" && n != 0 {
				t.Errorf("want the warning %d time(s):\n%s", min(1, len(tt.warns)), logged)
			}
			if !strings.Contains(logged, "status contacting "+tt.shown+": 500 Internal Server Error\n") {
				t.Errorf("log lacks the URL as %s:\n%s", tt.shown, logged)
			}
			mails := w.mails()
			if len(mails) != 2 || mails[0].Subject != "httpok: "+tt.shown+": bad status returned" {
				t.Fatalf("mails %q", mails)
			}
			for _, m := range mails {
				if raw := fmt.Sprint(m.Header) + m.Body; strings.Contains(raw, password) {
					t.Errorf("a mail shows the password:\n%s", raw)
				}
			}
			if strings.Contains(w.log.String(), password) {
				t.Errorf("the log shows the password:\n%s", w.log)
			}
		})
	}
}

// HTTPOK_USERNAME and HTTPOK_PASSWORD come before --auth-file, and
// HTTPOK_HEADER before --header-file. Not parallel: it sets the
// environment.
func TestCredentialsFromTheEnvironment(t *testing.T) {
	t.Setenv(envUsername, "env-user")
	t.Setenv(envPassword, "env-pw")
	t.Setenv(envHeader, "X-Probe: env")
	u, _ := parseURL("http://localhost/health")
	a, err := resolveAuth(u, writeFile(t, "file-user:file-pw"), writeFile(t, "X-Probe: file"), log.Discard())
	if err != nil {
		t.Fatal(err)
	}
	req := httptestRequest()
	a.apply(req)
	if user, pw, _ := req.BasicAuth(); user != "env-user" || pw != "env-pw" || req.Header.Get("X-Probe") != "env" {
		t.Fatalf("request headers %v", req.Header)
	}
}

func httptestRequest() *http.Request {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://localhost/health", nil)
	return req
}

// Unusable credentials files stop httpok at start with one line that
// names the file and the fix, never the secret.
func TestBadCredentialFiles(t *testing.T) {
	t.Parallel()
	u, _ := parseURL("http://localhost/health")
	for _, tt := range []struct {
		authFile, headerFile string
		want                 string
	}{
		{writeFile(t, "no-colon-s3cr3t"), "", `^health-check credentials file \S+ holds no ':': write user:password in it, on one line$`},
		{"/nonexistent/auth", "", `^health-check credentials file /nonexistent/auth does not exist; create it`},
		{"", writeFile(t, "X-Ok: 1\nBearer s3cr3t\n"), `^health-check header file \S+, line 2, is not a header: write Name: value, e\.g\. Authorization: Bearer TOKEN$`},
		{"", writeFile(t, "\n\n"), `^health-check header file \S+ holds no header: write Name: value, e\.g\. Authorization: Bearer TOKEN$`},
		{"", writeFile(t, ""), `^health-check header file \S+ is empty`},
	} {
		_, err := resolveAuth(u, tt.authFile, tt.headerFile, log.Discard())
		if err == nil || !regexp.MustCompile(tt.want).MatchString(err.Error()) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%+v: %v, want %s", tt, err, tt.want)
		}
	}
}
