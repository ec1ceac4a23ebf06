package exporter

import (
	"sort"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// Metric names and help texts: supervisord_* describe supervisord and its
// processes, supervisord_exporter_* the listener itself. Units are in the
// names, in base units; counters end in _total.
var (
	famUp    = family("supervisord_up", dto.MetricType_GAUGE, "Whether supervisord answered the exporter's last XML-RPC call (1) or not (0).")
	famState = family("supervisord_state", dto.MetricType_GAUGE, "supervisord's own state: 2 FATAL, 1 RUNNING, 0 RESTARTING, -1 SHUTDOWN.")
	famInfo  = family("supervisord_info", dto.MetricType_GAUGE, "supervisord's version and identification (its [supervisord] identifier), as labels; always 1.")

	famProcState = family("supervisord_process_state", dto.MetricType_GAUGE,
		"The process's state as supervisord numbers it: 0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, "+
			"40 STOPPING, 100 EXITED, 200 FATAL, 1000 UNKNOWN.")
	famProcUp    = family("supervisord_process_up", dto.MetricType_GAUGE, "Whether the process is RUNNING (1) or not (0).")
	famProcStart = family("supervisord_process_start_time_seconds", dto.MetricType_GAUGE,
		"When the process's current or last run started, in seconds since the Unix epoch.")
	famProcExit = family("supervisord_process_exit_status", dto.MetricType_GAUGE,
		"The exit status of the process's last exit (-1 when a signal ended it).")
	famProcTransitions = family("supervisord_process_transitions_total", dto.MetricType_COUNTER,
		"State changes of the process seen in PROCESS_STATE events since the exporter started, by from and to state.")
	famProcExits = family("supervisord_process_exits_total", dto.MetricType_COUNTER,
		"Exits of the process from RUNNING since the exporter started; expected is whether the exit code was in its exitcodes.")
	famProcFatal = family("supervisord_process_fatal_total", dto.MetricType_COUNTER,
		"Times the process entered FATAL (supervisord gave up starting it) since the exporter started.")
	famProcSpawns = family("supervisord_process_spawns_total", dto.MetricType_COUNTER,
		"Times supervisord started the process (entered STARTING) since the exporter started.")
	famProcRSS = family("supervisord_process_resident_memory_bytes", dto.MetricType_GAUGE,
		"Resident memory of the process (not its children), from /proc at the last sample.")
	famProcCPU = family("supervisord_process_cpu_seconds_total", dto.MetricType_COUNTER,
		"User and system CPU time of the process's current run (not its children), from /proc at the last sample.")

	famLastTick = family("supervisord_exporter_last_tick_timestamp_seconds", dto.MetricType_GAUGE,
		"When the exporter last received a TICK event, in seconds since the Unix epoch; a listener that stops "+
			"receiving ticks is wedged or UNKNOWN to supervisord.")
	famOutboxItems = family("supervisord_exporter_outbox_items", dto.MetricType_GAUGE,
		"Alert transitions waiting in the outbox for an Alertmanager.")
	famOutboxAge = family("supervisord_exporter_outbox_oldest_age_seconds", dto.MetricType_GAUGE,
		"Age of the oldest alert transition waiting for an Alertmanager, 0 when none waits.")
	famAlertsFiring = family("supervisord_exporter_alerts_firing", dto.MetricType_GAUGE,
		"Alerts the exporter holds firing at Alertmanager.")
)

// collector is the prometheus.Gatherer of the state: at each scrape it
// builds the metric families from memory, and never calls supervisord.
//
// It builds client_model's families itself rather than going through a
// prometheus.Registry of const metrics: for 500 processes (6500 series)
// the Registry spent about three quarters of a scrape creating, checking
// and sorting what is here built once, sorted and consistent by
// construction (BenchmarkScrape: 47ms before, under load; see
// docs/fleet.md for the figures). The families are then encoded by
// client_golang's promhttp and expfmt as usual; the tests check them with
// client_golang's consistency checks and promtool.
type collector struct {
	st *state
	// pending, if set, reports the outbox's queues by sink name, and
	// sinkLabel names a sink in the alertmanager label.
	pending   func() map[string]outbox.QueueStats
	sinkLabel map[string]string
	// firing, if set, counts the alerts firing.
	firing func() int
	now    func() time.Time
}

// Gather returns the families of the state and the outbox.
func (c *collector) Gather() ([]*dto.MetricFamily, error) {
	return append(c.state(), c.outbox()...), nil
}

// merged gathers every one of gs, whose families must not overlap, and
// sorts the families by name.
func merged(gs ...prometheus.Gatherer) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		var out []*dto.MetricFamily
		for _, g := range gs {
			fams, err := g.Gather()
			if err != nil {
				return nil, err
			}
			out = append(out, fams...)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
		return out, nil
	})
}

