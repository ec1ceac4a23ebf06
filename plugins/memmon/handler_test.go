package memmon

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/testharness"
)

func TestRestartsAProcessAboveItsLimit(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{}), hog("small", 0, testharness.ProcessConfig{})},
		cfg:      config{programs: []limit{{"hog", 32 * mib}, {"small", 32 * mib}}, mail: mailTo},
	})
	pid := w.Sup.Process("small").PID()
	w.tick()
	w.waitLog(`(?m)^hog:hog restarted$`)
	if w.restarts("hog") != 1 || w.stops("small") != 0 || w.Sup.Process("small").PID() != pid {
		t.Fatalf("hog restarted %d times, small stopped %d times\n%s", w.restarts("hog"), w.stops("small"), w.log)
	}
	// superlance's lines, in superlance's order.
	want := regexp.MustCompile(`^Checking programs hog=33554432, small=33554432
RSS of hog:hog is (\d+)
Restarting hog:hog
RSS of small:small is \d+
hog:hog restarted
$`)
	m := want.FindStringSubmatch(w.log.Messages())
	if m == nil {
		t.Fatalf("log:\n%s", w.log)
	}
	mails := w.mails(1)
	if mails[0].Subject != "memmon: process hog:hog restarted" || mails[0].To != "root, ops@example.com" {
		t.Errorf("subject %q to %q", mails[0].Subject, mails[0].To)
	}
	body := regexp.MustCompile(`^memmon\.py restarted the process named hog:hog at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \S+ because it was consuming too much memory \(` + m[1] + ` bytes RSS\)$`)
	if !body.MatchString(mails[0].Body) {
		t.Errorf("body %q", mails[0].Body)
	}
}

// superlance #79: -p group:name=SIZE crashes superlance with a KeyError.
func TestGroupNameLimit(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{}), hog("twin", 64, testharness.ProcessConfig{})},
		groups:   []testharness.Group{{Name: "grp", Programs: []string{"hog", "twin"}}},
		cfg:      config{programs: []limit{{"grp:hog", 32 * mib}}},
	})
	w.tick()
	w.waitLog(`(?m)^grp:hog restarted$`)
	w.settle()
	if w.restarts("grp:hog") != 1 || w.stops("grp:twin") != 0 {
		t.Fatalf("grp:hog restarted %d times, grp:twin stopped %d times", w.restarts("grp:hog"), w.stops("grp:twin"))
	}
}

// superlance #116: the processes of a numprocs program can be targeted, all
// of them by the program's name or one by group:name.
func TestNumprocsProgram(t *testing.T) {
	t.Parallel()
	numprocs := testharness.ProcessConfig{NumProcs: 3, ProcessName: "%(program_name)s_%(process_num)02d"}
	for _, tt := range []struct {
		spec string
		want map[string]int
	}{
		{"web", map[string]int{"web:web_00": 1, "web:web_01": 1, "web:web_02": 1}},
		{"web:web_01", map[string]int{"web:web_00": 0, "web:web_01": 1, "web:web_02": 0}},
		{"web:web_0[02]", map[string]int{"web:web_00": 1, "web:web_01": 0, "web:web_02": 1}},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			w := start(t, setup{
				programs: []testharness.Program{hog("web", 48, numprocs)},
				cfg:      config{programs: []limit{{tt.spec, 32 * mib}}},
			})
			w.tick()
			w.settle()
			for name, n := range tt.want {
				if got := w.restarts(name); got != n {
					t.Errorf("%s restarted %d times, want %d\n%s", name, got, n, w.log)
				}
			}
		})
	}
}

// superlance restarts a process twice in one tick when it is above both a
// -p and a -g limit, or a -p and the -a limit.
func TestOneRestartPerTickWhateverTheRules(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{})},
		cfg:      config{programs: []limit{{"hog", 32 * mib}}, groups: []limit{{"hog", 40 * mib}}, any: atMost(48 * mib)},
	})
	w.tick()
	w.settle()
	if n := w.stops("hog"); n != 1 {
		t.Fatalf("hog stopped %d times in one tick\n%s", n, w.log)
	}
	if got := w.lines(`^Restarting `); len(got) != 1 {
		t.Fatalf("restart lines %q", got)
	}
}

