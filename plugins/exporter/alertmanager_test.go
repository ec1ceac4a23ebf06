package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golance/golance/plugins/internal/alertmanager"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/testharness/supervisord"
	"github.com/spf13/cobra"
)

// webProgram is a program that stays up, and stays down once killed
// (autorestart=false), until it is started again.
const webProgram = `
[program:web]
command=sh -c 'echo "listening on :8080" >&2; exec sleep 1000'
autorestart=false
startsecs=1
`

// exporterListener is the [eventlistener:x] of an exporter posting to the
// Alertmanagers at urls.
func exporterListener(t testing.TB, outbox string, urls ...string) string {
	args := " --web.listen-address " + freeAddr(t) + " --sample-interval 1s --alertmanager.resend-interval 1s --outbox " + outbox
	for _, u := range urls {
		args += " --alertmanager.url " + u
	}
	return `
[eventlistener:exporter]
command=` + binary(t) + args + `
events=PROCESS_STATE,PROCESS_GROUP,SUPERVISOR_STATE_CHANGE,TICK_5
buffer_size=100
`
}

// Two supervisords with different identifications post to one real
// Alertmanager: the same program crashing on both is one group, notified
// once, and resolved once both are RUNNING again.
func TestIntegrationAlertmanagerGroupsHosts(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	hook := startWebhook(t)
	amAddr := freeAddr(t)
	startAlertmanager(t, amAddr, hook.url())
	var svs []*supervisord.Supervisord
	for _, id := range []string{"host-a", "host-b"} {
		sv := supervisord.Start(t, supervisord.Config{Identifier: id, LogLevel: "info",
			Sections: exporterListener(t, filepath.Join(t.TempDir(), "outbox"), "http://"+amAddr) + webProgram})
		sv.WaitLog(t, `success: exporter entered RUNNING state`)
		sv.WaitLog(t, `success: web entered RUNNING state`)
		svs = append(svs, sv)
	}
	ctx := context.Background()
	var kills sync.WaitGroup
	for _, sv := range svs {
		kills.Add(1)
		go func() {
			defer kills.Done()
			if err := sv.Client.SignalProcess(ctx, "web", "KILL"); err != nil {
				t.Error(err)
			}
		}()
	}
	kills.Wait()
	// firing returns the notifications of alerts firing, leaving out the
	// updates that tell one host recovered before the other.
	firing := func() []notification {
		var out []notification
		for _, n := range hook.notifications() {
			all := true
			for _, a := range n.Alerts {
				all = all && a.Status == "firing"
			}
			if all {
				out = append(out, n)
			}
		}
		return out
	}
	waitFor(t, 20*time.Second, "the firing notification", func() bool { return len(firing()) > 0 })
	n := firing()[0]
	if n.GroupLabels["alertname"] != "SupervisordProcessExited" || n.GroupLabels["process"] != "web" || len(n.Alerts) != 2 {
		t.Fatalf("first notification: %+v", n)
	}
	hosts := []string{n.Alerts[0].Labels["host"], n.Alerts[1].Labels["host"]}
	sort.Strings(hosts)
	if hosts[0] != "host-a" || hosts[1] != "host-b" {
		t.Errorf("the group's alerts come from %v, want host-a and host-b", hosts)
	}
	for _, a := range n.Alerts {
		if a.Annotations["exit_status"] != "killed by a signal" && !strings.Contains(a.Annotations["exit_status"], "SIGKILL") {
			t.Errorf("exit_status annotation %q", a.Annotations["exit_status"])
		}
		if !strings.Contains(a.Annotations["log_tail"], "listening on :8080") || a.Annotations["uptime"] == "" {
			t.Errorf("annotations %v", a.Annotations)
		}
	}

	// Several resends later, still one firing notification.
	time.Sleep(3 * time.Second)
	if got := len(firing()); got != 1 {
		t.Errorf("%d firing notifications for one group, want 1: %+v", got, firing())
	}
	for _, sv := range svs {
		if err := sv.Client.StartProcess(ctx, "web", false); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		if t.Failed() {
			b, _ := json.MarshalIndent(hook.notifications(), "", " ")
			t.Logf("notifications: %s", b)
		}
	}()
	waitFor(t, 20*time.Second, "the resolved notification", func() bool {
		for _, n := range hook.notifications() {
			if n.Status == "resolved" {
				return true
			}
		}
		return false
	})
	resolved := map[string]bool{}
	for _, n := range hook.notifications() {
		for _, a := range n.Alerts {
			if a.Status == "resolved" {
				resolved[a.Labels["host"]] = true
			}
		}
	}
	if !resolved["host-a"] || !resolved["host-b"] {
		t.Errorf("resolved: %v, want both hosts", resolved)
	}
	if got := len(firing()); got != 1 {
		t.Errorf("%d firing notifications, want 1: %+v", got, hook.notifications())
	}
}

