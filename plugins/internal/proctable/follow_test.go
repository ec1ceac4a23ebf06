package proctable

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// The randomized test: random sequences of starts, stops, crashes,
// expected exits, short failed runs and group changes, driven through the
// harness and through the real supervisord, with two tables following
// each: one fed the events (PROCESS_STATE, PROCESS_GROUP), one told only
// to Check, as on a TICK. After every step, once supervisord has settled,
// both must equal getAllProcessInfo, as the package doc defines equality.
//
// PROCTABLE_SEED picks the sequence (default 1); PROCTABLE_STEPS its
// length; PROCTABLE_LONG=1 runs 400 steps in the harness and 80 under
// supervisord instead of 40 and 12.

// world is a supervisord a sequence drives.
type world interface {
	client() *rpc.Client
	// sync returns once the events table has applied every event sent
	// before the call.
	sync(t *testing.T)
	// setGroups changes the optional groups as supervisorctl update does,
	// and reports whether it could.
	setGroups(t *testing.T, to groups) bool
}

// groups is the state of the optional groups: extra, whose numprocs
// processes autostart, and spare, whose one process does not.
type groups struct {
	extra int // 0 when absent
	spare bool
}

// sequence drives one world.
type sequence struct {
	t          *testing.T
	w          world
	c          *rpc.Client
	ev, tick   *Table
	evc, tickc *counting
	fake       *clock.Fake
	rng        *rand.Rand
	seed       uint64
	groups     groups
	extraSizes []int  // numprocs the world can give extra
	ready      string // the children's readyVar
	done       []string
}

// The programs both worlds run, by role: child programs wait for a
// signal; fail exits at once; the listener is left alone.
var (
	childPrograms = []string{"solo", "duo:left", "duo:right", "pool:pool_0", "pool:pool_1", "pool:pool_2", "lazy"}
	failProgram   = "fail"
)

func seed(t *testing.T) (seed uint64, steps int) {
	seed, steps = 1, 0
	if v := os.Getenv("PROCTABLE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("PROCTABLE_SEED=%s: want a number", v)
		}
		seed = n
	}
	if v := os.Getenv("PROCTABLE_STEPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("PROCTABLE_STEPS=%s: want a number", v)
		}
		steps = n
	}
	return seed, steps
}

func long() bool { return os.Getenv("PROCTABLE_LONG") == "1" }

func (q *sequence) run(steps int) {
	q.t.Helper()
	ctx := context.Background()
	// Both tables learn the processes, and the tick table which pids /proc
	// cannot follow (the harness's in-process listener).
	for _, tab := range []*Table{q.ev, q.tick} {
		if err := tab.Load(ctx); err != nil {
			q.t.Fatal(err)
		}
	}
	q.w.sync(q.t)
	q.verify("start", false, false)
	for i := range steps {
		name, blind, group := q.step(ctx)
		q.done = append(q.done, name)
		q.verify(fmt.Sprintf("step %d (%s)", i+1, name), blind, group)
	}
}

// step makes one random change and waits for supervisord to settle. blind
// reports a change a table that only checks /proc cannot see before its
// periodic refresh; group, a change of groups.
func (q *sequence) step(ctx context.Context) (name string, blind, group bool) {
	infos := settle(q.t, q.c)
	byName := map[string]rpc.ProcessInfo{}
	for _, info := range infos {
		byName[info.Namespec()] = info
	}
	var running, stopped []string
	for _, ns := range append(slices.Clone(childPrograms), q.optional()...) {
		switch byName[ns].State {
		case listener.StateRunning:
			running = append(running, ns)
		case listener.StateStopped, listener.StateExited, listener.StateFatal:
			stopped = append(stopped, ns)
		}
	}
	pick := func(from []string) string { return from[q.rng.IntN(len(from))] }
	for {
		switch q.rng.IntN(12) {
		case 0, 1, 2:
			if len(stopped) == 0 {
				continue
			}
			ns := pick(stopped)
			if err := q.c.StartProcess(ctx, ns, true); err != nil {
				q.t.Fatalf("starting %s: %v", ns, err)
			}
			return "start " + ns, false, false
		case 3, 4:
			if len(running) == 0 {
				continue
			}
			ns := pick(running)
			if err := q.c.StopProcess(ctx, ns, true); err != nil {
				q.t.Fatalf("stopping %s: %v", ns, err)
			}
			return "stop " + ns, false, false
		case 5, 6, 7, 8:
			if len(running) == 0 {
				continue
			}
			ns := pick(running)
			sig := []string{"USR2", "KILL", "USR1"}[q.rng.IntN(3)]
			old := byName[ns].PID
			waitReady(q.t, q.ready, old)
			if err := q.c.SignalProcess(ctx, ns, sig); err != nil {
				q.t.Fatalf("signalling %s: %v", ns, err)
			}
			q.waitInfo(ns, func(info rpc.ProcessInfo) bool {
				if sig == "USR1" { // exit 0, expected: not restarted
					return info.State == listener.StateExited
				}
				return info.State == listener.StateRunning && info.PID != old
			})
			return fmt.Sprintf("%s %s", map[string]string{"USR2": "crash", "KILL": "kill", "USR1": "exit"}[sig], ns), false, false
		case 9:
			// A run shorter than a tick: started, exited, FATAL.
			if err := q.c.StartProcess(ctx, failProgram, true); err == nil {
				q.t.Fatalf("%s started", failProgram)
			}
			return "fail " + failProgram, false, false
		default:
			to := q.groups
			if q.rng.IntN(2) == 0 {
				to.spare = !to.spare
			} else {
				sizes := slices.DeleteFunc(slices.Clone(q.extraSizes), func(n int) bool { return n == to.extra })
				to.extra = sizes[q.rng.IntN(len(sizes))]
			}
			// Without a pid appearing or vanishing: a group removed
			// while its processes were stopped, or added without
			// starting any.
			blind = to.spare && !q.groups.spare
			removedIdle := func(ns []string) bool {
				for _, n := range ns {
					if byName[n].PID != 0 {
						return false
					}
				}
				return true
			}
			if !to.spare && q.groups.spare {
				blind = blind || removedIdle([]string{"spare"})
			}
			if to.extra == 0 && q.groups.extra != 0 {
				blind = blind || removedIdle(extraNames(q.groups.extra))
			}
			if !q.w.setGroups(q.t, to) {
				continue
			}
			from := q.groups
			q.groups = to
			return fmt.Sprintf("groups %+v -> %+v", from, to), blind, true
		}
	}
}

