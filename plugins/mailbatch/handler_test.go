package mailbatch

import (
	"context"
	"io"
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
	"github.com/golance/golance/plugins/internal/outbox"
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
	r.settle(t)
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
		!strings.Contains(log, `queued a batch of 2 line(s) for ops@example.com, dev@example.com, subject "Crash alert from supervisord"`) {
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

// A batch whose mail cannot go waits in the outbox, and so does the next
// one: when the server is back both arrive, in order, and no event was
// rejected meanwhile.
func TestBatchesWaitInTheOutboxWhileTheServerIsDown(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		cfg:      config{interval: time.Minute},
		programs: []testharness.Program{{Name: "web"}, {Name: "worker"}},
	})
	r.srv.Stop()
	r.exit(t, "web", 1)
	r.tick(t, listener.Tick60, 1)
	r.exit(t, "worker", 1)
	r.tick(t, listener.Tick60, 1)
	if n := r.queued(); n != 2 {
		t.Fatalf("%d mails queued while the server is down, want 2", n)
	}
	r.srv.Start()
	r.settle(t)
	msgs := r.srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want 2; log:\n%s", len(msgs), r.log)
	}
	for i, want := range []string{"web:web (pid " + pidOf(t, r, "web", 0), "worker:worker (pid " + pidOf(t, r, "worker", 0)} {
		if got := lines(t, msgs[i]); len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("mail %d: %q, want one line about %s", i, got, want)
		}
	}
	for _, res := range r.Sup.Transcript().Results("batch") {
		if res.Body != "OK" {
			t.Fatalf("result %+v", res)
		}
	}
	if n := strings.Count(r.log.Messages(), "undelivered: "); n != 1 {
		t.Errorf("the outage logged %d times, want once:\n%s", n, r.log)
	}
}

// Without an outbox, a batch whose mail fails is kept, merged with the
// lines that come after, and sent at the next interval.
func TestWithoutOutboxAFailedBatchIsKeptAndMerged(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		outbox:   outbox.None,
		cfg:      config{interval: time.Minute},
		programs: []testharness.Program{{Name: "web"}, {Name: "worker"}},
	})
	r.exit(t, "web", 1)
	r.srv.Stop()
	r.tick(t, listener.Tick60, 1)
	if p := r.mon.pending(); len(p) != 1 {
		t.Fatalf("pending after the failure: %q", p)
	}
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
	if !strings.Contains(r.log.Messages(), "could not send the batch to ops@example.com, dev@example.com") ||
		!strings.Contains(r.log.Messages(), "connection refused") {
		t.Errorf("log:\n%s", r.log)
	}
	// Two intervals of the same outage: said once by the outbox and once
	// by the batch, and once each when it is over.
	for _, l := range []struct {
		re string
		n  int
	}{{"could not send the batch", 1}, {"trying again for up to", 1}, {"the batches to .* go again after 2 failures over", 1}, {"accepts notifications again after", 1}} {
		if n := len(regexp.MustCompile(l.re).FindAllString(r.log.Messages(), -1)); n != l.n {
			t.Errorf("%d lines match %q, want %d:\n%s", n, l.re, l.n, r.log)
		}
	}
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
	r.settle(t)
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
	r.settle(t)
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
	r.settle(t)
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
	r.settle(t)
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

// Flush queues what is pending, as the listener does when it stops.
func TestFlushQueuesThePendingBatch(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{cfg: config{interval: time.Hour}, programs: []testharness.Program{{Name: "web"}}})
	r.exit(t, "web", 1)
	r.idle(t)
	must(t, r.mon.flush(rig.Context(t)))
	r.settle(t)
	if n := len(r.srv.Messages()); n != 1 {
		t.Fatalf("%d mails after Flush", n)
	}
	// Nothing pending: nothing sent.
	must(t, r.mon.flush(rig.Context(t)))
	r.settle(t)
	if n := len(r.srv.Messages()); n != 1 {
		t.Fatalf("%d mails after an empty Flush", n)
	}
	// With the server down the batch waits in the outbox.
	r.exit(t, "web", 1)
	r.idle(t)
	r.srv.Stop()
	must(t, r.mon.flush(rig.Context(t)))
	if r.queued() != 1 || len(r.mon.pending()) != 0 {
		t.Fatalf("queued %d, pending %q", r.queued(), r.mon.pending())
	}
}

// Without an outbox, a Flush that cannot send says what became of the
// lines.
func TestWithoutOutboxAFailedFlushSaysTheLinesAreLost(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{outbox: outbox.None, cfg: config{interval: time.Hour}, programs: []testharness.Program{{Name: "web"}}})
	r.exit(t, "web", 1)
	r.idle(t)
	r.srv.Stop()
	err := r.mon.flush(rig.Context(t))
	if err == nil || !strings.HasPrefix(err.Error(), "1 pending line(s) not sent and lost (keep them across restarts with an --outbox): ") {
		t.Errorf("Flush with the server down: %v", err)
	}
}

