package testharness

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

// A virtual listener with events=PROCESS_STATE receives its own STARTING
// and RUNNING events, exactly as supervisord sends them.
func TestListenerSeesItsOwnStateEvents(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Identifier: "labsup", Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.ProcessState}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	pid := rec.PID()
	want := "ver:3.0 server:labsup serial:0 pool:rec poolserial:0 eventname:PROCESS_STATE_STARTING len:56\n" +
		"processname:rec groupname:rec from_state:STOPPED tries:0"
	if got := string(rec.Stdin()); got != want {
		t.Fatalf("first envelope\n%q\nwant\n%q", got, want)
	}
	say(t, rec, "RESULT 2\nOKREADY\n")
	d := s.Transcript().Deliveries("rec")
	if len(d) != 2 {
		t.Fatalf("got %d deliveries, want STARTING and RUNNING:\n%s", len(d), s.Transcript())
	}
	if d[1].EventName != listener.ProcessStateRunning || d[1].Serial != 1 || d[1].PoolSerial != 1 ||
		d[1].Payload != "processname:rec groupname:rec from_state:STARTING pid:"+strconv.Itoa(pid) {
		t.Errorf("second delivery %+v", d[1])
	}
	if got := s.Transcript().ListenerStates("rec"); !slices.Equal(got, []ListenerState{A, R, B, A, R, B}) {
		t.Errorf("listener states %v", got)
	}
}

// Startup order: pools are created first (priority -1) and see their own
// PROCESS_GROUP_ADDED and those of later groups; SUPERVISOR_STATE_CHANGE_RUNNING
// follows, then the processes start.
func TestStartupEventOrder(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{
		Programs: []Program{{Name: "web", ProcessConfig: ProcessConfig{NoAutostart: true}}},
		Pools:    []Pool{{Name: "rec", Events: []listener.EventType{listener.AnyEvent}, BufferSize: 50}},
	})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	var names []string
	for range 5 {
		d := s.Transcript().Deliveries("rec")
		last := d[len(d)-1]
		names = append(names, strings.TrimSpace(string(last.EventName)+" "+last.Payload))
		say(t, rec, "RESULT 2\nOKREADY\n")
	}
	want := []string{
		"PROCESS_GROUP_ADDED groupname:rec",
		"PROCESS_GROUP_ADDED groupname:web",
		"SUPERVISOR_STATE_CHANGE_RUNNING",
		"PROCESS_STATE_STARTING processname:rec groupname:rec from_state:STOPPED tries:0",
		"PROCESS_STATE_RUNNING processname:rec groupname:rec from_state:STARTING pid:" + strconv.Itoa(rec.PID()),
	}
	if !slices.Equal(names, want) {
		t.Fatalf("events\n%q\nwant\n%q", names, want)
	}
}

func TestRejectedEventIsRedeliveredWithSameSerials(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	serial, ok := s.Notify(NewRemoteCommunicationEvent("t", "data"))
	if !ok {
		t.Fatal("nobody accepted the event")
	}
	say(t, rec, "RESULT 4\nFAILREADY\n")
	say(t, rec, "RESULT 2\nOKREADY\n")
	tr := s.Transcript()
	d := tr.Deliveries("rec")
	if len(d) != 2 || d[0].Serial != serial || d[1].Serial != serial || d[0].PoolSerial != d[1].PoolSerial {
		t.Fatalf("deliveries %+v, want the same event twice", d)
	}
	res := tr.Results("rec")
	if len(res) != 2 || res[0].OK || res[0].Body != "FAIL" || !res[1].OK {
		t.Fatalf("results %+v", res)
	}
	if rb := tr.Rebuffers("rec"); len(rb) != 1 || rb[0].Reason != "rejected" || rb[0].Serial != serial {
		t.Fatalf("rebuffers %v", rb)
	}
	must(t, s.WaitIdle(testCtx(t)))
}

