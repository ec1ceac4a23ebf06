package httpok

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/testharness"
)

// Healthy answers (200, or any -c status) give no output at all.
func TestHealthyServerIsLeftAlone(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 200, "ok")
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL, selector: sel("web"), codes: []int{200, 201}, mail: mailTo}})
	w.tick()
	srv.status.Store(201)
	w.tick()
	w.settle()
	if w.log.Messages() != "" || w.stops("web") != 0 || len(w.mails()) != 0 || srv.requests.Load() != 2 {
		t.Fatalf("stops %d, mails %d, requests %d, log:\n%s", w.stops("web"), len(w.mails()), srv.requests.Load(), w.log)
	}
	if ua := <-srv.agents; ua != "httpok" {
		t.Fatalf("User-Agent %q", ua)
	}
}

// superlance's transcript for -p with a name that exists, a group:name of
// a numprocs program, and a name that does not exist.
func TestBadStatusRestartsTheSelectedProcesses(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	w := start(t, setup{
		programs: []testharness.Program{
			sleeper("foo", testharness.ProcessConfig{}),
			sleeper("baz", testharness.ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d"}),
			sleeper("other", testharness.ProcessConfig{}),
		},
		cfg: config{url: srv.URL + "/bar", selector: sel("foo", "baz:baz_01", "notexisting"), mail: mailTo},
	})
	w.tick()
	w.settle()
	if w.restarts("foo") != 1 || w.restarts("baz:baz_01") != 1 || w.stops("baz:baz_00") != 0 || w.stops("other") != 0 {
		t.Fatalf("restarts: foo %d, baz_01 %d; stops: baz_00 %d, other %d", w.restarts("foo"), w.restarts("baz:baz_01"), w.stops("baz:baz_00"), w.stops("other"))
	}
	body := "status contacting " + srv.URL + "/bar: 500 Internal Server Error\n" +
		"Restarting selected processes ['foo', 'baz:baz_01', 'notexisting']\n" +
		"baz:baz_01 is in RUNNING state, restarting\n" +
		"baz:baz_01 restarted\n" +
		"foo is in RUNNING state, restarting\n" +
		"foo restarted\n" +
		"Programs not restarted because they did not exist: ['notexisting']"
	mails := w.mails()
	if len(mails) != 1 || mails[0].Subject != "httpok: "+srv.URL+"/bar: bad status returned" || mails[0].Body != body || mails[0].To != "root, ops@example.com" {
		t.Fatalf("mails %q\nwant body:\n%s", mails, body)
	}
	// stderr has the same lines, as they happen, and the mail echoed.
	for _, line := range strings.Split(body, "\n") {
		if !strings.Contains(w.log.Messages(), line+"\n") {
			t.Errorf("log lacks %q:\n%s", line, w.log)
		}
	}
	// On one line, as every log entry.
	if !strings.Contains(w.log.Messages(), strings.ReplaceAll("Mailed:\n\nTo: root, ops@example.com\nSubject: httpok: "+srv.URL+"/bar: bad status returned\n\n"+body, "\n", " ")+"\n") {
		t.Errorf("mail not echoed:\n%s", w.log)
	}
}

// -p with the name of a numprocs program restarts none of its processes,
// as in superlance, which matches -p against process names and namespecs
// (baz_00, baz:baz_00) only: the name is reported as not existing, and a
// line, once, says how to select the program's processes. With -E nothing
// named so runs, so nothing is checked, and the same line says why.
func TestProgramNameOfANumprocsProgram(t *testing.T) {
	t.Parallel()
	numprocs := testharness.ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d"}
	hint := `(?m)^-p baz matches no process, but processes of a group of that name \(baz:baz_00, baz:baz_01\): a bare name is one process's name, as in superlance's httpok; write -p 'baz:\*' to restart all of them, or -p baz:baz_00 for one$`
	t.Run("eager", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, 500, "")
		w := start(t, setup{programs: []testharness.Program{sleeper("foo", testharness.ProcessConfig{}), sleeper("baz", numprocs)},
			cfg: config{url: srv.URL, selector: sel("foo", "baz"), mail: mailTo}})
		w.tick()
		w.waitLog(`(?m)^foo restarted$`)
		w.tick()
		w.settle()
		if w.restarts("foo") != 2 || w.stops("baz:baz_00") != 0 || w.stops("baz:baz_01") != 0 {
			t.Fatalf("restarts: foo %d; stops: baz_00 %d, baz_01 %d", w.restarts("foo"), w.stops("baz:baz_00"), w.stops("baz:baz_01"))
		}
		body := "status contacting " + srv.URL + ": 500 Internal Server Error\n" +
			"Restarting selected processes ['foo', 'baz']\n" +
			"foo is in RUNNING state, restarting\n" +
			"foo restarted\n" +
			"Programs not restarted because they did not exist: ['baz']"
		if mails := w.mails(); len(mails) != 2 || mails[0].Body != body {
			t.Fatalf("mails %q\nwant bodies:\n%s", mails, body)
		}
		if n := len(regexp.MustCompile(hint).FindAllString(w.log.Messages(), -1)); n != 1 {
			t.Fatalf("the hint %d times in 2 ticks:\n%s", n, w.log)
		}
	})
	t.Run("not eager", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, 500, "")
		w := start(t, setup{programs: []testharness.Program{sleeper("baz", numprocs)},
			cfg: config{url: srv.URL, selector: sel("baz"), notEager: true}})
		w.tick()
		w.tick()
		w.settle()
		if srv.requests.Load() != 0 || w.stops("baz:baz_00") != 0 {
			t.Fatalf("%d requests, %d stops", srv.requests.Load(), w.stops("baz:baz_00"))
		}
		if n := len(regexp.MustCompile(hint).FindAllString(w.log.Messages(), -1)); n != 1 || strings.Count(w.log.Messages(), "\n") != 1 {
			t.Fatalf("want the hint once and nothing else:\n%s", w.log)
		}
	})
}