// The pending batch survives a listener that dies without flushing, and
// is sent by the next one; a line already collected is not collected
// again when its event comes back.
func TestPendingBatchSurvivesAKilledListener(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := newRig(t, rigConfig{outbox: dir, cfg: config{interval: time.Hour}, programs: []testharness.Program{{Name: "web"}}})
	r.exit(t, "web", 1)
	r.idle(t)
	want := r.mon.pending()
	if len(want) != 1 {
		t.Fatalf("pending %q", want)
	}
	// The listener dies without flushing: the store is only closed, as
	// the kernel would release it.
	must(t, r.mon.ob.Close(rig.Context(t)))

	r2 := newRig(t, rigConfig{outbox: dir, cfg: config{interval: 0}, programs: []testharness.Program{{Name: "web"}}})
	if p := r2.mon.pending(); !slices.Equal(p, want) {
		t.Fatalf("pending after restart %q, want %q", p, want)
	}
	if !strings.Contains(testkit.Messages(r2.log.String()), "1 line(s) left pending by an earlier run, in the outbox "+dir) {
		t.Errorf("log:\n%s", r2.log)
	}
	r2.tick(t, listener.Tick60, 1)
	r2.settle(t)
	msgs := r2.srv.Messages()
	if len(msgs) != 1 || bodyOf(t, msgs[0]) != want[0]+"\n" {
		t.Fatalf("mails after restart: %d", len(msgs))
	}
}

// An event delivered again (its listener killed before it answered) is
// collected once.
func TestRedeliveredEventIsCollectedOnce(t *testing.T) {
	t.Parallel()
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
		outbox: outbox.Config{Dir: t.TempDir()}})
	must(t, err)
	defer mon.Shutdown(context.Background())
	crash := stateEvent(testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 1})
	crash.Serial = 7
	for range 3 {
		must(t, mon.HandleEvent(rig.Context(t), crash))
	}
	must(t, mon.send(rig.Context(t), ""))
	must(t, mon.HandleEvent(rig.Context(t), crash)) // after its batch left
	if p := mon.pending(); len(p) != 0 {
		t.Fatalf("pending %q, want nothing: the line already left in a batch", p)
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
		clock: c, log: log.New(&buf), outbox: outbox.Config{Dir: outbox.None}})
	must(t, err)
	crash := stateEvent(testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 1})
	for i := range 3 {
		if i == 1 {
			c.Advance(3*time.Minute + time.Second)
		}
		crash.Serial = uint64(i + 1)
		must(t, mon.HandleEvent(rig.Context(t), crash))
	}
	want := "WARN no TICK_60 event received for 3m1s; batches are only sent on TICK_60: subscribe to it (events=PROCESS_STATE,TICK_60) or change -e/--tickEvent"
	if n := strings.Count(testkit.Levels(buf.String()), want); n != 1 {
		t.Errorf("warning logged %d times, want once:\n%s", n, buf.String())
	}
}

// nopSender accepts every message; only for tests that never get to send.
type nopSender struct{}

func (nopSender) Send(context.Context, mail.Message) error { return nil }

// A malformed payload of the event a batch mailer collects is acknowledged
// with the one line every plugin writes for it; one of another type is
// not the mailer's business and says nothing.
func TestMalformedEventIsLogged(t *testing.T) {
	t.Parallel()
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigConfig{cfg: config{kind: k}})
			other := listener.ProcessStateFatal
			if k.event == other {
				other = listener.ProcessStateExited
			}
			r.Sup.Notify(testharness.NewRawEvent(k.event, "garbage"))
			r.Sup.Notify(testharness.NewRawEvent(other, "garbage"))
			r.idle(t)
			if res := r.Results(); len(res) < 2 || slices.ContainsFunc(res, func(s string) bool { return s != "OK" }) {
				t.Errorf("results %q, want every event acknowledged", res)
			}
			logged := r.log.Messages()
			if n := strings.Count(logged, "ignoring a malformed "+string(k.event)+" event (serial "); n != 1 {
				t.Errorf("%d lines for the malformed %s event, want 1; log:\n%s", n, k.event, logged)
			}
			if strings.Contains(logged, string(other)) {
				t.Errorf("logged the %s event, which %s does not collect:\n%s", other, k.name, logged)
			}
		})
	}
}

// Collecting a line costs the same however long the batch: the line is
// appended to the pending lines, not saved with all of them. Counted in
// allocations, which the batch saved whole multiplied by its lines (one
// string per line decoded), and without a store, whose synced write
// costs the same either way.
func TestALineCostsTheSameHoweverLongTheBatch(t *testing.T) {
	mon, err := newHandler(config{kind: crashMailBatch, mail: &mailcli.Delivery{To: []string{"ops@example.com"}, Sender: nopSender{}},
		outbox: outbox.Config{Dir: outbox.None}, log: log.New(io.Discard)})
	must(t, err)
	defer mon.ob.Close(context.Background())
	ctx := context.Background()
	crash := stateEvent(testharness.ProcessStateChange{Process: "web", Group: "web", From: listener.StateRunning, To: listener.StateExited, PID: 7})
	allocs := func() float64 {
		return testing.AllocsPerRun(50, func() {
			crash.Serial++
			must(t, mon.HandleEvent(ctx, crash))
		})
	}
	short := allocs()
	for range 5000 {
		crash.Serial++
		must(t, mon.HandleEvent(ctx, crash))
	}
	long := allocs()
	if n := len(mon.pending()); n < 5000 {
		t.Fatalf("%d lines pending", n)
	}
	if long > short+5 {
		t.Fatalf("a line allocates %v times with 5000 lines pending, %v with a few", long, short)
	}
}