// recordingProxy stands in front of an Alertmanager that may not run yet:
// it forwards each post and records those the Alertmanager accepted.
type recordingProxy struct {
	mu       sync.Mutex
	accepted [][]alertmanager.Alert
	refused  atomic.Int64
	srv      *httptest.Server
}

func newRecordingProxy(t testing.TB, target string) *recordingProxy {
	p := &recordingProxy{}
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		p.refused.Add(1)
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			var alerts []alertmanager.Alert
			_ = json.Unmarshal(body, &alerts)
			p.mu.Lock()
			p.accepted = append(p.accepted, alerts)
			p.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// transitions returns, per alert (host/alertname/process), the sequence of
// firing (F) and resolved (R) posts the Alertmanager accepted.
func (p *recordingProxy) transitions() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]string{}
	for _, post := range p.accepted {
		for _, a := range post {
			k := a.Labels["alertname"] + "/" + a.Labels["process"]
			s := "F"
			if a.EndsAt.Before(time.Now()) {
				s = "R"
			}
			if cur := out[k]; !strings.HasSuffix(cur, s) {
				out[k] = cur + s
			}
		}
	}
	return out
}

// Alertmanager down for a while, then up: nothing is lost. While it is
// down, one program crashes and stays down and another crashes and
// recovers; once it is up, both firing alerts and the resolution reach it,
// in order, and the still-broken one is notified.
func TestIntegrationAlertmanagerOutage(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	requireTool(t, "prometheus-alertmanager", "prometheus-alertmanager")
	hook := startWebhook(t)
	amAddr := freeAddr(t)
	proxy := newRecordingProxy(t, "http://"+amAddr)
	sv := supervisord.Start(t, supervisord.Config{Identifier: "lonely", LogLevel: "info",
		Sections: exporterListener(t, filepath.Join(t.TempDir(), "outbox"), proxy.srv.URL) + webProgram + `
[program:api]
command=sleep 1000
autorestart=false
`})
	sv.WaitLog(t, `success: exporter entered RUNNING state`)
	sv.WaitLog(t, `success: web entered RUNNING state`)
	ctx := context.Background()
	for _, p := range []string{"web", "api"} {
		if err := sv.Client.SignalProcess(ctx, p, "KILL"); err != nil {
			t.Fatal(err)
		}
	}
	sv.WaitLog(t, `exited: api`)
	if err := sv.Client.StartProcess(ctx, "api", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "failed posts", func() bool { return proxy.refused.Load() >= 2 })
	time.Sleep(2 * time.Second)
	startAlertmanager(t, amAddr, hook.url())
	waitFor(t, 30*time.Second, "the outbox to drain", func() bool {
		tr := proxy.transitions()
		return tr["SupervisordProcessExited/web"] != "" && strings.HasSuffix(tr["SupervisordProcessExited/api"], "R")
	})
	tr := proxy.transitions()
	if tr["SupervisordProcessExited/web"] != "F" || tr["SupervisordProcessExited/api"] != "FR" {
		t.Errorf("Alertmanager got %v; want web firing, api firing then resolved", tr)
	}
	waitFor(t, 20*time.Second, "web's notification", func() bool {
		for _, n := range hook.notifications() {
			if n.Status == "firing" && n.GroupLabels["process"] == "web" {
				return true
			}
		}
		return false
	})
	_, path := sv.ChildLogs(t, "exporter")
	waitFor(t, 10*time.Second, "the end of the outage in the exporter's log", func() bool {
		b, _ := os.ReadFile(path)
		return strings.Contains(string(b), "is back: delivered")
	})
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "undelivered") {
		t.Errorf("the exporter's log should tell the outage:\n%s", b)
	}
}