func TestExitMidEventRedeliversToTheRespawnedListener(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	serial, _ := s.Notify(NewRemoteCommunicationEvent("t", "data"))
	firstPID := rec.PID()
	must(t, rec.Exit(1)) // unexpected: autorestart=unexpected respawns it
	if rec.PID() == firstPID || rec.State() != listener.StateRunning {
		t.Fatalf("listener not respawned: pid %d state %s", rec.PID(), rec.State())
	}
	if got := rec.ListenerState(); got != ListenerAcknowledged {
		t.Fatalf("respawned listener is %s, want ACKNOWLEDGED", got)
	}
	say(t, rec, "READY\n")
	d := s.Transcript().Deliveries("rec")
	if len(d) != 2 || d[1].Serial != serial || d[1].PoolSerial != d[0].PoolSerial {
		t.Fatalf("deliveries %+v", d)
	}
	if rb := s.Transcript().Rebuffers("rec"); len(rb) != 1 || rb[0].Reason != "exited" {
		t.Fatalf("rebuffers %v", rb)
	}
}

// A listener that writes its result and then exits has the result read
// first (finish drains), so nothing is redelivered.
func TestFinalResultBeforeExitIsDrained(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication},
		ProcessConfig: ProcessConfig{Autorestart: RestartNever}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	s.Notify(NewRemoteCommunicationEvent("t", "data"))
	say(t, rec, "RESULT 2\nOK")
	must(t, rec.Exit(0))
	tr := s.Transcript()
	if len(tr.Rebuffers("")) != 0 || len(tr.Deliveries("")) != 1 {
		t.Fatalf("unexpected redelivery:\n%s", tr)
	}
	if got := tr.ProcessStates("rec"); !slices.Equal(got, []listener.State{listener.StateStarting, listener.StateRunning, listener.StateExited}) {
		t.Fatalf("process states %v", got)
	}
}

func TestOverflowDiscardsTheOldestAndLeavesPoolserialGaps(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "slow", BufferSize: 3, Events: []listener.EventType{listener.RemoteCommunication}}}})
	var serials []int64
	for i := range 5 {
		serial, _ := s.Notify(NewRemoteCommunicationEvent("n", strconv.Itoa(i)))
		serials = append(serials, serial)
	}
	tr := s.Transcript()
	if got := tr.Overflows("slow"); !slices.Equal(got, serials[:2]) {
		t.Fatalf("discarded %v, want the two oldest %v", got, serials[:2])
	}
	slow := procOf(t, s, "slow")
	say(t, slow, "READY\n")
	for range 3 {
		say(t, slow, "RESULT 2\nOKREADY\n")
	}
	var poolSerials []int64
	for _, d := range s.Transcript().Deliveries("slow") {
		poolSerials = append(poolSerials, d.PoolSerial)
	}
	if !slices.Equal(poolSerials, []int64{2, 3, 4}) {
		t.Fatalf("poolserials %v, want [2 3 4] (0 and 1 were discarded)", poolSerials)
	}
	must(t, s.WaitIdle(testCtx(t)))
}

func TestOverlappingSubscriptionsDeliverTwice(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.Tick, listener.Tick5, "tick_5"}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	s.Tick(listener.Tick5)
	say(t, rec, "RESULT 2\nOKREADY\n")
	d := s.Transcript().Deliveries("rec")
	if len(d) != 2 || d[0].Serial != d[1].Serial || d[0].PoolSerial != d[1].PoolSerial || d[0].EventName != listener.Tick5 {
		t.Fatalf("deliveries %+v, want the same TICK_5 twice (TICK and TICK_5; tick_5 is a duplicate name)", d)
	}
	// TICK_60 matches only the TICK subscription.
	s.Tick(listener.Tick60)
	say(t, rec, "RESULT 2\nOKREADY\n")
	if n := len(s.Transcript().Deliveries("rec")); n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}
}

