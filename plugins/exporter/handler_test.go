package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/alertmanager"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/proctable"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeTable is a process table that says what the test sets, and counts
// the calls that would reach supervisord.
type fakeTable struct {
	mu      sync.Mutex
	procs   []proctable.Process
	changes []proctable.Change
	loaded  bool
	calls   atomic.Int64
}

func (f *fakeTable) Load(context.Context) error {
	f.calls.Add(1)
	f.mu.Lock()
	f.loaded = true
	f.mu.Unlock()
	return nil
}

func (f *fakeTable) Loaded() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.loaded }

// Observe applies a PROCESS_STATE event the way the table does.
func (f *fakeTable) Observe(_ context.Context, ev listener.Event) ([]proctable.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.changes
	f.changes = nil
	if ev.EventName.Is(listener.ProcessState) {
		ps, err := ev.ProcessState()
		if err != nil {
			return out, err
		}
		for i, p := range f.procs {
			if p.Group == ps.GroupName && p.Name == ps.ProcessName {
				before := p
				p.State, p.PID = ps.State, ps.PID
				f.procs[i] = p
				out = append(out, proctable.Change{Before: before, After: p, Event: true})
			}
		}
	}
	return out, nil
}

func (f *fakeTable) Processes() []proctable.Process {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]proctable.Process(nil), f.procs...)
}

// fakeSupervisor answers crashinfo's questions: the process exited with
// status 3 after a minute, and its stderr log ends with "boom".
type fakeSupervisor struct{ calls atomic.Int64 }

func (f *fakeSupervisor) GetProcessInfo(_ context.Context, name string) (rpc.ProcessInfo, error) {
	f.calls.Add(1)
	return rpc.ProcessInfo{Name: name, Group: name, State: listener.StateExited, Start: 1000, Stop: 1060, ExitStatus: 3,
		StderrLogfile: "/var/log/" + name + ".err"}, nil
}

func (f *fakeSupervisor) ReadLog(context.Context, int, int) (string, error) {
	f.calls.Add(1)
	return "", nil
}

func (f *fakeSupervisor) TailProcessStderrLog(context.Context, string, int, int) (rpc.LogTail, error) {
	f.calls.Add(1)
	return rpc.LogTail{Data: "starting\nboom\n"}, nil
}

func (f *fakeSupervisor) TailProcessStdoutLog(context.Context, string, int, int) (rpc.LogTail, error) {
	f.calls.Add(1)
	return rpc.LogTail{}, nil
}

// rig is a handler over a fake table and supervisord.
type rig struct {
	t          *testing.T
	h          *handler
	table      *fakeTable
	sup        *fakeSupervisor
	col        *collector
	reg        prometheus.Gatherer
	clock      *clock.Fake
	poolSerial uint64
}

func newRig(t *testing.T, procs ...string) *rig {
	t.Helper()
	r := &rig{t: t, table: &fakeTable{}, sup: &fakeSupervisor{}, clock: clock.NewFake(time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC))}
	for _, ns := range procs {
		g, n := listener.SplitNamespec(ns)
		r.table.procs = append(r.table.procs, proctable.Process{Group: g, Name: n, State: listener.StateRunning, PID: 100})
	}
	sel, err := selection.New(selection.Spec{Any: true, Self: selection.Self{Group: "exporter", Name: "exporter"}, Policy: selection.SelfNever})
	if err != nil {
		t.Fatal(err)
	}
	r.h = &handler{table: r.table, sup: r.sup, st: newState(10), health: newHealth(), alertOn: sel, logLines: 5,
		clock: r.clock, log: log.Discard(), calls: log.NewRecurring(log.Discard(), 0, r.clock)}
	r.col = &collector{st: r.h.st, now: r.clock.Now}
	healthReg := prometheus.NewRegistry()
	r.h.health.register(healthReg)
	// Gatherers checks the families' consistency, as a Registry would.
	r.reg = prometheus.Gatherers{merged(r.col, healthReg)}
	r.h.load(context.Background())
	return r
}