// superlance's -b crashes on Python 3 (str in bytes); here a missing text
// restarts, a present one does not.
func TestBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 200, "all systems go")
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL, selector: sel("web"), body: "systems go", mail: mailTo, name: "thinko"}})
	w.tick()
	if w.log.Messages() != "" {
		t.Fatalf("body present, yet:\n%s", w.log)
	}
	srv.body.Store("all systems down")
	w.tick()
	w.settle()
	mails := w.mails()
	if w.restarts("web") != 1 || len(mails) != 1 || mails[0].Subject != "httpok [thinko]: "+srv.URL+": bad body returned" ||
		!strings.HasPrefix(mails[0].Body, "status contacting "+srv.URL+": 200 OK\nRestarting selected processes ['web']\n") {
		t.Fatalf("restarts %d, mails %q", w.restarts("web"), mails)
	}
}

// -a restarts every RUNNING process, reports the others, and spares httpok.
func TestAnyRestartsEveryRunningProcess(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 503, "")
	w := start(t, setup{
		programs: []testharness.Program{sleeper("a", testharness.ProcessConfig{}), sleeper("b", testharness.ProcessConfig{}),
			sleeper("idle", testharness.ProcessConfig{NoAutostart: true})},
		cfg: config{url: srv.URL, selector: sel()},
	})
	w.tick()
	w.settle()
	if w.restarts("a") != 1 || w.restarts("b") != 1 || w.stops("idle") != 0 || w.stops("httpok") != 0 {
		t.Fatalf("log:\n%s", w.log)
	}
	for _, line := range []string{
		"Restarting all running processes\n",
		"idle not in RUNNING state, NOT restarting\n",
		"httpok is httpok itself, NOT restarting\n",
		"a restarted\n",
	} {
		if !strings.Contains(w.log.Messages(), line) {
			t.Errorf("log lacks %q:\n%s", line, w.log)
		}
	}
}

// -E checks only while a watched process is RUNNING; superlance's -E
// compares bare names only, so with group:name (or -a) it never checks.
func TestNotEager(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	numprocs := testharness.ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d", NoAutostart: true}
	w := start(t, setup{programs: []testharness.Program{sleeper("web", numprocs)},
		cfg: config{url: srv.URL, selector: sel("web:web_01"), notEager: true}})
	w.tick()
	if srv.requests.Load() != 0 || w.log.Messages() != "" {
		t.Fatalf("checked with nothing RUNNING: %d requests, log:\n%s", srv.requests.Load(), w.log)
	}
	if err := w.Sup.Process("web:web_01").Start(w.ctx(), true); err != nil {
		t.Fatal(err)
	}
	w.tick()
	w.settle()
	if srv.requests.Load() != 1 || w.restarts("web:web_01") != 1 {
		t.Fatalf("%d requests, %d restarts; log:\n%s", srv.requests.Load(), w.restarts("web:web_01"), w.log)
	}
}