// supervisord compares Subprocess objects by priority, so a rejection in
// one pool rebuffers the event into every pool whose processes share the
// rejecter's priority, subscribed or not.
func TestCrossPoolRebufferBug(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, otherPriority int) (*Supervisor, int64) {
		s := Start(t, Config{Pools: []Pool{
			{Name: "ticker", Events: []listener.EventType{listener.Tick5}},
			{Name: "remote", Events: []listener.EventType{listener.RemoteCommunication}, ProcessConfig: ProcessConfig{Priority: otherPriority}},
		}})
		ticker, remote := procOf(t, s, "ticker"), procOf(t, s, "remote")
		say(t, ticker, "READY\n")
		say(t, remote, "READY\n")
		serial, _ := s.Tick(listener.Tick5)
		say(t, ticker, "RESULT 4\nFAIL")
		return s, serial
	}
	t.Run("equal priorities", func(t *testing.T) {
		s, serial := run(t, 0)
		d := s.Transcript().Deliveries("remote")
		if len(d) != 1 || d[0].EventName != listener.Tick5 || d[0].Serial != serial || d[0].PoolSerial != 0 {
			t.Fatalf("pool remote got %+v, want the rejected TICK_5 with a fresh poolserial 0:\n%s", d, s.Transcript())
		}
		var pools []string
		for _, r := range s.Transcript().Rebuffers("") {
			pools = append(pools, r.Pool)
		}
		if !slices.Equal(pools, []string{"remote", "ticker"}) { // pools are created, and notified, by priority then name
			t.Fatalf("rebuffered into %v", pools)
		}
	})
	t.Run("distinct priorities", func(t *testing.T) {
		s, _ := run(t, 5)
		if d := s.Transcript().Deliveries("remote"); len(d) != 0 {
			t.Fatalf("pool remote got %+v, want nothing", d)
		}
	})
}

func TestUnknownIsTerminalUntilRespawn(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	say(t, rec, "stray output\n")
	s.Notify(NewRemoteCommunicationEvent("t", "lost until restart"))
	say(t, rec, "READY\n")
	if n := len(s.Transcript().Deliveries("rec")); n != 0 {
		t.Fatalf("an UNKNOWN listener received %d events", n)
	}
	if !s.Transcript().WentUnknown("rec") || rec.ListenerState() != ListenerUnknown {
		t.Fatal("listener not UNKNOWN")
	}
	// The change says why, with the bytes that caused it.
	var why []string
	for _, r := range s.Transcript().Filter(RecordListenerState, "rec") {
		if r.ToListener == ListenerUnknown {
			why = append(why, fmt.Sprintf("%s %q serial=%d", r.Reason, r.Data, r.Serial))
		}
	}
	if want := []string{`output while READY "stray output\n" serial=-1`}; !slices.Equal(why, want) {
		t.Errorf("UNKNOWN because %q, want %q", why, want)
	}
	ctx := testCtx(t)
	must(t, rec.Stop(ctx, true))
	must(t, rec.Start(ctx, true))
	say(t, rec, "READY\n")
	if d := s.Transcript().Deliveries("rec"); len(d) != 1 || d[0].Payload != "type:t\nlost until restart" {
		t.Fatalf("after restart got %+v", d)
	}
}

// A bad result line rejects the event in flight: it is rebuffered, and
// only a restart brings the listener back.
func TestBadResultLineRebuffersAndGoesUnknown(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	s.Notify(NewRemoteCommunicationEvent("t", "x"))
	say(t, rec, "{\"json\": 1}\n")
	tr := s.Transcript()
	if bl := tr.Filter(RecordBadResultLine, "rec"); len(bl) != 1 || string(bl[0].Data) != `{"json": 1}` {
		t.Fatalf("bad result lines %v", bl)
	}
	if rb := tr.Rebuffers("rec"); len(rb) != 1 || rb[0].Reason != "unknown" {
		t.Fatalf("rebuffers %v", rb)
	}
	for _, r := range tr.Filter(RecordListenerState, "rec") {
		if r.ToListener == ListenerUnknown && (r.Reason != "bad result line" || string(r.Data) != `{"json": 1}` || r.Serial != 0 || r.EventName != listener.RemoteCommunication) {
			t.Errorf("UNKNOWN recorded as %s", r)
		}
	}
	ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	if err := s.WaitIdle(ctx); err == nil || !strings.Contains(err.Error(), "pool rec has 1 buffered") {
		t.Fatalf("WaitIdle = %v, want a timeout naming the stuck pool", err)
	}
}