// superlance overwrites -n with the name of the last -p or -g: "memmon
// [hog]: ..." without -n, "memmon [grp]: ..." with -n proj -g grp=....
func TestNameIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		cfg     config
		subject string
	}{
		{"", config{programs: []limit{{"hog", 32 * mib}}}, "memmon: process hog:hog restarted"},
		{"proj", config{groups: []limit{{"hog", 32 * mib}}}, "memmon [proj]: process hog:hog restarted"},
	} {
		t.Run("name="+tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.name, cfg.mail = tt.name, mailTo
			w := start(t, setup{programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{})}, cfg: cfg})
			w.tick()
			if got := w.mails(1)[0].Subject; got != tt.subject {
				t.Fatalf("subject %q, want %q", got, tt.subject)
			}
		})
	}
}

func TestCumulativeCountsDescendants(t *testing.T) {
	t.Parallel()
	// A parent holding nothing with two children of 24 MiB: below a 32
	// MiB limit alone, above it with its children.
	tree := hog("tree", 0, testharness.ProcessConfig{}, "-children", "2", "-child-mb", "24")
	for _, cumulative := range []bool{false, true} {
		t.Run(fmt.Sprint("cumulative=", cumulative), func(t *testing.T) {
			t.Parallel()
			w := start(t, setup{programs: []testharness.Program{tree},
				cfg: config{programs: []limit{{"tree", 32 * mib}}, cumulative: cumulative}})
			w.tick()
			w.settle()
			want := 0
			if cumulative {
				want = 1
			}
			if got := w.restarts("tree"); got != want {
				t.Fatalf("restarted %d times, want %d\n%s", got, want, w.log)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	for _, m := range []procmem.Metric{procmem.PSS, procmem.USS} {
		t.Run(m.Name(), func(t *testing.T) {
			t.Parallel()
			w := start(t, setup{programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{})},
				cfg: config{programs: []limit{{"hog", 32 * mib}}, metric: m, mail: mailTo}})
			w.tick()
			w.waitLog(`(?m)^hog:hog restarted$`)
			if got := w.lines(`^` + m.String() + ` of hog:hog is \d+$`); len(got) != 1 {
				t.Errorf("no %v line:\n%s", m, w.log)
			}
			if body := w.mails(1)[0].Body; !strings.HasSuffix(body, " bytes "+m.String()+")") {
				t.Errorf("mail body %q", body)
			}
		})
	}
}

func TestConsecutiveTicksBeforeARestart(t *testing.T) {
	t.Parallel()
	cfg := config{programs: []limit{{"hog", 32 * mib}}}
	cfg.restart.Consecutive = 3
	w := start(t, setup{programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{})}, cfg: cfg})
	for i := 1; i <= 2; i++ {
		w.tick()
		if w.stops("hog") != 0 {
			t.Fatalf("restarted after %d ticks", i)
		}
		w.waitLog(fmt.Sprintf(`(?m)^RSS of hog:hog is above -p hog=33554432 \(%d of 3 ticks in a row before a restart\)$`, i))
	}
	w.tick()
	w.waitLog(`(?m)^hog:hog restarted$`)
}