func (c *collector) state() []*dto.MetricFamily {
	st := c.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	var out []*dto.MetricFamily
	one := func(tmpl *dto.MetricFamily, v float64, labels []*dto.LabelPair) {
		f := clone(tmpl, 1)
		add(f, v, labels)
		out = append(out, f.MetricFamily)
	}
	one(famUp, bool01(st.sup.up), nil)
	if st.sup.stateKnown {
		one(famState, float64(st.sup.state), nil)
	}
	if st.sup.version != "" || st.sup.identification != "" {
		one(famInfo, 1, pairs("identification", st.sup.identification, "version", st.sup.version))
	}
	if !st.lastTick.IsZero() {
		one(famLastTick, unixSeconds(st.lastTick), nil)
	}
	procs := st.sorted()
	if len(procs) == 0 {
		return out
	}
	n, nt := len(procs), 0
	for _, p := range procs {
		nt += len(p.order)
	}
	state, up := clone(famProcState, n), clone(famProcUp, n)
	start, exit := clone(famProcStart, n), clone(famProcExit, n)
	trans, exits := clone(famProcTransitions, nt), clone(famProcExits, 2*n)
	fatal, spawns := clone(famProcFatal, n), clone(famProcSpawns, n)
	rss, cpu := clone(famProcRSS, n), clone(famProcCPU, n)
	for _, p := range procs {
		l := p.lbl
		add(state, float64(p.state), l.proc)
		add(up, bool01(p.state == listener.StateRunning), l.proc)
		if p.start > 0 {
			add(start, p.start, l.proc)
		}
		if p.exitKnown {
			add(exit, float64(p.exitStatus), l.proc)
		}
		for _, t := range p.order {
			add(trans, float64(p.transitions[t]), l.transitions[t])
		}
		// Always present, from 0, so that increase() sees the first one.
		add(exits, float64(p.exits[1]), l.expected)
		add(exits, float64(p.exits[0]), l.unexpected)
		add(fatal, float64(p.fatals), l.proc)
		add(spawns, float64(p.spawns), l.proc)
		if p.sampled {
			add(rss, float64(p.rss), l.proc)
			add(cpu, p.cpu, l.proc)
		}
	}
	for _, f := range []*building{state, up, start, exit, trans, exits, fatal, spawns, rss, cpu} {
		if len(f.Metric) > 0 {
			out = append(out, f.MetricFamily)
		}
	}
	return out
}

func (c *collector) outbox() []*dto.MetricFamily {
	var out []*dto.MetricFamily
	if c.pending != nil {
		now := c.now()
		queues := c.pending()
		names := make([]string, 0, len(queues))
		for name := range queues {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool { return c.sinkLabel[names[i]] < c.sinkLabel[names[j]] })
		items, age := clone(famOutboxItems, len(names)), clone(famOutboxAge, len(names))
		for _, name := range names {
			q := queues[name]
			l := pairs("alertmanager", c.sinkLabel[name])
			add(items, float64(q.Items), l)
			a := 0.0
			if q.Items > 0 && !q.Oldest.IsZero() {
				a = now.Sub(q.Oldest).Seconds()
			}
			add(age, a, l)
		}
		if len(names) > 0 {
			out = append(out, items.MetricFamily, age.MetricFamily)
		}
	}
	if c.firing != nil {
		f := clone(famAlertsFiring, 1)
		add(f, float64(c.firing()), nil)
		out = append(out, f.MetricFamily)
	}
	return out
}

// family returns the template of a family.
func family(name string, typ dto.MetricType, help string) *dto.MetricFamily {
	return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: typ.Enum()}
}