func TestDispatchWaitsForRunningAfterStartsecs(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Unix(1_700_000_000, 0))
	s := Start(t, Config{Clock: clock, Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication},
		ProcessConfig: ProcessConfig{StartSecs: 3 * time.Second}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	s.Notify(NewRemoteCommunicationEvent("t", "early"))
	if rec.State() != listener.StateStarting || len(s.Transcript().Deliveries("rec")) != 0 {
		t.Fatalf("a STARTING listener got an event; state %s", rec.State())
	}
	clock.Advance(3 * time.Second)
	must(t, s.WaitDeliveries(testCtx(t), "rec", 1))
	if rec.State() != listener.StateRunning {
		t.Fatalf("state %s", rec.State())
	}
}

func TestFirstReadyListenerInConfigOrderGetsTheEvent(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication},
		ProcessConfig: ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d"}}}})
	a, b := procOf(t, s, "rec:rec_00"), procOf(t, s, "rec:rec_01")
	say(t, b, "READY\n")
	say(t, a, "READY\n")
	s.Notify(NewRemoteCommunicationEvent("t", "1"))
	s.Notify(NewRemoteCommunicationEvent("t", "2"))
	s.Notify(NewRemoteCommunicationEvent("t", "3"))
	d := s.Transcript().Deliveries("rec")
	if len(d) != 2 || d[0].Process != "rec:rec_00" || d[1].Process != "rec:rec_01" {
		t.Fatalf("deliveries %+v", d)
	}
	say(t, b, "RESULT 2\nOKREADY\n")
	if d := s.Transcript().Deliveries("rec"); len(d) != 3 || d[2].Process != "rec:rec_01" || d[2].Payload != "type:t\n3" {
		t.Fatalf("third delivery %+v", d[len(d)-1])
	}
}

func TestSerialsAreConsumedOnlyWhenAPoolAccepts(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication}}}})
	first, _ := s.Notify(NewRemoteCommunicationEvent("t", "1"))
	if _, ok := s.Notify(NewTickEvent(listener.Tick5, time.Now())); ok {
		t.Fatal("an unsubscribed event was accepted")
	}
	second, _ := s.Notify(NewRemoteCommunicationEvent("t", "2"))
	if second != first+1 {
		t.Fatalf("serials %d then %d: the unsubscribed tick consumed one", first, second)
	}
}

func TestCustomResultHandler(t *testing.T) {
	t.Parallel()
	var seen []string
	s := Start(t, Config{Pools: []Pool{{Name: "rec", Events: []listener.EventType{listener.RemoteCommunication},
		ResultHandler: func(ev Event, body []byte) error {
			seen = append(seen, ev.Payload+"="+string(body))
			if string(body) == "again" {
				return ErrReject
			}
			return nil
		}}}})
	rec := procOf(t, s, "rec")
	say(t, rec, "READY\n")
	s.Notify(NewRemoteCommunicationEvent("t", "x"))
	say(t, rec, "RESULT 5\nagainREADY\n")
	say(t, rec, "RESULT 4\ndoneREADY\n")
	if !slices.Equal(seen, []string{"type:t\nx=again", "type:t\nx=done"}) {
		t.Fatalf("handler saw %q", seen)
	}
	must(t, s.WaitIdle(testCtx(t)))
}

// A removed pool unsubscribes: its events stop being accepted.
func TestRemovedPoolUnsubscribes(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{RPC: true, Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.RemoteCommunication}}}})
	ctx := testCtx(t)
	c := s.Client()
	must(t, c.StopProcess(ctx, "p", true))
	must(t, c.RemoveProcessGroup(ctx, "p"))
	if _, ok := s.Notify(NewRemoteCommunicationEvent("t", "x")); ok {
		t.Fatal("a removed pool accepted an event")
	}
}
