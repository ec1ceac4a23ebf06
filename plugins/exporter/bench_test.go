package exporter

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// promhandler serves g's metrics as a scrape asks for them.
func promhandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// busyState is the state of a supervisord with n processes that have
// each been through a crash loop, sampled an hour long.
func busyState(n int) *state {
	st := newState(maxSamples)
	now := time.Now()
	st.sup = supervisor{up: true, state: 1, stateKnown: true, version: "4.2.5", identification: "bench"}
	st.lastTick = now
	for i := range n {
		p := st.proc(fmt.Sprintf("group%d", i/10), fmt.Sprintf("proc%d", i))
		p.state, p.pid, p.start, p.since = listener.StateRunning, 1000+i, float64(now.Unix()), now
		p.exitStatus, p.exitKnown = 3, true
		for _, t := range []transition{{listener.StateStopped, listener.StateStarting}, {listener.StateStarting, listener.StateRunning},
			{listener.StateRunning, listener.StateExited}, {listener.StateExited, listener.StateStarting},
			{listener.StateStarting, listener.StateBackoff}, {listener.StateBackoff, listener.StateStarting}} {
			for range i + 1 {
				p.count(t)
			}
		}
		p.exits, p.spawns = [2]uint64{uint64(i), 1}, uint64(2*i)
		p.sampled, p.rss, p.cpu, p.cpuPID = true, 50<<20, 12.5, p.pid
	}
	for range maxSamples {
		st.sample(now, func(pid int) (reading, bool) { return reading{rss: 50 << 20, cpu: 12.5}, true })
	}
	return st
}

// BenchmarkScrape is one whole scrape of a supervisord with 500 processes,
// as Prometheus makes it: the HTTP handler over the exporter's metrics
// (13 series per process, 6500 in all) and the Go runtime's, encoded as
// text. The target is 20ms.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{100, 500} {
		b.Run(fmt.Sprintf("processes=%d", n), func(b *testing.B) {
			healthReg := prometheus.NewRegistry()
			newHealth().register(healthReg)
			runtime := prometheus.NewRegistry()
			runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			g := merged(&collector{st: busyState(n), now: time.Now}, healthReg, runtime)
			h := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
			req := httptest.NewRequest("GET", "/metrics", nil)
			b.ReportAllocs()
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
	}
}

// BenchmarkStatusPage renders the status page of 500 processes, each with
// an hour of samples.
func BenchmarkStatusPage(b *testing.B) {
	sp := newStatusPage(busyState(500), nil, nil)
	req := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		sp.ServeHTTP(rec, req)
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}
