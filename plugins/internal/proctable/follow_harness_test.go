package proctable

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness"
)

// harnessWorld is the harness, with the events table as the handler of a
// pool subscribed to PROCESS_STATE and PROCESS_GROUP.
type harnessWorld struct{ s *testharness.Supervisor }

func (w *harnessWorld) client() *rpc.Client { return w.s.Client() }

func (w *harnessWorld) sync(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.s.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// setGroups removes and adds the groups of the harness's configuration,
// which cannot change: there, extra has two processes or is absent.
func (w *harnessWorld) setGroups(t *testing.T, to groups) bool {
	t.Helper()
	return applyGroups(t, w.client(), to, nil)
}

// applyGroups does what supervisorctl update does for the optional
// groups, given what reloadConfig reported (nil: whatever differs from
// what is active).
func applyGroups(t *testing.T, c *rpc.Client, to groups, changes *rpc.ConfigChanges) bool {
	t.Helper()
	ctx := context.Background()
	active := map[string]bool{}
	infos, err := c.GetAllProcessInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		active[info.Group] = true
	}
	if changes == nil {
		changes = &rpc.ConfigChanges{}
		want := map[string]bool{"extra": to.extra > 0, "spare": to.spare}
		for _, g := range []string{"extra", "spare"} {
			switch {
			case want[g] && !active[g]:
				changes.Added = append(changes.Added, g)
			case !want[g] && active[g]:
				changes.Removed = append(changes.Removed, g)
			}
		}
	}
	for _, g := range append(changes.Removed, changes.Changed...) {
		if _, err := c.StopProcessGroup(ctx, g, true); err != nil {
			t.Fatalf("stopping group %s: %v", g, err)
		}
		if err := c.RemoveProcessGroup(ctx, g); err != nil {
			t.Fatalf("removing group %s: %v", g, err)
		}
	}
	for _, g := range append(changes.Changed, changes.Added...) {
		if err := c.AddProcessGroup(ctx, g); err != nil && !errors.Is(err, rpc.ErrAlreadyAdded) {
			t.Fatalf("adding group %s: %v", g, err)
		}
	}
	return true
}

func TestFollowHarness(t *testing.T) {
	seed, steps := seed(t)
	if steps == 0 {
		steps = 40
		if long() {
			steps = 400
		}
	}
	bin := testBinary(t)
	ready := t.TempDir()
	child := func(name string, pc testharness.ProcessConfig) testharness.Program {
		if pc.Command == nil {
			pc.Command, pc.Env = []string{bin}, []string{roleVar + "=child", readyVar + "=" + ready}
		}
		return testharness.Program{Name: name, ProcessConfig: pc}
	}
	numbered := "%(program_name)s_%(process_num)d"
	loaded := make(chan struct{})
	var q sequence
	s := testharness.Start(t, testharness.Config{
		RPC: true,
		Programs: []testharness.Program{
			child("solo", testharness.ProcessConfig{}),
			child("left", testharness.ProcessConfig{}),
			child("right", testharness.ProcessConfig{}),
			child("pool", testharness.ProcessConfig{NumProcs: 3, ProcessName: numbered}),
			child("lazy", testharness.ProcessConfig{NoAutostart: true}),
			child("fail", testharness.ProcessConfig{Command: []string{bin}, Env: []string{roleVar + "=fail"},
				NoAutostart: true, StartSecs: time.Second, StartRetries: -1}),
			child("extra", testharness.ProcessConfig{NumProcs: 2, ProcessName: numbered}),
			child("spare", testharness.ProcessConfig{NoAutostart: true}),
		},
		Groups: []testharness.Group{{Name: "duo", Programs: []string{"left", "right"}}},
		Pools: []testharness.Pool{{
			Name:       "events",
			Events:     []listener.EventType{listener.ProcessState, listener.ProcessGroup},
			BufferSize: 1000,
			Handler: listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
				<-loaded
				if _, err := q.ev.Observe(ctx, ev); err != nil {
					t.Errorf("Observe(%s): %v", ev.EventName, err)
				}
				return nil
			}),
		}},
	})
	q = sequence{t: t, w: &harnessWorld{s}, c: s.Client(), rng: rand.New(rand.NewPCG(seed, 0)), seed: seed,
		groups: groups{extra: 2, spare: true}, extraSizes: []int{0, 2}, fake: clock.NewFake(time.Unix(1_800_000_000, 0))}
	q.evc = &counting{Supervisor: s.Client()}
	q.tickc = &counting{Supervisor: s.Client()}
	q.ev = newTable(t, q.evc, Config{Refresh: -1})
	q.tick = newTable(t, q.tickc, Config{Refresh: time.Hour, Clock: q.fake})
	q.ready = ready
	close(loaded)
	q.run(steps)
}
