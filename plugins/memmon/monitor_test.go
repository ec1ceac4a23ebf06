package memmon

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/testharness"
)

func limit(bytes uint64) *uint64 { return &bytes }

func TestRestartsAProcessAboveItsLimit(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{}), hog("small", 0, testharness.ProcessConfig{})},
		cfg:      Config{Programs: []Limit{{"hog", 32 * mib}, {"small", 32 * mib}}, Email: "ops@example.com"},
	})
	pid := w.s.Process("small").PID()
	w.tick()
	w.waitLog(`(?m)^hog:hog restarted$`)
	if w.restarts("hog") != 1 || w.stops("small") != 0 || w.s.Process("small").PID() != pid {
		t.Fatalf("hog restarted %d times, small stopped %d times\n%s", w.restarts("hog"), w.stops("small"), w.log)
	}
	// superlance's lines, in superlance's order.
	want := regexp.MustCompile(`^Checking programs hog=33554432, small=33554432
RSS of hog:hog is (\d+)
Restarting hog:hog
RSS of small:small is \d+
hog:hog restarted
$`)
	m := want.FindStringSubmatch(w.log.String())
	if m == nil {
		t.Fatalf("log:\n%s", w.log)
	}
	mails := w.mails(1)
	if mails[0].subject != "memmon: process hog:hog restarted" {
		t.Errorf("subject %q", mails[0].subject)
	}
	body := regexp.MustCompile(`^memmon\.py restarted the process named hog:hog at \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \S+ because it was consuming too much memory \(` + m[1] + ` bytes RSS\)$`)
	if !body.MatchString(mails[0].body) {
		t.Errorf("body %q", mails[0].body)
	}
}

// superlance #79: -p group:name=SIZE crashes superlance with a KeyError.
func TestGroupNameLimit(t *testing.T) {
	t.Parallel()
	w := start(t, setup{
		programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{}), hog("twin", 64, testharness.ProcessConfig{})},
		groups:   []testharness.Group{{Name: "grp", Programs: []string{"hog", "twin"}}},
		cfg:      Config{Programs: []Limit{{"grp:hog", 32 * mib}}},
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
				cfg:      Config{Programs: []Limit{{tt.spec, 32 * mib}}},
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
		cfg:      Config{Programs: []Limit{{"hog", 32 * mib}}, Groups: []Limit{{"hog", 40 * mib}}, Any: limit(48 * mib)},
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
		cfg     Config
		subject string
	}{
		{"", Config{Programs: []Limit{{"hog", 32 * mib}}}, "memmon: process hog:hog restarted"},
		{"proj", Config{Groups: []Limit{{"hog", 32 * mib}}}, "memmon [proj]: process hog:hog restarted"},
	} {
		t.Run("name="+tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Name, cfg.Email = tt.name, "ops@example.com"
			w := start(t, setup{programs: []testharness.Program{hog("hog", 64, testharness.ProcessConfig{})}, cfg: cfg})
			w.tick()
			if got := w.mails(1)[0].subject; got != tt.subject {
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
				cfg: Config{Programs: []Limit{{"tree", 32 * mib}}, Cumulative: cumulative}})
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
				cfg: Config{Programs: []Limit{{"hog", 32 * mib}}, Metric: m, Email: "ops@example.com"}})
			w.tick()
			w.waitLog(`(?m)^hog:hog restarted$`)
			if got := w.lines(`^` + m.String() + ` of hog:hog is \d+$`); len(got) != 1 {
				t.Errorf("no %v line:\n%s", m, w.log)
			}
			if body := w.mails(1)[0].body; !strings.HasSuffix(body, " bytes "+m.String()+")") {
				t.Errorf("mail body %q", body)
			}
		})
	}
}