// SIGTERM while the Alertmanager is down: the exporter stops retrying at
// once, so that `supervisorctl stop` returns well within stopwaitsecs,
// and the alert reaches the Alertmanager after the next start: from the
// outbox, or, without one, from the event supervisord delivers again.
func TestIntegrationAlertmanagerStopDuringOutage(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	requireTool(t, "prometheus-alertmanager", "prometheus-alertmanager")
	for _, ob := range []string{"dir", "none"} {
		t.Run("outbox="+ob, func(t *testing.T) {
			t.Parallel()
			hook := startWebhook(t)
			amAddr := freeAddr(t)
			proxy := newRecordingProxy(t, "http://"+amAddr)
			dir := ob
			if ob == "dir" {
				dir = filepath.Join(t.TempDir(), "outbox")
			}
			sv := supervisord.Start(t, supervisord.Config{Identifier: "stopping", LogLevel: "debug",
				Sections: exporterListener(t, dir, proxy.srv.URL) + webProgram})
			sv.WaitLog(t, `success: exporter entered RUNNING state`)
			sv.WaitLog(t, `success: web entered RUNNING state`)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if err := sv.Client.SignalProcess(ctx, "web", "KILL"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 20*time.Second, "failed posts", func() bool { return proxy.refused.Load() >= 2 })
			start := time.Now()
			if err := sv.Client.StopProcess(ctx, "exporter", true); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			t.Logf("supervisorctl stop took %s", took)
			if took > 2*time.Second || strings.Contains(sv.Log(), "killing 'exporter'") {
				_, path := sv.ChildLogs(t, "exporter")
				b, _ := os.ReadFile(path)
				t.Errorf("stopping the exporter took %s (SIGKILL: %v):\n%s", took, strings.Contains(sv.Log(), "killing 'exporter'"), b)
			}
			startAlertmanager(t, amAddr, hook.url())
			if err := sv.Client.StartProcess(ctx, "exporter", true); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 30*time.Second, "web's alert after the restart", func() bool {
				return strings.HasPrefix(proxy.transitions()["SupervisordProcessExited/web"], "F")
			})
		})
	}
}

// Credentials for an Alertmanager behind a proxy that asks for them come
// from the environment or --alertmanager.auth-file; a URL's own
// user:password@ still works and wins, with one warning line naming
// those places.
func TestAlertmanagerCredentials(t *testing.T) {
	// Not parallel: it sets environment variables.
	var auths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, _ := r.BasicAuth()
		mu.Lock()
		auths = append(auths, r.URL.Path+" "+user+":"+pw)
		mu.Unlock()
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "am-auth")
	if err := os.WriteFile(file, []byte("ops:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inURL := strings.Replace(srv.URL, "http://", "http://url:inurl@", 1) + "/b"
	for _, tt := range []struct {
		name       string
		env        [2]string
		args       []string
		want, warn string
	}{
		{"file", [2]string{}, []string{"--alertmanager.auth-file", file}, "ops:s3cret", "WARN the Alertmanager password is on the command line (in --alertmanager.url http://url:xxxxx@"},
		{"environment", [2]string{"envuser", "envpw"}, nil, "envuser:envpw", "WARN the Alertmanager password is on the command line"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envAMUsername, tt.env[0])
			t.Setenv(envAMPassword, tt.env[1])
			var cfg *config
			cmd := newCommand(func(_ *cobra.Command, c *config) error { cfg = c; return nil })
			cmd.SetArgs(append([]string{"--alertmanager.url", srv.URL + "/a", "--alertmanager.url", inURL, "--outbox", "none"}, tt.args...))
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			r := newRig(t)
			ob, err := openAlerts(cfg, r.h, r.col, log.New(&buf))
			if err != nil {
				t.Fatal(err)
			}
			defer ob.Close(context.Background())
			auths = nil
			for _, s := range r.h.alerts.sinks {
				it, err := s.sink.Item(s.name, "k", "test", alertmanager.Alert{Labels: map[string]string{"alertname": "X"}})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.sink.Deliver(context.Background(), it); err != nil {
					t.Fatal(err)
				}
			}
			sort.Strings(auths)
			if want := []string{"/a/api/v2/alerts " + tt.want, "/b/api/v2/alerts url:inurl"}; strings.Join(auths, "|") != strings.Join(want, "|") {
				t.Errorf("the Alertmanagers saw %q, want %q", auths, want)
			}
			logged := buf.String()
			if strings.Count(logged, "\n") != 1 || !strings.Contains(logged, tt.warn) || strings.Contains(logged, "inurl") ||
				!strings.Contains(logged, envAMUsername+" and "+envAMPassword) || !strings.Contains(logged, "--"+flagAMAuthFile) {
				t.Errorf("logged:\n%s\nwant one line with %q naming the places to use instead, without the password", logged, tt.warn)
			}
		})
	}
}