func TestRestartBudget(t *testing.T) {
	t.Parallel()
	cfg := config{programs: []limit{{"hog", 32 * mib}}, mail: mailTo}
	cfg.restart.Policy = restart.Policy{Consecutive: 1, MaxRestarts: 1, Window: time.Hour}
	prog := hog("hog", 64, testharness.ProcessConfig{})
	w := start(t, setup{programs: []testharness.Program{prog}, cfg: cfg})
	w.tick()
	w.waitLog(`(?m)^hog:hog restarted$`)
	w.waitMemory(prog)
	// Above the limit again, but the budget is spent: two ticks log, one
	// mails.
	w.tick()
	w.tick()
	w.settle()
	if n := w.restarts("hog"); n != 1 {
		t.Fatalf("restarted %d times with a budget of 1", n)
	}
	refusals := w.lines(`^Not restarting hog:hog \(RSS \d+, above -p hog=33554432\): restart budget spent: restarted 1 times in the last 1h0m0s \(--max-restarts\); next restart allowed after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	if len(refusals) != 2 {
		t.Fatalf("refusal lines:\n%s", w.log)
	}
	mails := w.mails(2)
	if w.mailCount() != 2 || mails[0].Subject != "memmon: process hog:hog not restarted, restart budget spent" || mails[0].Body != refusals[0] ||
		mails[1].Subject != "memmon: process hog:hog restarted" {
		t.Fatalf("mails %+v", mails)
	}
}

// A restart does not hold up the event loop: the TICK is answered while
// the process still takes its stopwaitsecs to stop, and later ticks are
// answered too without restarting it a second time.
func TestRestartsDoNotBlockTheEventLoop(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("stubborn", 48, testharness.ProcessConfig{StopWaitSecs: time.Second}, "-ignore-sigterm")},
		cfg:      config{programs: []limit{{"stubborn", 32 * mib}}},
	})
	w.tick()
	w.tick()
	w.tick()
	w.settle()
	if w.stops("stubborn") != 1 || w.restarts("stubborn") != 1 {
		t.Fatalf("stopped %d times, restarted %d times\n%s", w.stops("stubborn"), w.restarts("stubborn"), w.log)
	}
	// The third tick was answered before the process, which takes a
	// second to be killed, had stopped.
	tr := w.Sup.Transcript()
	results := tr.Filter(testharness.RecordResult, "memmon")
	stopped := slices.IndexFunc(tr.Filter(testharness.RecordProcessState, "stubborn"), func(r testharness.Record) bool { return r.ToState == listener.StateStopped })
	if len(results) != 3 || stopped < 0 || results[2].Seq > tr.Filter(testharness.RecordProcessState, "stubborn")[stopped].Seq {
		t.Fatalf("ticks were not answered before the stop finished:\n%s", tr)
	}
}

// superlance's memmon re-raises a failed start and dies; memmon reports it
// and keeps serving.
func TestFailedStartIsReportedAndMemmonCarriesOn(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "started")
	w := start(t, setup{
		programs: []testharness.Program{hog("once", 48, testharness.ProcessConfig{StartSecs: 300 * time.Millisecond, StartRetries: -1}, "-exit-if-exists", marker)},
		cfg:      config{programs: []limit{{"once", 32 * mib}}, mail: mailTo},
	})
	if err := w.Sup.WaitProcessState(w.ctx(), "once", listener.StateRunning); err != nil {
		t.Fatal(err)
	}
	w.tick()
	w.waitLog(`(?m)^Failed to start process once:once after stopping it: <Fault (40: 'ABNORMAL_TERMINATION|50: 'SPAWN_ERROR): once'>$`)
	w.tick() // still serving
	m := w.mails(1)[0]
	if m.Subject != "memmon: failed to start process once:once" || !strings.HasPrefix(m.Body, "Failed to start process once:once after stopping it: <Fault ") {
		t.Fatalf("mail %+v", m)
	}
}

// A failed stop is reported with superlance's wording, minus its
// ", exiting".
func TestFailedStopIsReported(t *testing.T) {
	t.Parallel()
	w := start(t, setup{cfg: config{programs: []limit{{"ghost", mib}}, mail: mailTo}})
	w.mon.restart("ghost", "ghost:ghost", cause{usage: "RSS 5242880"})
	w.waitLog(`(?m)^Failed to stop process ghost:ghost \(RSS 5242880\): <Fault 10: 'BAD_NAME: ghost'>$`)
	if m := w.mails(1)[0]; m.Subject != "memmon: failed to stop process ghost:ghost" || m.Body != "Failed to stop process ghost:ghost (RSS 5242880): <Fault 10: 'BAD_NAME: ghost'>" {
		t.Fatalf("mail %+v", m)
	}
}

// -u mails about a restart only when the process had been up at most that
// long; superlance's test: up 100s, -u 101 and -u 100 mail, -u 99 does not.
func TestUptimeLimitsMail(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		uptime time.Duration
		mails  int
	}{{101 * time.Second, 1}, {100 * time.Second, 1}, {99 * time.Second, 0}} {
		t.Run(tt.uptime.String(), func(t *testing.T) {
			t.Parallel()
			clock := testharness.NewFakeClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
			w := start(t, setup{clock: clock, programs: []testharness.Program{hog("hog", 48, testharness.ProcessConfig{})},
				cfg: config{programs: []limit{{"hog", 32 * mib}}, mail: mailTo, uptime: tt.uptime}})
			clock.Advance(100 * time.Second)
			w.tick()
			w.waitLog(`(?m)^hog:hog restarted$`)
			w.settle()
			if n := w.mailCount(); n != tt.mails {
				t.Fatalf("%d mails, want %d", n, tt.mails)
			}
		})
	}
}