// freePort returns a loopback port nothing listens on.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// A refused connection is tried again within the timeout: a server that
// comes up meanwhile is healthy, with no output.
func TestRefusedConnectionIsRetried(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: "http://" + addr + "/", selector: sel("web"), timeout: 20 * time.Second, retryInterval: 100 * time.Millisecond}})
	go func() {
		time.Sleep(150 * time.Millisecond)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return // taken meanwhile: the test then fails with output
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
		t.Cleanup(func() { srv.Close() })
		srv.Serve(l)
	}()
	w.tick()
	if w.log.Messages() != "" || w.stops("web") != 0 {
		t.Fatalf("log:\n%s", w.log)
	}
}

// A connection refused until the timeout runs out acts; with superlance's
// numbers, -t 1 and retries every 10s, after one attempt (superlance #110).
func TestRefusedUntilTheTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		timeout, interval time.Duration
		attempts          string
	}{
		{time.Second, defaultRetryInterval, ""},
		{500 * time.Millisecond, 100 * time.Millisecond, ` \(5 attempts\)`},
	} {
		t.Run(tt.timeout.String(), func(t *testing.T) {
			t.Parallel()
			addr := freePort(t)
			w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
				cfg: config{url: "http://" + addr + "/", selector: sel("web"), timeout: tt.timeout, retryInterval: tt.interval}})
			w.tick()
			w.waitLog(`(?m)^error contacting http://` + regexp.QuoteMeta(addr) + `/:   dial tcp ` + regexp.QuoteMeta(addr) + `: connect: connection refused` + tt.attempts + `\nRestarting selected processes \['web'\]\n`)
			w.settle()
			if w.restarts("web") != 1 {
				t.Fatalf("log:\n%s", w.log)
			}
		})
	}
}

// A server that does not answer within the timeout is an error.
func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); srv.Close() })
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL, selector: sel("web"), timeout: 300 * time.Millisecond}})
	w.tick()
	w.waitLog(`(?m)^error contacting ` + regexp.QuoteMeta(srv.URL) + `:   timed out after 300ms \(-t/--timeout\)$`)
}