// event hands the handler a PROCESS_STATE event about ns.
func (r *rig) event(ns string, to, from listener.State, extra string) error {
	r.poolSerial++
	g, n := listener.SplitNamespec(ns)
	payload := fmt.Sprintf("processname:%s groupname:%s from_state:%s%s", n, g, from, extra)
	ev := listener.Event{Header: listener.Header{Server: "labsup", Serial: r.poolSerial, Pool: "exporter", PoolSerial: r.poolSerial,
		EventName: listener.EventType("PROCESS_STATE_" + to.String()), Len: len(payload)}, Payload: payload}
	r.clock.Advance(time.Second)
	return r.h.HandleEvent(context.Background(), ev)
}

func (r *rig) must(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) compare(want string, names ...string) {
	r.t.Helper()
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want), names...); err != nil {
		r.t.Error(err)
	}
}

func TestEventsCountWhatPollingCannotSee(t *testing.T) {
	r := newRig(t, "web", "workers:w0")
	s, run, bo, ex, fa := listener.StateStarting, listener.StateRunning, listener.StateBackoff, listener.StateExited, listener.StateFatal
	r.must(r.event("web", ex, run, " expected:0 pid:100"))
	r.must(r.event("web", s, ex, " tries:0"))
	r.must(r.event("web", run, s, " pid:101"))
	r.must(r.event("web", ex, run, " expected:1 pid:101"))
	r.must(r.event("web", s, ex, " tries:0"))
	r.must(r.event("web", bo, s, " tries:1"))
	r.must(r.event("web", s, bo, " tries:1"))
	r.must(r.event("web", bo, s, " tries:2"))
	r.must(r.event("web", fa, bo, ""))
	r.compare(`
# HELP supervisord_process_exits_total Exits of the process from RUNNING since the exporter started; expected is whether the exit code was in its exitcodes.
# TYPE supervisord_process_exits_total counter
supervisord_process_exits_total{expected="false",group="web",name="web"} 1
supervisord_process_exits_total{expected="true",group="web",name="web"} 1
supervisord_process_exits_total{expected="false",group="workers",name="w0"} 0
supervisord_process_exits_total{expected="true",group="workers",name="w0"} 0
# HELP supervisord_process_fatal_total Times the process entered FATAL (supervisord gave up starting it) since the exporter started.
# TYPE supervisord_process_fatal_total counter
supervisord_process_fatal_total{group="web",name="web"} 1
supervisord_process_fatal_total{group="workers",name="w0"} 0
# HELP supervisord_process_spawns_total Times supervisord started the process (entered STARTING) since the exporter started.
# TYPE supervisord_process_spawns_total counter
supervisord_process_spawns_total{group="web",name="web"} 3
supervisord_process_spawns_total{group="workers",name="w0"} 0
# HELP supervisord_process_state The process's state as supervisord numbers it: 0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, 40 STOPPING, 100 EXITED, 200 FATAL, 1000 UNKNOWN.
# TYPE supervisord_process_state gauge
supervisord_process_state{group="web",name="web"} 200
supervisord_process_state{group="workers",name="w0"} 20
# HELP supervisord_process_up Whether the process is RUNNING (1) or not (0).
# TYPE supervisord_process_up gauge
supervisord_process_up{group="web",name="web"} 0
supervisord_process_up{group="workers",name="w0"} 1
# HELP supervisord_process_exit_status The exit status of the process's last exit (-1 when a signal ended it).
# TYPE supervisord_process_exit_status gauge
supervisord_process_exit_status{group="web",name="web"} 3
`, "supervisord_process_exits_total", "supervisord_process_fatal_total", "supervisord_process_spawns_total",
		"supervisord_process_state", "supervisord_process_up", "supervisord_process_exit_status")
	if got := testutil.ToFloat64(r.h.health.events.WithLabelValues("PROCESS_STATE_STARTING")); got != 3 {
		t.Errorf("events_total{type=PROCESS_STATE_STARTING} = %v, want 3", got)
	}
	trans := `supervisord_process_transitions_total{from="BACKOFF",group="web",name="web",to="STARTING"} 1`
	if n, err := testutil.GatherAndCount(r.reg, "supervisord_process_transitions_total"); err != nil || n != 6 {
		t.Errorf("%d transition series (%v), want the 6 distinct edges taken", n, err)
	}
	text := gatherText(t, r.reg)
	if !strings.Contains(text, trans) || !strings.Contains(text, `to="FATAL"} 1`) {
		t.Errorf("transitions missing from:\n%s", text)
	}
}

