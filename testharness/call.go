package testharness

import (
	"context"
	"fmt"
	"time"

	"github.com/golance/golance/listener/rpc"
)

// deferred finishes a call that supervisord answers later (its
// NOT_DONE_YET callbacks). It runs with s.mu held and reports done=false
// until it has an answer.
type deferred func() (value any, done bool, err error)

// pollInterval is how often supervisord polls the deferred group calls
// (their delay of 0.05s). Processes that finish within one interval are
// reported in list order, as supervisord reports them.
const pollInterval = 50 * time.Millisecond

// call runs one operation under the lock, settles, and completes it.
func (s *Supervisor) call(ctx context.Context, op func() (any, deferred, error)) (any, error) {
	s.mu.Lock()
	v, d, err := op()
	s.settle()
	s.mu.Unlock()
	return s.complete(ctx, v, d, err)
}

// complete waits for a deferred call to finish. It is called without s.mu.
func (s *Supervisor) complete(ctx context.Context, v any, d deferred, err error) (any, error) {
	if err != nil || d == nil {
		return v, err
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		s.mu.Lock()
		v, done, err := d()
		ch := s.changed
		s.mu.Unlock()
		if done || err != nil {
			return v, err
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("testharness: gave up waiting for the call to finish: %w; %s", ctx.Err(), s.summary())
		}
	}
}

// update is supervisord's _update: no calls while shutting down.
func (s *Supervisor) update() error {
	if s.mood < moodRunning {
		return newFault(rpc.ErrShutdownState)
	}
	return nil
}

// allFunc is make_allfunc: call fn for every process pred selects, then
// poll the calls that answered later. Results come in completion order.
func (s *Supervisor) allFunc(procs []*subprocess, pred func(*subprocess) bool, fn func(name string) (any, deferred, error)) (any, deferred, error) {
	type pending struct {
		p *subprocess
		d deferred
	}
	results := []rpc.ProcessStatus{}
	var waiting []pending
	for _, p := range procs {
		if !pred(p) {
			continue
		}
		_, d, err := fn(p.namespec())
		switch {
		case err != nil:
			results = append(results, faultResult(p, err))
		case d != nil:
			waiting = append(waiting, pending{p, d})
		default:
			results = append(results, okStatus(p))
		}
	}
	if len(waiting) == 0 {
		return results, nil, nil
	}
	var lastPoll time.Time
	return nil, func() (any, bool, error) {
		if time.Since(lastPoll) < pollInterval {
			return nil, false, nil
		}
		lastPoll = time.Now()
		kept := waiting[:0]
		for _, w := range waiting {
			_, done, err := w.d()
			switch {
			case err != nil:
				results = append(results, faultResult(w.p, err))
			case done:
				results = append(results, okStatus(w.p))
			default:
				kept = append(kept, w)
			}
		}
		waiting = kept
		if len(waiting) > 0 {
			return nil, false, nil
		}
		return results, true, nil
	}, nil
}

// okStatus is a successful entry of a group or "all" call's results.
func okStatus(p *subprocess) rpc.ProcessStatus {
	return rpc.ProcessStatus{Name: p.spec.name, Group: p.g.name, Status: rpc.Success, Description: "OK"}
}

// faultResult is a failed entry: the fault's code and string, or FAILED
// with the error's text for anything else.
func faultResult(p *subprocess, err error) rpc.ProcessStatus {
	r := rpc.ProcessStatus{Name: p.spec.name, Group: p.g.name, Status: rpc.ErrFailed, Description: err.Error()}
	if f, ok := err.(*rpc.Fault); ok {
		r.Status, r.Description = f.Code, f.String
	}
	return r
}