// -t bounds each socket operation, as superlance's socket timeout does,
// not the whole check: a server that answers at once and streams its body
// for longer than -t, never pausing that long, is healthy, -b found at the
// end of the body; one that pauses for longer than -t in the middle of the
// body is an error; one that never ends its body is cut off at ten times
// -t.
func TestTimeoutBoundsEachRead(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	stream := func(chunks int, pause time.Duration) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			for i := 0; chunks < 0 || i < chunks; i++ {
				fmt.Fprintf(w, "chunk %d\n", i)
				w.(http.Flusher).Flush()
				select {
				case <-time.After(pause):
				case <-r.Context().Done():
					return
				}
			}
			fmt.Fprint(w, "done\n")
		}
	}
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		want    string // the error line; "" for healthy
	}{
		{"slow but steady", stream(20, timeout/6), ""},
		{"a pause longer than -t", stream(2, 2*timeout), `error contacting \S+:   reading the body after 200 OK: timed out after 300ms \(-t/--timeout\)`},
		{"never ends", stream(-1, timeout/6), `error contacting \S+:   took more than 3s in all \(10 times -t/--timeout\)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
				cfg: config{url: srv.URL, selector: sel("web"), timeout: timeout, body: "done"}})
			began := time.Now()
			w.tick()
			took := time.Since(began)
			if tt.want == "" {
				w.tick()
				w.settle()
				if w.log.Messages() != "" || w.stops("web") != 0 {
					t.Fatalf("a body streamed over %v with -t %v: stops %d, log:\n%s", took, timeout, w.stops("web"), w.log)
				}
				if took < 2*timeout {
					t.Fatalf("the body took %v, not longer than -t %v: the test shows nothing", took, timeout)
				}
				return
			}
			w.waitLog(`(?m)^` + tt.want + `$`)
			w.settle()
			if w.restarts("web") != 1 {
				t.Fatalf("log:\n%s", w.log)
			}
		})
	}
}

// A redirect is the answer, as in superlance: healthy only if listed.
func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 302, "")
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL, selector: sel("web")}})
	w.tick()
	w.waitLog(`(?m)^status contacting ` + regexp.QuoteMeta(srv.URL) + `: 302 Found$`)
}

// https is verified: superlance's https is broken on Python 3.12+ and
// restarts the processes every tick; here a trusted server is healthy, an
// untrusted one is an error unless --insecure.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	for _, tt := range []struct {
		name     string
		roots    *x509.CertPool
		insecure bool
		restarts int
	}{
		{"trusted", roots, false, 0},
		{"untrusted", nil, false, 1},
		{"insecure", nil, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
				cfg: config{url: srv.URL, selector: sel("web"), rootCAs: tt.roots, insecure: tt.insecure}})
			w.tick()
			w.settle()
			if w.restarts("web") != tt.restarts {
				t.Fatalf("%d restarts, want %d; log:\n%s", w.restarts("web"), tt.restarts, w.log)
			}
			if tt.restarts == 1 && !strings.Contains(w.log.Messages(), "tls: failed to verify certificate: x509: certificate signed by unknown authority") {
				t.Fatalf("log:\n%s", w.log)
			}
		})
	}
}

func TestIPv6(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatalf("no IPv6 loopback: %v", err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://[::1]:") {
		t.Fatalf("URL %s", srv.URL)
	}
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL + "/health", selector: sel("web")}})
	w.tick()
	w.waitLog(`(?m)^status contacting ` + regexp.QuoteMeta(srv.URL) + `/health: 500 Internal Server Error$`)
	w.settle()
	if w.restarts("web") != 1 {
		t.Fatalf("log:\n%s", w.log)
	}
}

// gcore dumps the core into the core directory before the restart, and its
// output comes first in the mail, as in superlance.
func TestGcore(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	dir := t.TempDir()
	gcore := filepath.Join(dir, "gcore")
	if err := os.WriteFile(gcore, []byte("#!/bin/sh\necho \"$@\" > \""+dir+"/args\"\necho dumped core of $3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cores := filepath.Join(dir, "core dir")
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL, selector: sel("web"), gcore: gcore + " -o", coreDir: cores, mail: mailTo}})
	pid := w.Sup.Process("web").PID()
	w.tick()
	w.settle()
	args, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil || string(args) != fmt.Sprintf("-o %s/web %d\n", cores, pid) {
		t.Fatalf("gcore arguments %q, %v", args, err)
	}
	mails := w.mails()
	want := fmt.Sprintf("Restarting selected processes ['web']\ngcore output for web:\n\n dumped core of %d\nweb is in RUNNING state, restarting\nweb restarted", pid)
	if len(mails) != 1 || !strings.HasSuffix(mails[0].Body, want) {
		t.Fatalf("mails %q, want a body ending\n%s", mails, want)
	}
}

// A failed start is reported with the fault as superlance prints it, and
// httpok keeps serving.
func TestFailedStart(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	marker := filepath.Join(t.TempDir(), "started")
	once := testharness.Program{Name: "once", ProcessConfig: testharness.ProcessConfig{
		Command:   []string{"sh", "-c", `test -e "$0" && exit 1; touch "$0"; exec sleep 3600`, marker},
		StartSecs: 300 * time.Millisecond, StartRetries: -1}}
	w := start(t, setup{programs: []testharness.Program{once}, cfg: config{url: srv.URL, selector: sel("once")}})
	if err := w.Sup.WaitProcessState(w.ctx(), "once", listener.StateRunning); err != nil {
		t.Fatal(err)
	}
	w.tick()
	w.waitLog(`(?m)^Failed to start process once: <Fault (40: 'ABNORMAL_TERMINATION|50: 'SPAWN_ERROR): once'>$`)
	w.tick()
	w.waitLog(`(?m)^once not in RUNNING state, NOT restarting$`)
}

func TestConsecutiveFailuresBeforeActing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	cfg := config{url: srv.URL, selector: sel("web")}
	cfg.restart.Consecutive = 3
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})}, cfg: cfg})
	w.tick()
	w.tick()
	srv.status.Store(200) // a healthy check ends the streak
	w.tick()
	srv.status.Store(500)
	w.tick()
	w.tick()
	if w.stops("web") != 0 {
		t.Fatalf("restarted before 3 failures in a row:\n%s", w.log)
	}
	w.tick()
	w.settle()
	if w.restarts("web") != 1 {
		t.Fatalf("log:\n%s", w.log)
	}
	if n := strings.Count(w.log.Messages(), "(1 of 3 failed checks in a row before restarting)"); n != 2 {
		t.Fatalf("streak lines:\n%s", w.log)
	}
}

