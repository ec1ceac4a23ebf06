package httpok

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/testharness"
)

// rawServer answers every connection on the loopback with answer, byte for
// byte, once it has read the request's header, and then closes it: answers
// that no net/http server gives. It sends each request's header on the
// channel it returns, which holds ten.
func rawServer(t *testing.T, answer string) (string, <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	rig.Must(t, err)
	t.Cleanup(func() { l.Close() })
	requests := make(chan string, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				var req strings.Builder
				for {
					line, err := r.ReadString('\n')
					req.WriteString(line)
					if err != nil || line == "\r\n" {
						break
					}
				}
				select {
				case requests <- req.String():
				default:
				}
				io.WriteString(c, answer)
			}()
		}
	}()
	return "http://" + l.Addr().String(), requests
}

// An http check, which httpok makes by its own few lines (dial), sends
// byte for byte the request that net/http's client sent, which it made
// before, on a fresh connection each time.
func TestTheRequestIsTheClients(t *testing.T) {
	t.Parallel()
	srv, requests := rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	health := srv + "/health?from=httpok"
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: health, selector: sel("web")}})
	w.tick()
	w.tick()
	w.settle()
	if w.log.Messages() != "" {
		t.Fatalf("log:\n%s", w.log)
	}
	req, err := http.NewRequest(http.MethodGet, health, nil)
	rig.Must(t, err)
	req.Header.Set("User-Agent", userAgent)
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, DisableCompression: true}}
	resp, err := client.Do(req)
	rig.Must(t, err)
	resp.Body.Close()
	got := []string{<-requests, <-requests, <-requests}
	want := "GET /health?from=httpok HTTP/1.1\r\nHost: " + strings.TrimPrefix(srv, "http://") + "\r\nUser-Agent: httpok\r\nConnection: close\r\n\r\n"
	if got[0] != want || got[1] != want || got[2] != want {
		t.Fatalf("httpok's two checks and net/http's client sent %q, want each %q", got, want)
	}
}

// dial reads the answer as net/http's client does: informational (1xx)
// answers before it are skipped; a connection closed before any answer is
// the client's EOF; a header without end is cut off at the client's
// bound, 10 MiB.
func TestAnswersReadByHand(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, answer string
		want         string // the line logged; URL stands for the server's
	}{
		{"informational first", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
			`status contacting URL/: 503 Service Unavailable`},
		{"no answer", "", `error contacting URL/:   EOF`},
		{"a header without end", "HTTP/1.1 200 OK\r\nX-Padding: " + strings.Repeat("x", 11<<20), `error contacting URL/:   the answer's header is longer than 10 MiB`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := rawServer(t, tt.answer)
			w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
				cfg: config{url: srv + "/", selector: sel("web")}})
			w.tick()
			w.waitLog(`(?m)^` + strings.ReplaceAll(regexp.QuoteMeta(tt.want), "URL", regexp.QuoteMeta(srv)) + `$`)
			w.settle()
			if w.restarts("web") != 1 {
				t.Fatalf("log:\n%s", w.log)
			}
		})
	}
}

// Only http URLs with an ASCII host are checked by dial; https and an
// internationalised host name keep net/http's client, for its HTTP/2 and
// its IDNA.
func TestDials(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/health": true,
		"HTTP://Localhost/":            true,
		"http://[::1]/health":          true,
		"https://localhost/health":     false,
		"http://bücher.example/health": false,
	} {
		u, err := url.Parse(raw)
		rig.Must(t, err)
		if got := dials(u); got != want {
			t.Errorf("dials(%s) = %v, want %v", raw, got, want)
		}
	}
}
