package exporter

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
)

//go:embed status.html
var statusHTML string

var statusTemplate = template.Must(template.New("status").Parse(statusHTML))

// statusPage is the page at /: every process, the last hour of each, and
// the recent events, for a person with a browser or a phone. It is
// rendered on the server from the state, like the metrics, and refreshes
// itself every few seconds without JavaScript.
type statusPage struct {
	st     *state
	alerts *alerter // nil without Alertmanager
	clock  clock.Clock
}

func newStatusPage(st *state, alerts *alerter, clk clock.Clock) *statusPage {
	return &statusPage{st: st, alerts: alerts, clock: clock.Or(clk)}
}

// statusView is what the template shows.
type statusView struct {
	Title, Version, State string
	StateBad              bool
	Now                   string
	Total, Running        int
	Failing               []string
	Processes             []procView
	Events                []eventView
	Refresh               int
}

type procView struct {
	ID, Name, State, Since, Uptime string
	Failing, Alerting              bool
	Restarts, Exits, Crashes       string
	PID                            int
	Memory, CPU                    string
	MemoryPlot, CPUPlot            sparkline
}

type eventView struct {
	Time, Process, From, To, Note string
	Bad                           bool
}

func (sp *statusPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, sp.view()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (sp *statusPage) view() statusView {
	now := sp.clock.Now()
	alerting := map[procKey]bool{}
	if sp.alerts != nil {
		for _, al := range sp.alerts.snapshot() {
			alerting[procKey{al.Labels["group"], al.Labels["process"]}] = true
		}
	}
	st := sp.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	v := statusView{Now: now.Format("2006-01-02 15:04:05"), Version: st.sup.version, Refresh: 10}
	v.Title = "supervisord"
	if st.sup.identification != "" {
		v.Title += " · " + st.sup.identification
	}
	switch {
	case !st.sup.up:
		v.State, v.StateBad = "not answering", true
	case st.sup.stateKnown:
		v.State = st.sup.state.String()
		v.StateBad = v.State != "RUNNING"
	}
	order := st.sorted()
	hourAgo := now.Add(-time.Hour)
	held := st.n
	for _, p := range order {
		pv := procView{
			ID: "p-" + p.namespec(), Name: p.namespec(), State: p.state.String(), PID: p.pid,
			Failing: p.failing(now), Alerting: alerting[procKey{p.group, p.name}],
			Restarts: recentCount(p.starts, hourAgo), Exits: recentCount(p.exited, hourAgo),
			Crashes: recentCount(p.crashes, hourAgo),
		}
		if !p.since.IsZero() {
			pv.Since = "since " + p.since.Format("15:04:05")
		}
		if p.state == listener.StateRunning && p.start > 0 {
			pv.Uptime = formatDuration(now.Sub(time.Unix(0, int64(p.start*1e9))))
		}
		if p.sampled {
			pv.Memory = formatBytes(p.rss)
		}
		rss, cpu := p.series(held, st.head)
		if n := len(cpu); n > 0 && !math.IsNaN(cpu[n-1]) && p.sampled {
			pv.CPU = strconv.FormatFloat(100*cpu[n-1], 'f', 1, 64) + "%"
		}
		pv.MemoryPlot = newSparkline(rss, 1<<20)
		pv.CPUPlot = newSparkline(cpu, 0.05)
		v.Total++
		if p.state == listener.StateRunning {
			v.Running++
		}
		if pv.Failing {
			v.Failing = append(v.Failing, pv.Name)
		}
		v.Processes = append(v.Processes, pv)
	}
	for i := len(st.events) - 1; i >= 0; i-- {
		e := st.events[i]
		ev := eventView{Time: e.at.Format("15:04:05"), Process: listener.Namespec(e.group, e.name),
			From: e.from.String(), To: e.to.String()}
		switch e.to {
		case listener.StateExited:
			if e.expected {
				ev.Note = "expected exit"
			} else {
				ev.Note, ev.Bad = "unexpected exit", true
			}
		case listener.StateFatal, listener.StateBackoff, listener.StateUnknown:
			ev.Bad = true
		}
		v.Events = append(v.Events, ev)
	}
	return v
}

// series returns the process's history, oldest first, over the n samples
// held, whose next slot is head: memory in bytes and CPU as a fraction of
// one CPU, NaN where unknown.
func (p *process) series(n, head int) (rss, cpu []float64) {
	rss, cpu = make([]float64, n), make([]float64, n)
	size := len(p.history)
	for i := 0; i < n; i++ {
		if p.history == nil {
			rss[i], cpu[i] = math.NaN(), math.NaN()
			continue
		}
		pt := p.history[(head-n+i+size)%size]
		rss[i], cpu[i] = float64(pt.rss), float64(pt.cpu)
	}
	return rss, cpu
}

func recentCount(times []time.Time, cut time.Time) string {
	n := countSince(times, cut)
	if n >= maxRecent {
		return strconv.Itoa(maxRecent) + "+"
	}
	return strconv.Itoa(n)
}

// formatDuration is an uptime in the two largest units: "3d 4h", "2h 5m",
// "4m 10s", "9s".
func formatDuration(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s < 0:
		return "0s"
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm %ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh %dm", s/3600, s/60%60)
	}
	return fmt.Sprintf("%dd %dh", s/86400, s/3600%24)
}

// formatBytes is a size in binary units: "512 KiB", "14.2 MiB".
func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	prec := 1
	if v >= 100 {
		prec = 0
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + " " + [...]string{"KiB", "MiB", "GiB", "TiB"}[i]
}