// A name that matches no process is reported once, not fatal; it is
// reported again if it matched meanwhile and stops matching.
func TestUnknownNameIsReportedOnce(t *testing.T) {
	t.Parallel()
	w := start(t, setup{programs: []testharness.Program{hog("small", 0, testharness.ProcessConfig{})},
		cfg: config{programs: []limit{{"ghost", mib}, {"small", 32 * mib}}, groups: []limit{{"nogroup", mib}},
			runtimes: []runtimeLimit{{"phantom", time.Hour}, {"small", time.Hour}}}})
	w.tick()
	w.tick()
	got := w.lines(`^No process matches`)
	want := []string{
		"No process matches -p ghost=1048576; check the name with supervisorctl status",
		"No process matches -g nogroup=1048576; check the name with supervisorctl status",
		"No process matches --max-runtime phantom=1h; check the name with supervisorctl status",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s", w.log)
	}
}

// Processes that are not RUNNING are left alone, and memmon never restarts
// itself, even under -a.
func TestAnyLeavesMemmonAndStoppedProcessesAlone(t *testing.T) {
	t.Parallel()
	w := start(t, setup{programs: []testharness.Program{hog("hog", 8, testharness.ProcessConfig{}), hog("idle", 8, testharness.ProcessConfig{NoAutostart: true})},
		cfg: config{any: atMost(1)}})
	w.tick()
	w.waitLog(`(?m)^hog:hog restarted$`)
	w.settle()
	if w.stops("memmon") != 0 || w.stops("idle") != 0 || w.restarts("idle") != 0 {
		t.Fatalf("memmon stopped %d times, idle %d times", w.stops("memmon"), w.stops("idle"))
	}
	if got := w.lines(`^Not watching memmon:memmon: it is memmon itself`); len(got) != 1 {
		t.Fatalf("log:\n%s", w.log)
	}
}

// supervisord answering SHUTDOWN_STATE, or gone altogether: the tick is
// acknowledged, the next one tries again, and the failure is logged once
// however many ticks it lasts.
func TestSupervisordUnavailable(t *testing.T) {
	t.Parallel()
	tick := listener.Event{Header: listener.Header{EventName: listener.Tick5}, Payload: "when:1700000000"}
	gone, err := rpc.New("unix://" + filepath.Join(t.TempDir(), "gone.sock"))
	if err != nil {
		t.Fatal(err)
	}
	s := testharness.Start(t, testharness.Config{RPC: true})
	stopping, err := rpc.New(s.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	if err := stopping.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		client *rpc.Client
		want   string
	}{
		{gone, `^WARN Cannot get the process list from supervisord, checking again at the next tick: supervisor\.\w+: supervisord socket \S+ does not exist`},
		{stopping, `^WARN Cannot get the process list from supervisord, checking again at the next tick: .*SHUTDOWN_STATE`},
	} {
		var buf rig.Buffer
		m, err := newHandler(config{any: atMost(1), log: log.New(&buf)}, tt.client)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := m.HandleEvent(context.Background(), tick); err != nil {
				t.Fatalf("tick rejected: %v", err)
			}
		}
		lines := regexp.MustCompile(`(?m)`+tt.want).FindAllString(testkit.Levels(buf.String()), -1)
		if len(lines) != 1 {
			t.Errorf("log:\n%s", buf.String())
		}
		m.Shutdown(context.Background())
	}
}

// Events other than TICK that come before the first tick, which reads
// every process, are acknowledged without a call to supervisord.
func TestOtherEventsAreIgnored(t *testing.T) {
	t.Parallel()
	gone, _ := rpc.New("unix:///nonexistent/supervisor.sock")
	var buf rig.Buffer
	m, err := newHandler(config{any: atMost(1), log: log.New(&buf)}, gone)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	for _, ev := range []testharness.Event{
		testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 12}.Event(),
		testharness.NewProcessGroupAddedEvent("web"),
	} {
		if err := m.HandleEvent(context.Background(), listener.Event{Header: listener.Header{EventName: ev.Type}, Payload: ev.Payload}); err != nil {
			t.Fatal(err)
		}
	}
	if buf.String() != "" {
		t.Fatalf("log:\n%s", buf.String())
	}
}

