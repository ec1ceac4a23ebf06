package testharness

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/golance/golance/listener"
)

// waitUntil blocks until cond, evaluated with s.mu held after every change,
// holds. It gives up when ctx is done or after the configured WaitTimeout,
// with an error naming what it waited for and the state of the pools.
func (s *Supervisor) waitUntil(ctx context.Context, what string, cond func() bool) error {
	timeout := time.NewTimer(s.waitTimeout)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("testharness: gave up waiting for %s: %w; %s", what, ctx.Err(), s.summary())
		case <-timeout.C:
			return fmt.Errorf("testharness: timed out after %v waiting for %s; %s", s.waitTimeout, what, s.summary())
		}
	}
}

// summary describes the pools and processes, for wait errors.
func (s *Supervisor) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for _, g := range s.groups {
		if g.pool != nil {
			parts = append(parts, fmt.Sprintf("pool %s has %d buffered", g.name, len(g.pool.buffer)))
		}
		for _, p := range g.procs {
			desc := fmt.Sprintf("%s is %s", p.namespec(), p.state)
			if p.proto != nil {
				desc += "/" + p.proto.State().String()
			}
			if p.event != nil {
				desc += fmt.Sprintf(" with event %d in flight", p.event.serial)
			}
			parts = append(parts, desc)
		}
	}
	return "now: " + strings.Join(parts, ", ")
}

// idleLocked reports whether every pool buffer is empty, no listener has
// an event in flight and no exit awaits handling.
func (s *Supervisor) idleLocked() bool {
	if len(s.pendingExits) > 0 {
		return false
	}
	for _, g := range s.groups {
		if g.pool != nil && len(g.pool.buffer) > 0 {
			return false
		}
		for _, p := range g.procs {
			if p.event != nil {
				return false
			}
		}
	}
	return true
}

// WaitIdle waits until every pool's buffer is empty and no listener has an
// event in flight: everything notified so far was answered. A listener
// that never gets READY (or went UNKNOWN) with events waiting makes it
// time out, and the error says which.
func (s *Supervisor) WaitIdle(ctx context.Context) error {
	return s.waitUntil(ctx, "all pools to be idle", s.idleLocked)
}

// WaitResults waits until process has answered at least n results
// (processed or rejected); "" counts every listener.
func (s *Supervisor) WaitResults(ctx context.Context, process string, n int) error {
	return s.waitUntil(ctx, fmt.Sprintf("%d results from %q", n, process), func() bool {
		return s.counts[countKey{RecordResult, process}] >= n
	})
}

// WaitDeliveries waits until at least n events were written to the
// listeners of pool ("" for every pool).
func (s *Supervisor) WaitDeliveries(ctx context.Context, pool string, n int) error {
	return s.waitUntil(ctx, fmt.Sprintf("%d deliveries to pool %q", n, pool), func() bool {
		return s.counts[countKey{RecordSent, pool}] >= n
	})
}

// WaitProcessState waits until the process named namespec is in state.
func (s *Supervisor) WaitProcessState(ctx context.Context, namespec string, state listener.State) error {
	return s.waitUntil(ctx, fmt.Sprintf("%s to be %s", namespec, state), func() bool {
		_, p, err := s.lookup(namespec)
		return err == nil && p != nil && p.state == state
	})
}

// WaitListenerState waits until the listener named namespec is in state.
func (s *Supervisor) WaitListenerState(ctx context.Context, namespec string, state ListenerState) error {
	return s.waitUntil(ctx, fmt.Sprintf("listener %s to be %s", namespec, state), func() bool {
		_, p, err := s.lookup(namespec)
		return err == nil && p != nil && p.proto != nil && p.proto.State() == state
	})
}

// WaitFor waits until cond holds for the transcript. cond is called with a
// fresh snapshot after every change, so keep it cheap.
func (s *Supervisor) WaitFor(ctx context.Context, what string, cond func(t *Transcript) bool) error {
	return s.waitUntil(ctx, what, func() bool {
		return cond(s.snapshotLocked())
	})
}

// WaitStderr waits until what the process named namespec wrote to stderr,
// across its spawns, matches re, and returns the first match. A listener's
// log line and its answer travel on different pipes, so a test that has
// seen the answer waits here for the line.
func (s *Supervisor) WaitStderr(ctx context.Context, namespec string, re *regexp.Regexp) (string, error) {
	var match, seen string
	err := s.waitUntil(ctx, fmt.Sprintf("%s's stderr to match %s", namespec, re), func() bool {
		_, p, err := s.lookup(namespec)
		if err != nil || p == nil {
			return false
		}
		seen = p.stderrSeen.String()
		loc := re.FindStringIndex(seen)
		if loc == nil {
			return false
		}
		match = seen[loc[0]:loc[1]]
		return true
	})
	if err != nil {
		return "", fmt.Errorf("%w\n%s's stderr:\n%s", err, namespec, seen)
	}
	return match, nil
}