// building is a family being filled: its samples come from arrays
// allocated once per family rather than three allocations per sample.
type building struct {
	*dto.MetricFamily
	metrics  []dto.Metric
	gauges   []dto.Gauge
	counters []dto.Counter
	values   []float64
}

// clone returns an empty family like tmpl, with room for n metrics.
func clone(tmpl *dto.MetricFamily, n int) *building {
	b := &building{
		MetricFamily: &dto.MetricFamily{Name: tmpl.Name, Help: tmpl.Help, Type: tmpl.Type, Metric: make([]*dto.Metric, 0, n)},
		metrics:      make([]dto.Metric, n),
		values:       make([]float64, n),
	}
	if tmpl.GetType() == dto.MetricType_COUNTER {
		b.counters = make([]dto.Counter, n)
	} else {
		b.gauges = make([]dto.Gauge, n)
	}
	return b
}

// add appends a sample to f, with labels sorted by name.
func add(f *building, v float64, labels []*dto.LabelPair) {
	i := len(f.Metric)
	if i == len(f.metrics) {
		panic("exporter: more samples than planned in " + f.GetName())
	}
	m := &f.metrics[i]
	f.values[i] = v
	m.Label = labels
	if f.GetType() == dto.MetricType_COUNTER {
		f.counters[i].Value = &f.values[i]
		m.Counter = &f.counters[i]
	} else {
		f.gauges[i].Value = &f.values[i]
		m.Gauge = &f.gauges[i]
	}
	f.Metric = append(f.Metric, m)
}

// pairs returns label pairs from name, value, ... given sorted by name.
func pairs(nv ...string) []*dto.LabelPair {
	out := make([]*dto.LabelPair, 0, len(nv)/2)
	for i := 0; i+1 < len(nv); i += 2 {
		out = append(out, &dto.LabelPair{Name: proto.String(nv[i]), Value: proto.String(nv[i+1])})
	}
	return out
}

// procLabels are a process's label pairs, made when the process or the
// transition first appears: scrapes share them and only read them.
type procLabels struct {
	proc                 []*dto.LabelPair // group, name
	expected, unexpected []*dto.LabelPair // expected, group, name
	transitions          map[transition][]*dto.LabelPair
}

func newProcLabels(group, name string) *procLabels {
	return &procLabels{
		proc:        pairs("group", group, "name", name),
		expected:    pairs("expected", "true", "group", group, "name", name),
		unexpected:  pairs("expected", "false", "group", group, "name", name),
		transitions: map[transition][]*dto.LabelPair{},
	}
}

// count counts one transition, keeping p.order sorted by from, then to
// state name, as the exposition sorts their labels.
func (p *process) count(t transition) {
	p.transitions[t]++
	if p.transitions[t] > 1 {
		return
	}
	p.lbl.transitions[t] = pairs("from", t.from.String(), "group", p.group, "name", p.name, "to", t.to.String())
	i := sort.Search(len(p.order), func(i int) bool {
		o := p.order[i]
		if o.from != t.from {
			return o.from.String() > t.from.String()
		}
		return o.to.String() > t.to.String()
	})
	p.order = append(p.order, transition{})
	copy(p.order[i+1:], p.order[i:])
	p.order[i] = t
}

// health is the listener's own instrumentation, kept by client_golang's
// metric types as the handler works.
type health struct {
	events   *prometheus.CounterVec
	rejected prometheus.Counter
	lost     prometheus.Counter
	duration prometheus.Histogram
}

func newHealth() *health {
	return &health{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "supervisord_exporter_events_total",
			Help: "Events received from supervisord, by event type.",
		}, []string{"type"}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "supervisord_exporter_events_rejected_total",
			Help: "Events the exporter could not handle and rejected, so that supervisord delivers them again.",
		}),
		lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "supervisord_exporter_events_lost_total",
			Help: "Events supervisord discarded from the exporter's pool before delivering them (gaps in poolserial).",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "supervisord_exporter_event_duration_seconds",
			Help:    "Time the exporter took to handle one event, from its arrival to the answer.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
}

func (h *health) register(r prometheus.Registerer) {
	r.MustRegister(h.events, h.rejected, h.lost, h.duration)
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
