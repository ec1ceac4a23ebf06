package harness

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness"
)

// A listener that hands its work off durably (an outbox written and
// synced before the OK, then sent in the background) does its work after
// its answer, which the lint cannot tell by reading from work that a
// crash loses. It tells them apart by testing: a listener declared
// durable is killed with SIGKILL, its process group with it, as soon as
// the harness has read its OK, before the harness reads or forwards
// anything more, and supervisord restarts it. The work that then arrives
// from the restarted process proves the hand-off; work that never arrives
// is lost, and the failed expectation says which OK it followed.

// durability is what the scenario declared durable, and the kills made.
// Its lock is its own: the result handler runs under the emulated
// supervisord's lock, which the session's own lock is held across.
type durability struct {
	mu     sync.Mutex
	pools  map[string][]listener.EventType // declared pools: the event types whose OK kills (none: all)
	judged map[string]int                  // results judged so far, per pool
	kills  map[killKey]kill
	spared map[killKey]bool // OKs not followed by a kill for a tick that came while it started again
	last   map[string]kill  // each pool's latest kill
	// starting is, per pool, the stretches of the clock its listener
	// spent starting again after a kill.
	starting map[string][]stretch
	off      bool // the scenario ended: supervisord's shutdown is not tested
}

// stretch is a stretch of the virtual clock: after from, up to to.
type stretch struct{ from, to time.Time }

// killKey is a result: its pool and its index among the pool's results,
// which the transcript's RecordResult records follow one for one.
type killKey struct {
	pool   string
	result int
}

// kill is one SIGKILL the harness sent after an OK.
type kill struct {
	pid int
	err error // it could not be sent
}

func newDurability() *durability {
	return &durability{pools: map[string][]listener.EventType{}, judged: map[string]int{}, kills: map[killKey]kill{}, spared: map[killKey]bool{}, last: map[string]kill{}, starting: map[string][]stretch{}}
}

// resultHandler is pool's result handler: supervisord's (only the body OK
// acknowledges), which also kills the listener after an OK the scenario
// declared durable.
func (d *durability) resultHandler(pool string) func(testharness.Event, []byte) error {
	return func(ev testharness.Event, body []byte) error {
		ok := string(body) == "OK"
		d.mu.Lock()
		n := d.judged[pool]
		d.judged[pool]++
		types, declared := d.pools[pool]
		kills := ok && declared && !d.off && (len(types) == 0 || slices.ContainsFunc(types, ev.Type.Is))
		// An event about a listener the harness killed is one the kill
		// caused (its EXITED, STARTING, RUNNING): killing after it too
		// would never end, for a listener that reports its own crashes.
		if g, ok := groupNamed(ev.Payload); ok {
			_, byKill := d.last[g]
			kills = kills && !byKill
		}
		// A tick that came while the listener started again comes of
		// the time the restart took, not of the scenario: killing after
		// it would never end for a listener whose startsecs span a tick
		// (startsecs=5 and TICK_5).
		if at, ok := tickTime(ev); ok && kills && slices.ContainsFunc(d.starting[pool], func(s stretch) bool { return at.After(s.from) && !at.After(s.to) }) {
			kills = false
			d.spared[killKey{pool, n}] = true
		}
		d.mu.Unlock()
		if kills {
			k := killListener(pool)
			d.mu.Lock()
			d.kills[killKey{pool, n}] = k
			d.last[pool] = k
			d.mu.Unlock()
		}
		if !ok {
			return testharness.ErrReject
		}
		return nil
	}
}

// tickTime returns when a TICK event's slice began: the moment the clock
// crossed into it.
func tickTime(ev testharness.Event) (time.Time, bool) {
	if !ev.Type.Is(listener.Tick) {
		return time.Time{}, false
	}
	s, ok := strings.CutPrefix(ev.Payload, "when:")
	if !ok {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// startedAgain notes that pool's listener, killed, spent the clock from
// from to to starting again.
func (d *durability) startedAgain(pool string, from, to time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ss := d.starting[pool]
	if n := len(ss); n > 0 && ss[n-1].to.Equal(from) {
		ss[n-1].to = to
		return
	}
	d.starting[pool] = append(ss, stretch{from, to})
}

// groupNamed returns the groupname: of a process event's payload.
func groupNamed(payload string) (string, bool) {
	head, _, _ := strings.Cut(payload, "\n")
	for f := range strings.FieldsSeq(head) {
		if g, ok := strings.CutPrefix(f, "groupname:"); ok {
			return g, true
		}
	}
	return "", false
}

// killListener sends SIGKILL to pool's process and its process group
// (supervisord makes each child the leader of its own), so that a
// background job it left the work to dies with it, as on a power cut.
func killListener(pool string) kill {
	pid, err := livePoolChild(pool)
	if err != nil {
		return kill{err: err}
	}
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil {
		// It left its group: kill the process alone.
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return kill{pid: pid, err: err}
		}
	}
	return kill{pid: pid}
}

// declare makes pool durable for events of these types (none: all).
func (d *durability) declare(pool string, types []listener.EventType) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pools[pool] = types
}