func gatherText(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhandler(g).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestLostEventsFromPoolSerials(t *testing.T) {
	r := newRig(t, "web")
	for _, serial := range []uint64{1, 2, 5, 5, 3, 9} {
		r.h.noteSerial(serial)
	}
	if got := testutil.ToFloat64(r.h.health.lost); got != 5 {
		t.Errorf("events_lost_total = %v, want 5 (3, 4, 6, 7 and 8; a redelivery loses nothing)", got)
	}
}

// A scrape reads memory only: many scrapes, no call to supervisord.
func TestScrapeNeverCallsSupervisord(t *testing.T) {
	r := newRig(t, "web", "db")
	r.must(r.event("web", listener.StateExited, listener.StateRunning, " expected:0 pid:100"))
	tableCalls, supCalls := r.table.calls.Load(), r.sup.calls.Load()
	for range 100 {
		gatherText(t, r.reg)
		newStatusPage(r.h.st, nil, r.clock).view()
	}
	if r.table.calls.Load() != tableCalls || r.sup.calls.Load() != supCalls {
		t.Errorf("scrapes called supervisord: table %d→%d, crash facts %d→%d", tableCalls, r.table.calls.Load(), supCalls, r.sup.calls.Load())
	}
}

// amRecorder is an Alertmanager that records the alerts posted to it.
type amRecorder struct {
	mu     sync.Mutex
	alerts []alertmanager.Alert
	srv    *httptest.Server
}

func newAMRecorder(t *testing.T) *amRecorder {
	a := &amRecorder{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got []alertmanager.Alert
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Errorf("Alertmanager got a bad post: %v", err)
		}
		a.mu.Lock()
		a.alerts = append(a.alerts, got...)
		a.mu.Unlock()
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *amRecorder) got() []alertmanager.Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]alertmanager.Alert(nil), a.alerts...)
}

// withAlerts gives the rig an alerter on an outbox in dir posting to am
// (synchronously, so that the test sees each post as the event's answer).
func (r *rig) withAlerts(dir string, am *amRecorder) *outbox.Outbox {
	r.t.Helper()
	c, err := alertmanager.NewClient(am.srv.URL, nil)
	r.must(err)
	s := alertmanager.NewSink(c, 4*time.Minute, map[string]string{"host": "h1"}, r.clock)
	ob, err := outbox.Open(outbox.Config{Dir: dir, Sinks: map[string]outbox.Sink{"am": s}, Clock: r.clock})
	r.must(err)
	r.t.Cleanup(func() { ob.Close(context.Background()) })
	r.h.alerts = &alerter{ob: ob, sinks: []namedSink{{"am", s}}, labels: map[string]string{"host": "h1", "team": "ops"},
		resend: time.Minute, clock: r.clock, log: log.Discard()}
	r.must(r.h.alerts.load())
	ob.Start()
	return ob
}