func TestRestartBudget(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	cfg := config{url: srv.URL, selector: sel("web")}
	cfg.restart.Policy = restart.Policy{Consecutive: 1, MaxRestarts: 1, Window: time.Hour}
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})}, cfg: cfg})
	w.tick()
	w.waitLog(`(?m)^web restarted$`)
	w.tick()
	w.settle()
	if w.restarts("web") != 1 {
		t.Fatalf("log:\n%s", w.log)
	}
	w.waitLog(`(?m)^web not restarted: restart budget spent: restarted 1 times in the last 1h0m0s \(--max-restarts\); next restart allowed after `)
}

// A restart does not hold up the event loop: ticks are answered while the
// process takes its stopwaitsecs to stop, and it is restarted once.
func TestRestartsDoNotBlockTheEventLoop(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	stubborn := testharness.Program{Name: "stubborn", ProcessConfig: testharness.ProcessConfig{
		Command: []string{"memhog", "-ignore-sigterm"}, StopWaitSecs: time.Second}}
	w := start(t, setup{programs: []testharness.Program{stubborn}, cfg: config{url: srv.URL, selector: sel("stubborn")}})
	waitReady(t, w.Sup, "stubborn")
	w.tick()
	w.tick()
	w.tick()
	w.settle()
	if w.stops("stubborn") != 1 || w.restarts("stubborn") != 1 {
		t.Fatalf("stopped %d, restarted %d:\n%s", w.stops("stubborn"), w.restarts("stubborn"), w.log)
	}
	if !strings.Contains(w.log.Messages(), "stubborn is already being restarted, NOT restarting") {
		t.Fatalf("log:\n%s", w.log)
	}
	tr := w.Sup.Transcript()
	results := tr.Filter(testharness.RecordResult, "httpok")
	var stoppedSeq int
	for _, r := range tr.Filter(testharness.RecordProcessState, "stubborn") {
		if r.ToState == listener.StateStopped {
			stoppedSeq = r.Seq
			break
		}
	}
	if len(results) != 3 || stoppedSeq == 0 || results[2].Seq > stoppedSeq {
		t.Fatalf("ticks were not answered before the stop finished:\n%s", tr)
	}
}

// waitReady waits until memhog program name has said "ready", after which
// it ignores SIGTERM.
func waitReady(t *testing.T, s *testharness.Supervisor, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(s.Process(name).Info().StdoutLogfile)
		if strings.Contains(string(b), "ready") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready", name)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// supervisord answering SHUTDOWN_STATE, or gone: one line, no mail, the
// tick acknowledged; the next tick tries again, and the failure is not
// logged again while it stays the same.
func TestSupervisordUnavailable(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	tick := listener.Event{Header: listener.Header{EventName: listener.Tick5}, Payload: "when:1700000000"}
	gone, _ := rpc.New("unix://" + filepath.Join(t.TempDir(), "gone.sock"))
	s := testharness.Start(t, testharness.Config{RPC: true})
	stopping, _ := rpc.New(s.ServerURL())
	if err := stopping.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		client   *rpc.Client
		notEager bool
		want     string
	}{
		{gone, false, `(?m)^Exception retrieving process info supervisor\.getAllProcessInfo: supervisord socket \S+ does not exist.*, not acting$`},
		{stopping, false, `(?m)^Exception retrieving process info .*SHUTDOWN_STATE.*, not acting$`},
		{stopping, true, `(?m)^Exception retrieving process info .*SHUTDOWN_STATE.*, not checking ` + regexp.QuoteMeta(srv.URL) + `$`},
	} {
		var buf rig.Buffer
		c, err := newHandler(config{url: srv.URL, selector: sel("web"), notEager: tt.notEager, log: log.New(&buf)}, tt.client)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := c.HandleEvent(context.Background(), tick); err != nil {
				t.Fatalf("tick rejected: %v", err)
			}
		}
		if n := len(regexp.MustCompile(tt.want).FindAllString(buf.Messages(), -1)); n != 1 {
			t.Errorf("log:\n%s", buf.String())
		}
		c.Shutdown(context.Background())
	}
}

