package mailbatch

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/golance/golance/testharness"
)

var asctimeRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`)

func TestBatchIsSentOncePerInterval(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		cfg: config{interval: 2 * time.Minute},
		programs: []testharness.Program{
			{Name: "web"}, {Name: "worker"},
			{Name: "job", ProcessConfig: testharness.ProcessConfig{ExitCodes: []int{0}}},
		},
	})
	r.exit(t, "web", 1)
	r.exit(t, "job", 0) // expected: not collected
	r.exit(t, "worker", 2)
	r.tick(t, listener.Tick60, 1)
	if n := len(r.srv.Messages()); n != 0 {
		t.Fatalf("%d mails after 1 of 2 ticks", n)
	}
	r.tick(t, listener.Tick60, 1)
	msgs := r.srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails after 2 ticks, want 1; log:\n%s", len(msgs), r.log)
	}
	m := msgs[0]
	if got, want := lines(t, m), []string{
		"T -- Process web:web (pid " + pidOf(t, r, "web", 0) + ") died unexpectedly",
		"T -- Process worker:worker (pid " + pidOf(t, r, "worker", 0) + ") died unexpectedly",
	}; !slices.Equal(got, want) {
		t.Errorf("body %q, want %q", got, want)
	}
	h, err := m.Header()
	must(t, err)
	if s, _ := m.Subject(); s != "Crash alert from supervisord" || h.Get("To") != "ops@example.com, dev@example.com" ||
		h.Get("From") != "supervisor@example.com" || h.Get("Date") == "" || h.Get("Message-Id") == "" {
		t.Errorf("subject %q, header %v", s, h)
	}
	if !slices.Equal(m.To, []string{"ops@example.com", "dev@example.com"}) {
		t.Errorf("envelope recipients %q", m.To)
	}
	// Empty intervals send nothing.
	r.tick(t, listener.Tick60, 4)
	if n := len(r.srv.Messages()); n != 1 {
		t.Errorf("%d mails after empty intervals, want still 1", n)
	}
	if p := r.mon.pending(); len(p) != 0 {
		t.Errorf("pending after the send: %q", p)
	}
	// Each line went to stderr as it was collected, as in superlance.
	log := testkit.Levels(r.log.String())
	if !regexp.MustCompile(`(?m)^INFO `+asctimeRE.String()+` -- Process web:web \(pid \d+\) died unexpectedly$`).MatchString(log) ||
		!strings.Contains(log, `sent a batch of 2 line(s) to ops@example.com, dev@example.com, subject "Crash alert from supervisord"`) {
		t.Errorf("log:\n%s", log)
	}
}

// pidOf returns the pid the i-th spawn of namespec had, from the
// transcript.
func pidOf(t *testing.T, r *batchRig, namespec string, i int) string {
	t.Helper()
	spawns := r.Sup.Transcript().Filter(testharness.RecordSpawned, namespec)
	if len(spawns) <= i {
		t.Fatalf("%s was spawned %d times", namespec, len(spawns))
	}
	return strconv.Itoa(spawns[i].PID)
}

// A batch whose mail is refused is kept, merged with the lines that come
// after, and sent at the next interval.
func TestFailedBatchIsKeptAndMerged(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		cfg:      config{interval: time.Minute},
		programs: []testharness.Program{{Name: "web"}, {Name: "worker"}},
	})
	r.exit(t, "web", 1)
	r.srv.Refuse(1, 554, "Rejected")
	r.tick(t, listener.Tick60, 1)
	if len(r.srv.Messages()) != 0 || len(r.srv.Refused()) != 1 {
		t.Fatalf("delivered %d, refused %d", len(r.srv.Messages()), len(r.srv.Refused()))
	}
	if p := r.mon.pending(); len(p) != 1 {
		t.Fatalf("pending after the failure: %q", p)
	}
	// Now the server is down for the next interval's attempts.
	r.srv.Stop()
	r.exit(t, "worker", 1)
	r.tick(t, listener.Tick60, 1)
	if p := r.mon.pending(); len(p) != 2 {
		t.Fatalf("pending after the server was down: %q", p)
	}
	r.srv.Start()
	r.exit(t, "web", 3)
	r.tick(t, listener.Tick60, 1)
	msgs := r.srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1; log:\n%s", len(msgs), r.log)
	}
	got := lines(t, msgs[0])
	want := []string{
		"T -- Process web:web (pid " + pidOf(t, r, "web", 0) + ") died unexpectedly",
		"T -- Process worker:worker (pid " + pidOf(t, r, "worker", 0) + ") died unexpectedly",
		"T -- Process web:web (pid " + pidOf(t, r, "web", 1) + ") died unexpectedly",
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged batch %q, want %q", got, want)
	}
	for _, want := range []string{
		"could not send the batch of 1 line(s) to ops@example.com, dev@example.com: gave up after 1 attempt",
		"554 5.0.0 Rejected; keeping the lines for the next interval",
		"could not send the batch of 2 line(s)",
		"connection refused",
	} {
		if !strings.Contains(testkit.Messages(r.log.String()), want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
	// No event was rejected: the lines were safe in the batch.
	for _, res := range r.Sup.Transcript().Results("batch") {
		if res.Body != "OK" {
			t.Fatalf("result %+v", res)
		}
	}
}

// Only the tick named by -e counts; superlance ignored other periods too.
func TestOnlyTheConfiguredTickCounts(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		cfg:      config{tickEvent: listener.Tick5, interval: 10 * time.Second},
		events:   []listener.EventType{listener.ProcessState, listener.Tick},
		programs: []testharness.Program{{Name: "web"}},
	})
	r.exit(t, "web", 1)
	r.tick(t, listener.Tick60, 3)
	r.tick(t, listener.Tick3600, 1)
	r.tick(t, listener.Tick5, 1)
	if n := len(r.srv.Messages()); n != 0 {
		t.Fatalf("%d mails before the second TICK_5", n)
	}
	r.tick(t, listener.Tick5, 1)
	if n := len(r.srv.Messages()); n != 1 {
		t.Fatalf("%d mails after the second TICK_5, want 1", n)
	}
}

func TestProgramSelection(t *testing.T) {
	t.Parallel()
	sel, err := selection.New(selection.Spec{Programs: []string{"web"}})
	must(t, err)
	r := newRig(t, rigConfig{
		cfg: config{selector: sel, interval: 0},
		programs: []testharness.Program{
			{Name: "web", ProcessConfig: testharness.ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)d"}},
			{Name: "worker"},
		},
	})
	r.exit(t, "web:web_0", 1)
	r.exit(t, "worker", 1)
	r.exit(t, "web:web_1", 1)
	r.tick(t, listener.Tick60, 1)
	msgs := r.srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	got := lines(t, msgs[0])
	if len(got) != 2 || !strings.Contains(got[0], "Process web:web_0 ") || !strings.Contains(got[1], "Process web:web_1 ") {
		t.Errorf("batch %q, want web_0 and web_1 only", got)
	}
}

func TestCrashSMSHasNoSubject(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		cfg:      config{kind: crashSMS, tickEvent: listener.Tick5},
		events:   []listener.EventType{listener.ProcessState, listener.Tick5},
		programs: []testharness.Program{{Name: "web"}},
	})
	r.exit(t, "web", 1)
	r.tick(t, listener.Tick5, 12)
	msgs := r.srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	h, err := msgs[0].Header()
	must(t, err)
	if _, ok := h["Subject"]; ok {
		t.Errorf("crashsms sent a Subject: %q", h.Get("Subject"))
	}
	if got, want := lines(t, msgs[0]), []string{"[web:web](" + pidOf(t, r, "web", 0) + ") exited unexpectedly T"}; !slices.Equal(got, want) {
		t.Errorf("body %q, want %q", got, want)
	}
}

func TestFatalMailBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		cfg:     config{kind: fatalMailBatch},
		backoff: time.Millisecond,
		programs: []testharness.Program{
			{Name: "broken", ProcessConfig: testharness.ProcessConfig{Command: []string{"/bin/false"}, StartSecs: 10 * time.Second, StartRetries: 1}},
			{Name: "web"},
		},
	})
	must(t, r.Sup.WaitProcessState(rig.Context(t), "broken", listener.StateFatal))
	r.exit(t, "web", 1) // an exit: not fatalmailbatch's business
	r.tick(t, listener.Tick60, 1)
	msgs := r.srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	if s, _ := msgs[0].Subject(); s != "Fatal start alert from supervisord" {
		t.Errorf("subject %q", s)
	}
	if got, want := lines(t, msgs[0]), []string{"T -- Process broken:broken failed to start too many times"}; !slices.Equal(got, want) {
		t.Errorf("body %q, want %q", got, want)
	}
}

// Flush sends what is pending, as the listener does when it stops.
func TestFlushSendsThePendingBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{cfg: config{interval: time.Hour}, programs: []testharness.Program{{Name: "web"}}})
	r.exit(t, "web", 1)
	r.idle(t)
	must(t, r.mon.flush(rig.Context(t)))
	if n := len(r.srv.Messages()); n != 1 {
		t.Fatalf("%d mails after Flush", n)
	}
	// Nothing pending: nothing sent.
	must(t, r.mon.flush(rig.Context(t)))
	if n := len(r.srv.Messages()); n != 1 {
		t.Fatalf("%d mails after an empty Flush", n)
	}
	// A Flush that cannot send says what became of the lines.
	r.exit(t, "web", 1)
	r.idle(t)
	r.srv.Stop()
	err := r.mon.flush(rig.Context(t))
	if err == nil || !strings.HasPrefix(err.Error(), "1 pending line(s) not sent and lost (keep them across restarts with --spool): gave up after") {
		t.Errorf("Flush with the server down: %v", err)
	}
}

// With a spool, lines survive a listener that dies without flushing, and
// are sent by the next one.
func TestSpoolSurvivesAKilledListener(t *testing.T) {
	t.Parallel()
	spool := filepath.Join(t.TempDir(), "spool")
	r := newRig(t, rigConfig{cfg: config{spool: spool, interval: time.Hour}, programs: []testharness.Program{{Name: "web"}}})
	r.exit(t, "web", 1)
	r.idle(t)
	data, err := os.ReadFile(spool)
	must(t, err)
	if !regexp.MustCompile(`^` + asctimeRE.String() + ` -- Process web:web \(pid \d+\) died unexpectedly\n$`).Match(data) {
		t.Fatalf("spool holds %q", data)
	}
	// The listener dies without flushing: only Close, as the kernel would.
	must(t, r.mon.close())

	r2 := newRig(t, rigConfig{cfg: config{spool: spool, interval: 0}, programs: []testharness.Program{{Name: "web"}}})
	if p := r2.mon.pending(); len(p) != 1 {
		t.Fatalf("pending after restart: %q", p)
	}
	r2.tick(t, listener.Tick60, 1)
	msgs := r2.srv.Messages()
	if len(msgs) != 1 || !strings.Contains(bodyOf(t, msgs[0]), string(data)) {
		t.Fatalf("mails after restart: %d", len(msgs))
	}
	if data, _ := os.ReadFile(spool); len(data) != 0 {
		t.Errorf("spool still holds %q after the send", data)
	}
	if !strings.Contains(testkit.Messages(r2.log.String()), "1 line(s) left pending by an earlier run read back from spool "+spool) {
		t.Errorf("log:\n%s", r2.log)
	}
}

// A line that cannot be written to the spool is not acknowledged.
func TestSpoolWriteFailureRejectsTheEvent(t *testing.T) {
	t.Parallel()
	spool := filepath.Join(t.TempDir(), "spool")
	r := newRig(t, rigConfig{cfg: config{spool: spool}, programs: []testharness.Program{{Name: "web"}}})
	// Swap the spool's file for one where every write fails with ENOSPC.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	r.mon.mu.Lock()
	r.mon.spool.f.Close()
	r.mon.spool.f = full
	r.mon.mu.Unlock()
	r.exit(t, "web", 1)
	must(t, r.Sup.WaitFor(rig.Context(t), "a rejection", func(tr *testharness.Transcript) bool {
		return slices.ContainsFunc(tr.Results("batch"), func(res testharness.Result) bool { return res.Body == "FAIL" })
	}))
	if p := r.mon.pending(); len(p) != 0 {
		t.Errorf("a line that is not on disk is pending: %q", p)
	}
	if !strings.Contains(testkit.Messages(r.log.String()), "no space left on device; rejecting the event so that supervisord delivers it again") {
		t.Errorf("log:\n%s", r.log)
	}
}

// superlance issue #97: a listener not subscribed to the tick -e names
// never sends anything. The handler says so once lines pile up without it.
func TestWarnsWhenTheTickNeverComes(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	var buf rig.Buffer
	c := clock.NewFake(now)
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
		clock: c, log: log.New(&buf)})
	must(t, err)
	crash := stateEvent(testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 1})
	must(t, mon.HandleEvent(rig.Context(t), crash))
	c.Advance(3*time.Minute + time.Second)
	must(t, mon.HandleEvent(rig.Context(t), crash))
	must(t, mon.HandleEvent(rig.Context(t), crash))
	want := "WARN no TICK_60 event received for 3m1s; batches are only sent on TICK_60: subscribe to it (events=PROCESS_STATE,TICK_60) or change -e/--tickEvent"
	if n := strings.Count(testkit.Levels(buf.String()), want); n != 1 {
		t.Errorf("warning logged %d times, want once:\n%s", n, buf.String())
	}
}

// nopSender accepts every message; only for tests that never get to send.
type nopSender struct{}

func (nopSender) Send(context.Context, mail.Message) error { return nil }