// stop ends the kills: the scenario is over.
func (d *durability) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.off = true
}

// wasSpared reports whether the pool's n-th result was an OK the harness
// would have killed the listener after, but for the tick it answered
// having come while it started again.
func (d *durability) wasSpared(pool string, n int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.spared[killKey{pool, n}]
}

// killed returns the kill made after the pool's n-th result, if any.
func (d *durability) killed(pool string, n int) (kill, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k, ok := d.kills[killKey{pool, n}]
	return k, ok
}

// wasKilled reports whether the harness has killed pool's listener.
func (d *durability) wasKilled(pool string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.last[pool]
	return ok
}

// restarting reports whether p is a durable listener the harness killed
// and supervisord has not yet started again: its latest spawn is the
// killed process, which still runs or has just exited (EXITED, from
// which autorestart takes it).
func (s *session) restarting(p *testharness.Process) bool {
	d := s.durable
	d.mu.Lock()
	k, ok := d.last[p.Group()]
	d.mu.Unlock()
	if !ok || k.err != nil {
		return false
	}
	spawns := s.supervisor().Transcript().Filter(testharness.RecordSpawned, p.Namespec())
	if len(spawns) == 0 || spawns[len(spawns)-1].PID != k.pid {
		return false
	}
	return p.PID() == k.pid || p.State() == listener.StateExited
}

// durable <listener> [event type...]: the listener hands its work off
// durably before it answers OK. From now on, after each OK it gives (to
// an event of these types, default any), the harness kills it with
// SIGKILL and supervisord restarts it; the work must still arrive.
func verbDurable(s *session, args []string) error {
	if err := usage(args, 1, -1, "durable <listener> [event type...]"); err != nil {
		return err
	}
	p, err := s.process(args[0])
	if err != nil {
		return err
	}
	if !s.isListener(p) {
		return fmt.Errorf("durable %s: it is a program; name a listener", args[0])
	}
	pool := p.Group()
	n := 0
	for _, q := range s.supervisor().Processes() {
		if q.Group() == pool {
			n++
		}
	}
	if n > 1 {
		// The result handler is told the event, not which of the pool's
		// processes answered it.
		return fmt.Errorf("durable %s: pool %s has %d processes (numprocs=%d); durable tests a pool of one process", args[0], pool, n, n)
	}
	for _, sp := range s.spec.Pools {
		if sp.Name == pool && sp.Autorestart == testharness.RestartNever {
			return fmt.Errorf("durable %s: autorestart=false, so supervisord would not start it again after the kill; set autorestart=unexpected (the default) or true", args[0])
		}
	}
	var types []listener.EventType
	for _, a := range args[1:] {
		t, err := listener.ParseEventType(a)
		if err != nil {
			return fmt.Errorf("durable %s %s: %w", args[0], a, err)
		}
		types = append(types, t)
	}
	s.durable.declare(pool, types)
	return nil
}

// missedWork is a mailed or requested that did not see its mail or
// request come.
type missedWork struct {
	at   int    // the transcript's length then
	what string // "mail matching `re`"
}

// noteMissed records that the mail or request what never came.
func (s *session) noteMissed(what string) {
	at := s.pos()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missed = append(s.missed, missedWork{at: at, what: what})
}

// killSeen is a kill as the lint found it in the transcript.
type killSeen struct {
	process string
	at      int
	serial  int64
	event   string
}

// lostWork returns, for each work a durable listener was expected to do
// and did not, the finding that names the OK after which it was killed:
// the first of its kills since the last work that came from it.
func lostWork(missed []missedWork, kills map[string][]killSeen, arrived map[string][]int) []fault {
	var out []fault
	for _, m := range missed {
		for p, ks := range kills {
			since := 0
			for _, at := range arrived[p] {
				if at <= m.at {
					since = max(since, at)
				}
			}
			var after []killSeen
			for _, k := range ks {
				if k.at > since && k.at <= m.at {
					after = append(after, k)
				}
			}
			if len(after) == 0 {
				continue
			}
			k := after[0]
			more := ""
			if len(after) > 1 {
				more = fmt.Sprintf(", nor after the %d kills that followed", len(after)-1)
			}
			out = append(out, fault{faultAckBeforeWork, p, m.at, fmt.Sprintf(
				"declared durable, but after SIGKILL right after its OK to serial %d (%s), the %s never came%s: the work was left to do after the OK, or the restarted listener does not take it up; write it durably (and sync it) before answering OK, or answer after the work",
				k.serial, k.event, strings.TrimSpace(m.what), more)})
		}
	}
	return out
}

// killError is the finding for a kill the harness could not make.
func killError(p string, at int, serial int64, err error) fault {
	var errno syscall.Errno
	why := err.Error()
	if errors.As(err, &errno) {
		why = errno.Error()
	}
	return fault{faultAckBeforeWork, p, at, fmt.Sprintf(
		"declared durable, but the harness could not kill it after its OK to serial %d (%s), so its hand-off was not tested", serial, why)}
}