// Events other than TICK are acknowledged without a check.
func TestOtherEventsAreIgnored(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 500, "")
	gone, _ := rpc.New("unix:///nonexistent/supervisor.sock")
	var buf rig.Buffer
	c, err := newHandler(config{url: srv.URL, selector: sel("web"), log: log.New(&buf)}, gone)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	ev := testharness.NewProcessGroupAddedEvent("web")
	if err := c.HandleEvent(context.Background(), listener.Event{Header: listener.Header{EventName: ev.Type}, Payload: ev.Payload}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "" || srv.requests.Load() != 0 {
		t.Fatalf("log:\n%s", buf.String())
	}
}

// A process that exits between the check and the restart is not a failure.
// If it is gone when httpok looks at it again, httpok says it is not
// RUNNING and leaves it; if it goes after that, stopProcess answers
// NOT_RUNNING, and httpok starts it as if it had stopped it. Either way one
// clear line, no "Failed to", and the listener keeps serving.
func TestProcessExitsBetweenCheckAndRestart(t *testing.T) {
	t.Parallel()
	t.Run("during the check", func(t *testing.T) {
		t.Parallel()
		var w *world
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if p := w.Sup.Process("web"); p.State() == listener.StateRunning {
				p.Exit(1)
			}
			http.Error(rw, "dying", http.StatusInternalServerError)
		}))
		t.Cleanup(srv.Close)
		web := testharness.Program{Name: "web", ProcessConfig: testharness.ProcessConfig{Autorestart: testharness.RestartNever}}
		w = start(t, setup{programs: []testharness.Program{web}, cfg: config{url: srv.URL, selector: sel("web")}})
		w.tick()
		w.waitLog(`(?m)^web not in RUNNING state, NOT restarting$`)
		w.tick() // still serving
		w.settle()
		if strings.Contains(w.log.Messages(), "Failed to") {
			t.Fatalf("an exit was reported as a failure:\n%s", w.log)
		}
	})
	t.Run("just before the stop", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, 500, "")
		// httpok runs the core dumper between its last look at the process
		// and stopProcess; this one kills the process and waits until it
		// is gone, so that stopProcess finds it EXITED.
		killer := `/bin/sh -c 'kill -9 "$2"; while kill -0 "$2" 2>/dev/null; do sleep 0.01; done; sleep 0.2' gcore`
		web := testharness.Program{Name: "web", ProcessConfig: testharness.ProcessConfig{
			Command: []string{"sleep", "3600"}, Autorestart: testharness.RestartNever}}
		w := start(t, setup{programs: []testharness.Program{web}, cfg: config{url: srv.URL, selector: sel("web"),
			coreDir: t.TempDir(), gcore: killer}})
		if err := w.Sup.WaitProcessState(w.ctx(), "web", listener.StateRunning); err != nil {
			t.Fatal(err)
		}
		w.tick()
		w.waitLog(`(?ms)^web is in RUNNING state, restarting$.*^web restarted$`)
		w.tick() // still serving
		w.settle()
		if strings.Contains(w.log.Messages(), "Failed to") {
			t.Fatalf("NOT_RUNNING was reported as a failure:\n%s", w.log)
		}
		states := fmt.Sprint(w.Sup.Transcript().ProcessStates("web"))
		if !strings.Contains(states, "RUNNING EXITED STARTING RUNNING") {
			t.Fatalf("web went through %s: want killed (EXITED, no stop) then started", states)
		}
	})
}

