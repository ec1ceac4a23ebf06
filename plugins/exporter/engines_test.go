package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// engine is a real Prometheus or Alertmanager run for one test.
type engine struct {
	addr string
	cmd  *exec.Cmd
	out  *lockedBuffer
}

// startEngine runs bin with args (which name addr as its listen address),
// waits for its /-/ready, and stops it when the test ends.
func startEngine(t testing.TB, bin, addr string, args ...string) *engine {
	t.Helper()
	e := &engine{addr: addr, out: &lockedBuffer{}}
	e.cmd = exec.Command(bin, args...)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready on %s:\n%s", bin, addr, e.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *engine) stop() {
	if e.cmd.Process != nil && e.cmd.ProcessState == nil {
		_ = e.cmd.Process.Kill()
		_ = e.cmd.Wait()
	}
}

// startPrometheus runs a real Prometheus scraping targets every interval.
func startPrometheus(t testing.TB, interval time.Duration, targets ...string) *engine {
	t.Helper()
	bin := requireTool(t, "prometheus", "prometheus")
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = strconv.Quote(tg)
	}
	conf := fmt.Sprintf(`global:
  scrape_interval: %s
  evaluation_interval: %[1]s
scrape_configs:
  - job_name: supervisord
    static_configs:
      - targets: [%s]
`, model(interval), strings.Join(quoted, ", "))
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	return startEngine(t, bin, addr, "--config.file="+path, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
}

// model writes d as Prometheus's configuration writes durations: 3s,
// 500ms.
func model(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	return strconv.Itoa(int(d/time.Millisecond)) + "ms"
}

// promSample is one value of a query's answer.
type promSample struct {
	Metric map[string]string
	At     float64
	Value  float64
}

// query asks Prometheus's HTTP API; a range selector returns every raw
// sample.
func (e *engine) query(t testing.TB, q string) []promSample {
	t.Helper()
	resp, err := http.Get("http://" + e.addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			ResultType string
			Result     []struct {
				Metric map[string]string
				Value  []any
				Values [][]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("query %q: %v (status %q)", q, err, r.Status)
	}
	var out []promSample
	for _, res := range r.Data.Result {
		vals := res.Values
		if res.Value != nil {
			vals = [][]any{res.Value}
		}
		for _, v := range vals {
			f, _ := strconv.ParseFloat(v[1].(string), 64)
			out = append(out, promSample{Metric: res.Metric, At: v[0].(float64), Value: f})
		}
	}
	return out
}

// amRoute is the route of the test's Alertmanager: alerts about the same
// program on any host form one group.
const amRoute = `route:
  receiver: hook
  group_by: [alertname, group, process]
  group_wait: 3s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: %q
        send_resolved: true
`

// startAlertmanager runs a real Alertmanager on addr, without clustering,
// notifying the webhook at hookURL.
func startAlertmanager(t testing.TB, addr, hookURL string) *engine {
	t.Helper()
	bin := requireTool(t, "prometheus-alertmanager", "prometheus-alertmanager")
	dir := t.TempDir()
	path := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(amRoute, hookURL)), 0o644); err != nil {
		t.Fatal(err)
	}
	return startEngine(t, bin, addr, "--config.file="+path, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
}

// notification is what Alertmanager's webhook receiver posts.
type notification struct {
	Status      string
	GroupLabels map[string]string
	Alerts      []struct {
		Status      string
		Labels      map[string]string
		Annotations map[string]string
		StartsAt    time.Time
		EndsAt      time.Time
	}
}

// webhook is a local receiver of Alertmanager's notifications.
type webhook struct {
	mu   sync.Mutex
	got  []notification
	srv  *http.Server
	addr string
}

func startWebhook(t testing.TB) *webhook {
	t.Helper()
	w := &webhook{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.addr = ln.Addr().String()
	w.srv = &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var n notification
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			t.Errorf("webhook: %v", err)
		}
		w.mu.Lock()
		w.got = append(w.got, n)
		w.mu.Unlock()
	})}
	go w.srv.Serve(ln)
	t.Cleanup(func() { w.srv.Close() })
	return w
}

func (w *webhook) url() string { return "http://" + w.addr + "/hook" }

func (w *webhook) notifications() []notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]notification(nil), w.got...)
}

// waitFor polls cond every 100ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrape returns the text of a GET.
func scrape(t testing.TB, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s", u, err, resp.Status)
	}
	return string(b)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