func TestConsecutiveTicksBeforeARestart(t *testing.T) {
	t.Parallel()
	cfg := Config{Programs: []Limit{{"hog", 32 * mib}}}
	cfg.Restart.Consecutive = 3
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
	cfg := Config{Programs: []Limit{{"hog", 32 * mib}}, Email: "ops@example.com"}
	cfg.Restart.Policy = restart.Policy{Consecutive: 1, MaxRestarts: 1, Window: time.Hour}
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
	if w.mailCount() != 2 || mails[0].subject != "memmon: process hog:hog not restarted, restart budget spent" || mails[0].body != refusals[0] ||
		mails[1].subject != "memmon: process hog:hog restarted" {
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
		cfg:      Config{Programs: []Limit{{"stubborn", 32 * mib}}},
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
	tr := w.s.Transcript()
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
		cfg:      Config{Programs: []Limit{{"once", 32 * mib}}, Email: "ops@example.com"},
	})
	if err := w.s.WaitProcessState(w.ctx(), "once", listener.StateRunning); err != nil {
		t.Fatal(err)
	}
	w.tick()
	w.waitLog(`(?m)^Failed to start process once:once after stopping it: <Fault (40: 'ABNORMAL_TERMINATION|50: 'SPAWN_ERROR): once'>$`)
	w.tick() // still serving
	m := w.mails(1)[0]
	if m.subject != "memmon: failed to start process once:once" || !strings.HasPrefix(m.body, "Failed to start process once:once after stopping it: <Fault ") {
		t.Fatalf("mail %+v", m)
	}
}

// A failed stop is reported with superlance's wording, minus its
// ", exiting".
func TestFailedStopIsReported(t *testing.T) {
	t.Parallel()
	w := start(t, setup{cfg: Config{Programs: []Limit{{"ghost", mib}}, Email: "ops@example.com"}})
	w.mon.restart(rpc.ProcessInfo{Name: "ghost", Group: "ghost", PID: 4242, State: listener.StateRunning}, "ghost:ghost", 5*mib, w.mon.rules[0])
	w.waitLog(`(?m)^Failed to stop process ghost:ghost \(RSS 5242880\): <Fault 10: 'BAD_NAME: ghost'>$`)
	if m := w.mails(1)[0]; m.subject != "memmon: failed to stop process ghost:ghost" || m.body != "Failed to stop process ghost:ghost (RSS 5242880): <Fault 10: 'BAD_NAME: ghost'>" {
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
				cfg: Config{Programs: []Limit{{"hog", 32 * mib}}, Email: "ops@example.com", Uptime: tt.uptime}})
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
		cfg: Config{Programs: []Limit{{"ghost", mib}, {"small", 32 * mib}}, Groups: []Limit{{"nogroup", mib}}}})
	w.tick()
	w.tick()
	got := w.lines(`^No process matches`)
	want := []string{
		"No process matches -p ghost=1048576; check the name with supervisorctl status",
		"No process matches -g nogroup=1048576; check the name with supervisorctl status",
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
		cfg: Config{Any: limit(1)}})
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
// acknowledged with one line, and the next one tries again.
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
		{gone, `^Cannot get the process list from supervisord, checking again at the next tick: supervisor\.getAllProcessInfo: supervisord socket \S+ does not exist`},
		{stopping, `^Cannot get the process list from supervisord, checking again at the next tick: .*SHUTDOWN_STATE`},
	} {
		var log syncBuffer
		m, err := New(Config{Supervisor: tt.client, Any: limit(1), Log: &log, Uptime: NoUptimeLimit})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := m.HandleEvent(context.Background(), tick); err != nil {
				t.Fatalf("tick rejected: %v", err)
			}
		}
		lines := regexp.MustCompile(`(?m)`+tt.want).FindAllString(log.String(), -1)
		if len(lines) != 2 {
			t.Errorf("log:\n%s", log.String())
		}
		m.Shutdown(context.Background())
	}
}

// Events other than TICK are acknowledged without a call to supervisord.
func TestOtherEventsAreIgnored(t *testing.T) {
	t.Parallel()
	gone, _ := rpc.New("unix:///nonexistent/supervisor.sock")
	var log syncBuffer
	m, err := New(Config{Supervisor: gone, Any: limit(1), Log: &log})
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
	if log.String() != "" {
		t.Fatalf("log:\n%s", log.String())
	}
}

func TestNewRefusesNothingToWatch(t *testing.T) {
	t.Parallel()
	c, _ := rpc.New("unix:///nonexistent/supervisor.sock")
	if _, err := New(Config{Supervisor: c}); err == nil || !strings.Contains(err.Error(), "nothing to watch") {
		t.Fatalf("New without limits: %v", err)
	}
	if _, err := New(Config{Supervisor: c, Any: limit(1), Email: "x@example.com"}); err == nil {
		t.Fatal("New with Email and no Mailer")
	}
}
