package testharness

import (
	"context"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
)

func notifiedTicks(tr *Transcript) []string {
	var out []string
	for _, r := range tr.Filter(RecordNotified, "") {
		if r.EventName.Is(listener.Tick) {
			out = append(out, string(r.EventName)+" "+r.Payload)
		}
	}
	return out
}

// TickAt is supervisord's tick(): one event per period whose slice rolled
// over, carrying the start of the new slice.
func TestTickAtEmitsRolledOverSlices(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_001, 0) // 1_800_000_000 is a multiple of 3600
	s := Start(t, Config{Clock: NewFakeClock(start), Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick}}}})
	s.TickAt(start.Add(3 * time.Second)) // same 5s slice: nothing
	s.TickAt(start.Add(4 * time.Second)) // 1_800_000_005
	s.TickAt(start.Add(3600 * time.Second))
	want := []string{
		"TICK_5 when:1800000005",
		"TICK_5 when:1800003600",
		"TICK_60 when:1800003600",
		"TICK_3600 when:1800003600",
	}
	if got := notifiedTicks(s.Transcript()); !slices.Equal(got, want) {
		t.Fatalf("ticks %q, want %q", got, want)
	}
}

// With ClockTicks, moving a FakeClock emits the ticks.
func TestClockTicksFollowAFakeClock(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Unix(1_800_000_002, 0))
	s := Start(t, Config{Clock: clock, ClockTicks: true, Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick}}}})
	ctx := testCtx(t)
	clock.Advance(3 * time.Second)
	must(t, s.WaitFor(ctx, "a TICK_5", func(tr *Transcript) bool { return len(notifiedTicks(tr)) == 1 }))
	clock.Advance(60 * time.Second)
	must(t, s.WaitFor(ctx, "TICK_5 and TICK_60", func(tr *Transcript) bool { return len(notifiedTicks(tr)) == 3 }))
	want := []string{"TICK_5 when:1800000005", "TICK_5 when:1800000065", "TICK_60 when:1800000060"}
	if got := notifiedTicks(s.Transcript()); !slices.Equal(got, want) {
		t.Fatalf("ticks %q, want %q", got, want)
	}
}

// TickEvery accelerates time for ticks: every interval is 5 seconds.
func TestTickEveryAccelerates(t *testing.T) {
	t.Parallel()
	s := Start(t, Config{Clock: NewFakeClock(time.Unix(1_800_000_000, 0)), TickEvery: time.Millisecond,
		Pools: []Pool{{Name: "p", Events: []listener.EventType{listener.Tick60},
			Handler: listener.HandlerFunc(func(context.Context, listener.Event) error { return nil })}}})
	ctx := testCtx(t)
	must(t, s.WaitResults(ctx, "p", 2))
	res := s.Transcript().Results("p")
	if res[0].EventName != listener.Tick60 || !res[0].OK {
		t.Fatalf("results %+v", res)
	}
	ticks := notifiedTicks(s.Transcript())
	if len(ticks) < 26 || ticks[0] != "TICK_5 when:1800000005" || ticks[11] != "TICK_5 when:1800000060" || ticks[12] != "TICK_60 when:1800000060" {
		t.Fatalf("ticks %q", ticks[:min(len(ticks), 14)])
	}
}

func TestInProcessExitStatuses(t *testing.T) {
	t.Parallel()
	run := func(err error, panics bool) RunFunc {
		return func(context.Context, io.Reader, io.Writer, io.Writer) error {
			if panics {
				panic("boom")
			}
			return err
		}
	}
	s := Start(t, Config{Programs: []Program{
		{Name: "ok", ProcessConfig: ProcessConfig{Run: run(nil, false), Autorestart: RestartNever}},
		{Name: "seven", ProcessConfig: ProcessConfig{Run: run(ExitCode(7), false), Autorestart: RestartNever}},
		{Name: "err", ProcessConfig: ProcessConfig{Run: run(io.ErrUnexpectedEOF, false), Autorestart: RestartNever}},
		{Name: "panic", ProcessConfig: ProcessConfig{Run: run(nil, true), Autorestart: RestartNever}},
	}})
	ctx := testCtx(t)
	for name, want := range map[string]string{"ok": "exit status 0", "seven": "exit status 7", "err": "exit status 1", "panic": "exit status 2"} {
		must(t, s.WaitProcessState(ctx, name, listener.StateExited))
		if exits := s.Transcript().Filter(RecordExited, name); len(exits) != 1 || exits[0].Reason != want {
			t.Errorf("%s: exits %v, want %s", name, exits, want)
		}
	}
}

// An in-process child that ignores its context is killed by SIGKILL after
// stopwaitsecs: its pipes are closed and it counts as dead.
func TestSIGKILLEndsAnInProcessChild(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := Start(t, Config{Programs: []Program{{Name: "deaf", ProcessConfig: ProcessConfig{
		StopWaitSecs: 20 * time.Millisecond,
		Run: func(context.Context, io.Reader, io.Writer, io.Writer) error {
			<-release
			return nil
		}}}}})
	// Registered after Start, so it runs before Close, which waits for
	// the goroutine.
	t.Cleanup(func() { close(release) })
	ctx := testCtx(t)
	must(t, procOf(t, s, "deaf").Stop(ctx, true))
	if exits := s.Transcript().Filter(RecordExited, "deaf"); len(exits) != 1 || exits[0].Reason != "terminated by SIGKILL" {
		t.Fatalf("exits %v", exits)
	}
	if sigs := procOf(t, s, "deaf").Signals(); sigs[0] != syscall.SIGTERM || sigs[1] != syscall.SIGKILL {
		t.Fatalf("signals %v", sigs)
	}
}

// An envelope much larger than a pipe's buffer reaches an SDK listener
// intact: the harness writes what does not fit from a goroutine, as
// supervisord keeps it in its input buffer.
func TestLargeEnvelopeOverPipes(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	s := Start(t, Config{Pools: []Pool{{Name: "big", Events: []listener.EventType{listener.RemoteCommunication},
		Handler: listener.HandlerFunc(func(_ context.Context, ev listener.Event) error {
			got <- ev.Payload
			return nil
		})}}})
	data := strings.Repeat("é0123456789", 30_000) // 360,000 bytes, 330,000 code points
	s.Notify(NewRemoteCommunicationEvent("big", data))
	must(t, s.WaitIdle(testCtx(t)))
	if p := <-got; p != "type:big\n"+data {
		t.Fatalf("payload of %d bytes arrived as %d bytes", len(data)+9, len(p))
	}
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
