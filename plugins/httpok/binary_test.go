package httpok

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// webserve is a program serving HTTP on the address in its first argument,
// answering every request with the status in its second: the unhealthy
// and healthy programs of the integration tests. It writes each request's
// method, path and basic credentials' user (the password's length only) to
// stdout, for tests that count the checks.
func webserve() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: webserve ADDR STATUS")
		os.Exit(2)
	}
	status, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "webserve:", err)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "webserve:", err)
		os.Exit(1)
	}
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, _ := r.BasicAuth()
		fmt.Printf("%s %s user=%s password-length=%d\n", r.Method, r.URL.Path, user, len(password))
		w.WriteHeader(status)
		fmt.Fprintf(w, "status %d from pid %d\n", status, os.Getpid())
	}))
}

// The real binary, trusting a private CA through SSL_CERT_FILE, checks an
// https URL with verification, restarts under -a every process but itself
// when the answer turns bad, and writes nothing but the protocol to stdout.
func TestBinaryHTTPSAndAny(t *testing.T) {
	t.Parallel()
	var status = make(chan int, 1)
	status <- http.StatusOK
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := <-status
		status <- s
		w.WriteHeader(s)
	}))
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	s := testharness.Start(t, testharness.Config{
		RPC:      true,
		Programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		Pools: []testharness.Pool{{Name: "httpok", Events: []listener.EventType{listener.Tick5},
			ProcessConfig: testharness.ProcessConfig{Command: []string{"httpok", "-a", srv.URL + "/health"}, Env: []string{"SSL_CERT_FILE=" + ca}, Priority: 1}}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitListenerState(ctx, "httpok", testharness.ListenerReady); err != nil {
		t.Fatal(err)
	}
	s.Tick(listener.Tick5)
	if err := s.WaitResults(ctx, "httpok", 1); err != nil {
		t.Fatal(err)
	}
	<-status
	status <- http.StatusServiceUnavailable
	s.Tick(listener.Tick5)
	if err := s.WaitFor(ctx, "web restarted", func(tr *testharness.Transcript) bool { return rig.Restarts(tr, "web") == 1 }); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, s.Process("httpok").Stderr())
	}
	if err := s.WaitResults(ctx, "httpok", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitStderr(ctx, "httpok", regexp.MustCompile(`httpok is httpok itself, NOT restarting\n`)); err != nil {
		t.Fatal(err)
	}
	stderr := s.Process("httpok").Stderr()
	if rig.Restarts(s.Transcript(), "httpok") != 0 || !strings.Contains(stderr, "httpok is httpok itself, NOT restarting\n") ||
		!strings.Contains(stderr, "status contacting "+srv.URL+"/health: 503 Service Unavailable\n") || strings.Contains(stderr, "200 OK") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	if got := string(s.Transcript().Received("httpok")); got != "READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n" {
		t.Fatalf("stdout %q", got)
	}
}