func waitAlerts(t *testing.T, am *amRecorder, n int) []alertmanager.Alert {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := am.got()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAlertsFireAndResolveThroughTheOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	am := newAMRecorder(t)
	r := newRig(t, "web", "exporter")
	r.withAlerts(dir, am)
	run, ex, st := listener.StateRunning, listener.StateExited, listener.StateStarting
	r.must(r.event("web", ex, run, " expected:0 pid:100"))
	r.must(r.event("exporter", ex, run, " expected:0 pid:7")) // itself: never
	r.must(r.event("web", ex, run, " expected:1 pid:100"))    // expected: no alert
	got := waitAlerts(t, am, 1)
	if len(got) != 1 {
		t.Fatalf("Alertmanager got %d alerts, want 1: %+v", len(got), got)
	}
	a := got[0]
	want := map[string]string{"alertname": alertExited, "host": "h1", "group": "web", "process": "web", "team": "ops"}
	if fmt.Sprint(a.Labels) != fmt.Sprint(want) {
		t.Errorf("labels %v, want %v", a.Labels, want)
	}
	if a.Annotations["exit_status"] != "3" || a.Annotations["uptime"] != "1m0s" || a.Annotations["log_tail"] != "starting\nboom" {
		t.Errorf("annotations %v", a.Annotations)
	}
	// endsAt is four resend intervals after the post.
	if a.EndsAt.Before(a.StartsAt.Add(4*time.Minute)) || a.EndsAt.After(r.clock.Now().Add(4*time.Minute)) {
		t.Errorf("startsAt %v, endsAt %v", a.StartsAt, a.EndsAt)
	}
	r.must(r.event("web", st, ex, " tries:0"))
	r.must(r.event("web", run, st, " pid:101"))
	got = waitAlerts(t, am, 2)
	if len(got) != 2 || got[1].Labels["alertname"] != alertExited || !got[1].EndsAt.Equal(r.clock.Now()) {
		t.Fatalf("after RUNNING: %+v", got)
	}
	if n := r.h.alerts.count(); n != 0 {
		t.Errorf("%d alerts still firing", n)
	}
}

// A restarted exporter goes on with the alerts an earlier run left
// firing: a redelivered event fires nothing new, and a process found
// RUNNING at start is resolved.
func TestAlertsSurviveARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	am := newAMRecorder(t)
	r := newRig(t, "web", "db")
	ob := r.withAlerts(dir, am)
	r.must(r.event("web", listener.StateExited, listener.StateRunning, " expected:0 pid:100"))
	r.must(r.event("db", listener.StateFatal, listener.StateBackoff, ""))
	waitAlerts(t, am, 2)
	ob.Close(context.Background())

	r2 := newRig(t, "web", "db")
	r2.table.procs[1].State = listener.StateFatal // db is still FATAL, web RUNNING again
	r2.withAlerts(dir, am)
	r2.h.load(context.Background())
	got := waitAlerts(t, am, 3)
	if len(got) != 3 || got[2].Labels["process"] != "web" || got[2].EndsAt.IsZero() || got[2].EndsAt.After(r2.clock.Now()) {
		t.Fatalf("after the restart: %+v", got)
	}
	if n := r2.h.alerts.count(); n != 1 {
		t.Errorf("%d alerts firing, want db's", n)
	}
	// supervisord delivers db's FATAL again: nothing new.
	r2.poolSerial = 1
	r2.must(r2.event("db", listener.StateFatal, listener.StateBackoff, ""))
	time.Sleep(50 * time.Millisecond)
	if n := len(am.got()); n != 3 {
		t.Errorf("a redelivered event posted again: %d alerts", n)
	}
	// The resend posts what fires, db's.
	var posted []alertmanager.Alert
	r2.must(r2.h.alerts.sinks[0].sink.Resend(context.Background(), func() []alertmanager.Alert {
		posted = r2.h.alerts.snapshot()
		return posted
	}))
	if len(posted) != 1 || posted[0].Labels["process"] != "db" || posted[0].Name() != alertFatal {
		t.Errorf("resent %+v", posted)
	}
}

// A malformed event, which the table cannot follow, gets the one line
// every plugin writes for it, not a word about supervisord failing to
// answer, and is acknowledged.
func TestMalformedEventIsLogged(t *testing.T) {
	t.Parallel()
	r := newRig(t, "web:web")
	var buf bytes.Buffer
	r.h.log = log.New(&buf)
	r.h.calls = log.NewRecurring(r.h.log, 0, r.clock)
	ev := listener.Event{Header: listener.Header{Serial: 9, Pool: "exporter", PoolSerial: 1, EventName: listener.ProcessStateExited}, Payload: "garbage"}
	if err := r.h.HandleEvent(context.Background(), ev); err != nil {
		t.Fatalf("a malformed event rejected: %v", err)
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(got) != 1 || !strings.Contains(got[0], "WARN ignoring a malformed PROCESS_STATE_EXITED event (serial 9): token without a colon") {
		t.Fatalf("logged %q, want the one malformed-event line", got)
	}
}