// optional lists the processes of the optional groups present.
func (q *sequence) optional() []string {
	names := extraNames(q.groups.extra)
	if q.groups.spare {
		names = append(names, "spare")
	}
	return names
}

func extraNames(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("extra:extra_%d", i))
	}
	return out
}

// waitInfo waits until the process named ns satisfies ok.
func (q *sequence) waitInfo(ns string, ok func(rpc.ProcessInfo) bool) {
	q.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, err := q.c.GetProcessInfo(context.Background(), ns)
		if err == nil && ok(info) {
			return
		}
		if time.Now().After(deadline) {
			q.t.Fatalf("%s: gave up waiting; last %+v (%v)", ns, info, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// verify checks both tables against supervisord.
func (q *sequence) verify(step string, blind, group bool) {
	q.t.Helper()
	ctx := context.Background()
	infos := settle(q.t, q.c)
	fail := func(format string, args ...any) {
		q.t.Helper()
		q.t.Fatalf("PROCTABLE_SEED=%d, %s: %s\nsteps so far: %s", q.seed, step, fmt.Sprintf(format, args...),
			strings.Join(q.done, "; "))
	}

	// Whether a Check may read every process rather than ask about those
	// without a pid (after an exit) one by one.
	noPID := 0
	for _, info := range infos {
		if info.PID == 0 {
			noPID++
		}
	}
	mayReadAll := 2*(noPID+1) > len(infos)

	// Events alone keep the events table exact, and a Check then finds
	// nothing to change.
	q.w.sync(q.t)
	if m := mismatch(q.ev.Processes(), infos); m != "" {
		fail("events table differs from getAllProcessInfo:%s", m)
	}
	before := q.evc.snapshot()
	changes, err := q.ev.Check(ctx)
	if err != nil {
		fail("events table Check: %v", err)
	}
	if got := q.evc.snapshot().sub(before); len(changes) > 0 || got.all > 0 && !mayReadAll {
		fail("events table Check after the events: %d changes %v, calls %v", len(changes), changes, got)
	}
	before = q.evc.snapshot()
	if _, err := q.ev.Check(ctx); err != nil {
		fail("events table Check: %v", err)
	}
	if got := q.evc.snapshot().sub(before); got.total() > 0 {
		fail("events table: a second Check with nothing changed made calls: %v", got)
	}

	// The tick table sees the step at its next Check, except what the
	// package doc says only the periodic refresh catches.
	before = q.tickc.snapshot()
	if _, err := q.tick.Check(ctx); err != nil {
		fail("tick table Check: %v", err)
	}
	got := q.tickc.snapshot().sub(before)
	m := mismatch(q.tick.Processes(), infos)
	if m != "" && blind {
		q.fake.Advance(time.Hour)
		before = q.tickc.snapshot()
		if _, err := q.tick.Check(ctx); err != nil {
			fail("tick table Check: %v", err)
		}
		if got := q.tickc.snapshot().sub(before); got.all != 1 || got.total() != 1 {
			fail("tick table: the periodic refresh made %v", got)
		}
		m = mismatch(q.tick.Processes(), infos)
	}
	if m != "" {
		fail("tick table (Check made %v) differs from getAllProcessInfo:%s", got, m)
	}
	if !group && !mayReadAll && got.all > 0 {
		fail("tick table read every process (%v) although no group changed", got)
	}

	// Detail answers as getProcessInfo does, and asks again only when its
	// details are out of date.
	for range 2 {
		info := infos[q.rng.IntN(len(infos))]
		for _, tc := range []struct {
			tab *Table
			c   *counting
		}{{q.ev, q.evc}, {q.tick, q.tickc}} {
			p, err := tc.tab.Detail(ctx, info.Namespec())
			if err != nil {
				fail("Detail(%s): %v", info.Namespec(), err)
			}
			if want := processFrom(info); p != want {
				fail("Detail(%s):\n  got  %+v\n  want %+v", info.Namespec(), p, want)
			}
			before := tc.c.snapshot()
			if again, _ := tc.tab.Detail(ctx, info.Namespec()); again != p {
				fail("Detail(%s) again: %+v", info.Namespec(), again)
			}
			if got := tc.c.snapshot().sub(before); got.total() > 0 {
				fail("Detail(%s) again made %v", info.Namespec(), got)
			}
		}
	}
}