// With -E the process table follows supervisord: the first tick reads
// every process (getPID, getAllProcessInfo, and here a getProcessInfo
// about httpok's own pool, whose pid the emulated supervisord makes up, so
// that /proc cannot show it), a tick after which nothing started or
// stopped makes no XML-RPC call yet checks the URL, and after a stop httpok
// learns that nothing it watches runs, and checks no more.
// Not parallel: the emulated supervisord's children are the test binary's,
// and so would be those of the other tests, which the table would see.
func TestNotEagerQuietTicksCallNothing(t *testing.T) {
	srv := newServer(t, 200, "ok")
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{}), sleeper("other", testharness.ProcessConfig{})},
		cfg: config{url: srv.URL, selector: sel("web"), notEager: true}})
	for _, name := range []string{"web", "other"} {
		rig.Must(t, w.Sup.WaitProcessState(w.ctx(), name, listener.StateRunning))
	}
	calls := func() []string {
		var out []string
		for _, c := range w.Sup.Transcript().Calls("") {
			out = append(out, c.String())
		}
		return out
	}
	w.tick()
	if got := strings.Join(calls(), " "); got != "supervisor.getPID() supervisor.getAllProcessInfo() supervisor.getProcessInfo('httpok')" {
		t.Fatalf("first tick called %s", got)
	}
	for range 3 {
		w.tick()
	}
	if got := calls(); len(got) != 3 || srv.requests.Load() != 4 {
		t.Fatalf("quiet ticks: calls %v, %d requests of 4", got, srv.requests.Load())
	}
	rig.Must(t, w.Sup.Process("web").Stop(w.ctx(), true))
	w.tick()
	w.tick()
	if got := calls(); len(got) != 4 || got[3] != "supervisor.getProcessInfo('web')" || srv.requests.Load() != 4 {
		t.Fatalf("after a stop: calls %v, %d requests, want getProcessInfo('web') more and 4 requests", got, srv.requests.Load())
	}
	if w.log.Messages() != "" {
		t.Fatalf("log:\n%s", w.log)
	}
}

// With -E, the process table follows PROCESS_STATE events: a malformed one
// gets the one line every plugin writes for it, and is acknowledged.
// Not parallel, as TestNotEagerQuietTicksCallNothing.
func TestNotEagerMalformedEventIsLogged(t *testing.T) {
	srv := newServer(t, 200, "ok")
	w := start(t, setup{programs: []testharness.Program{sleeper("web", testharness.ProcessConfig{})},
		events: []listener.EventType{listener.Tick5, listener.ProcessState},
		cfg:    config{url: srv.URL, selector: sel("web"), notEager: true}})
	rig.Must(t, w.Sup.WaitProcessState(w.ctx(), "web", listener.StateRunning))
	w.tick() // loads the table
	w.Sup.Notify(testharness.NewRawEvent(listener.ProcessStateExited, "garbage"))
	w.Idle()
	if res := w.Results(); slices.ContainsFunc(res, func(s string) bool { return s != "OK" }) {
		t.Errorf("results %q, want every event acknowledged", res)
	}
	if n := strings.Count(w.log.Messages(), "ignoring a malformed PROCESS_STATE_EXITED event (serial "); n != 1 {
		t.Errorf("%d malformed-event lines, want 1; log:\n%s", n, w.log)
	}
}

// With -E, a watched process being stopped (STOPPING, its pid still
// there, so the table has seen no change) is not acted on when the check
// fails meanwhile: superlance, asking supervisord at every tick, would
// not have checked.
func TestNotEagerDuringAStop(t *testing.T) {
	t.Parallel()
	srv := newServer(t, 200, "")
	stubborn := testharness.Program{Name: "stubborn", ProcessConfig: testharness.ProcessConfig{
		Command: []string{"memhog", "-ignore-sigterm"}, StopWaitSecs: 3 * time.Second}}
	w := start(t, setup{programs: []testharness.Program{stubborn}, cfg: config{url: srv.URL, selector: sel("stubborn"), notEager: true, mail: mailTo}})
	waitReady(t, w.Sup, "stubborn")
	w.tick()
	rig.Must(t, w.Sup.Process("stubborn").Stop(w.ctx(), false))
	rig.Must(t, w.Sup.WaitProcessState(w.ctx(), "stubborn", listener.StateStopping))
	srv.status.Store(503)
	w.tick()
	if srv.requests.Load() > 2 || w.log.Messages() != "" || len(w.mails()) != 0 {
		t.Fatalf("%d requests, %d mails; log:\n%s", srv.requests.Load(), len(w.mails()), w.log)
	}
}