// The first tick reads every process (getPID, getAllProcessInfo, and here
// a getProcessInfo about memmon's own pool, whose pid the emulated
// supervisord makes up, so that /proc cannot show it); a tick after which
// nothing changed makes no call, yet measures every process; a process
// restarted meanwhile is asked about alone, and measured under its new pid.
// Not parallel: the emulated supervisord's children are the test binary's,
// and so would be those of the other tests.
func TestQuietTicksCallNothing(t *testing.T) {
	w := start(t, setup{programs: []testharness.Program{hog("small", 2, testharness.ProcessConfig{}), hog("other", 2, testharness.ProcessConfig{})},
		cfg: config{programs: []limit{{"small", 64 * mib}, {"other", 64 * mib}}}})
	w.tick()
	if n, st := w.sup.calls.Load(), w.mon.table.Stats(); n != 3 || st.Refreshes != 1 || st.ProcessInfos != 1 {
		t.Fatalf("first tick: %d calls, %+v", n, st)
	}
	for i := range 3 {
		before := w.sup.calls.Load()
		w.tick()
		if n := w.sup.calls.Load() - before; n != 0 {
			t.Fatalf("quiet tick %d: %d calls", i+2, n)
		}
	}
	if n := len(w.lines(`^RSS of small:small is [1-9]\d*$`)); n != 4 {
		t.Fatalf("small measured at %d ticks of 4:\n%s", n, w.log)
	}
	old := w.Sup.Process("small").PID()
	rig.Must(t, syscall.Kill(old, syscall.SIGKILL))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if p := w.Sup.Process("small"); p.PID() != old && p.State() == listener.StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("small was not restarted")
		}
	}
	before := w.sup.calls.Load()
	w.tick()
	p, _ := w.mon.table.Process("small")
	if n := w.sup.calls.Load() - before; n != 1 || p.PID != w.Sup.Process("small").PID() {
		t.Fatalf("tick after a restart: %d calls, table has pid %d, want 1 call and pid %d", n, p.PID, w.Sup.Process("small").PID())
	}
}

// Without a limit the handler is idle: ticks and state changes are
// answered without a call to supervisord or a line in the log.
func TestNothingSelectedIsIdle(t *testing.T) {
	t.Parallel()
	w := start(t, setup{programs: []testharness.Program{{Name: "web", ProcessConfig: testharness.ProcessConfig{Command: []string{"sleep", "3600"}}}}})
	w.tick()
	w.tick()
	if n := w.sup.calls.Load(); n != 0 {
		t.Fatalf("idle memmon made %d calls to supervisord", n)
	}
	if got := w.log.String(); got != "" {
		t.Fatalf("idle memmon logged:\n%s", got)
	}
}

// A malformed PROCESS_STATE event, which the process table follows, gets
// the one line every plugin writes for it, not a word about supervisord
// failing to answer, and is acknowledged.
func TestMalformedEventIsLogged(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("small", 0, testharness.ProcessConfig{})},
		events:   []listener.EventType{listener.Tick5, listener.ProcessState},
		cfg:      config{programs: []limit{{"small", 32 * mib}}},
	})
	w.tick() // loads the table
	w.Sup.Notify(testharness.NewRawEvent(listener.ProcessStateExited, "garbage"))
	w.Idle()
	w.tick()
	if res := w.Results(); slices.ContainsFunc(res, func(s string) bool { return s != "OK" }) {
		t.Errorf("results %q, want every event acknowledged", res)
	}
	if n := len(w.lines(`^ignoring a malformed PROCESS_STATE_EXITED event \(serial \d+\): token without a colon`)); n != 1 {
		t.Errorf("%d lines for the malformed event, want 1; log:\n%s", n, w.log)
	}
	if l := w.lines(`Cannot get the process list`); len(l) != 0 {
		t.Errorf("a malformed event logged as supervisord failing: %q", l)
	}
}
