package testharness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/golance/golance/internal/pyfmt"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness/internal/protocol"
)

// procKind is how a process is backed.
type procKind int

const (
	kindVirtual procKind = iota // driven by the test
	kindExec                    // a real child process
	kindFunc                    // an in-process RunFunc over real pipes
)

// subprocess is supervisord's Subprocess: the process state machine of
// supervisor/process.py, plus the listener state when it is in a pool.
type subprocess struct {
	s    *Supervisor
	g    *group
	spec processSpec
	kind procKind

	state      listener.State
	pid        int
	laststart  time.Time // zero: never started
	laststop   time.Time
	delay      time.Time // BACKOFF retry or SIGKILL deadline
	backoff    int
	killing    bool
	exitstatus *int
	spawnerr   string
	child      *child

	proto *protocol.Machine // listener dispatcher of the current spawn
	event *event            // the event in flight

	stdoutLog, stderrLog *logFile
	stderrSeen           bytes.Buffer // everything the process wrote to stderr, all spawns
	stdinSeen            bytes.Buffer // everything written to a virtual process's stdin
	signals              []syscall.Signal
	signalErr            error // set by Process.FailSignals
}

func (p *subprocess) namespec() string { return listener.Namespec(p.g.name, p.spec.name) }

func (p *subprocess) isListener() bool { return p.g.pool != nil }

func (p *subprocess) poolName() string {
	if p.g.pool != nil {
		return p.g.name
	}
	return ""
}

// changeState is Subprocess.change_state: set the state, bump the backoff
// counter for BACKOFF, then notify PROCESS_STATE_<new> with the extra values
// as they are at this moment.
func (p *subprocess) changeState(to listener.State, expected bool) {
	from := p.state
	if to == from {
		return
	}
	p.state = to
	if to == listener.StateBackoff {
		p.backoff++
		p.delay = p.s.clock.Now().Add(time.Duration(p.backoff) * p.s.backoffUnit)
	}
	s := p.s
	s.record(Record{Kind: RecordProcessState, Process: p.namespec(), Pool: p.poolName(), FromState: from, ToState: to, PID: p.pid, Serial: -1, PoolSerial: -1})
	s.mutated()
	s.notifyLocked(ProcessStateChange{
		Process: p.spec.name, Group: p.g.name, From: from, To: to,
		Tries: p.backoff, Expected: expected, PID: p.pid,
	}.Event())
}

// assertState mirrors Subprocess._assertInState. supervisord would crash
// with an AssertionError; the harness records the violation instead so the
// test can see it.
func (p *subprocess) assertState(states ...listener.State) bool {
	if slices.Contains(states, p.state) {
		return true
	}
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = st.String()
	}
	p.s.logf(levelCritical, "Assertion failed for %s: %s not in %s", p.spec.name, p.state, strings.Join(names, " "))
	p.s.record(Record{Kind: RecordAssertion, Process: p.namespec(), FromState: p.state,
		Reason: fmt.Sprintf("%s not in %s", p.state, strings.Join(names, " ")), Serial: -1, PoolSerial: -1})
	return false
}

// spawn is Subprocess.spawn.
func (p *subprocess) spawn() {
	s := p.s
	if p.pid != 0 {
		s.logf(levelWarn, "process '%s' already running", p.spec.name)
		return
	}
	p.killing = false
	p.spawnerr = ""
	p.exitstatus = nil
	p.laststart = s.clock.Now()
	if !p.assertState(listener.StateExited, listener.StateFatal, listener.StateBackoff, listener.StateStopped) {
		return
	}
	p.changeState(listener.StateStarting, true)

	if p.kind == kindExec {
		if _, err := p.execPath(); err != nil {
			p.recordSpawnErr(err.Error())
			p.changeState(listener.StateBackoff, true)
			return
		}
	}
	r, err := s.startChild(p)
	if err != nil {
		p.recordSpawnErr(err.Error())
		p.changeState(listener.StateBackoff, true)
		return
	}
	p.child = r
	p.pid = r.pid
	p.spawnerr = ""
	p.delay = p.laststart.Add(p.spec.cfg.StartSecs)
	if p.isListener() {
		// A new dispatcher per spawn: a respawned listener always
		// starts ACKNOWLEDGED, with no event.
		p.proto = protocol.New()
		p.event = nil
	}
	s.logf(levelInfo, "spawned: '%s' with pid %d", p.spec.name, p.pid)
	s.record(Record{Kind: RecordSpawned, Process: p.namespec(), Pool: p.poolName(), PID: p.pid,
		ToListener: listenerStateIf(p.isListener()), Serial: -1, PoolSerial: -1})
	r.begin()
}

func listenerStateIf(isListener bool) ListenerState {
	if isListener {
		return ListenerAcknowledged
	}
	return 0
}

func (p *subprocess) recordSpawnErr(msg string) {
	p.spawnerr = msg
	p.s.logf(levelInfo, "spawnerr: %s", msg)
}

// execPath resolves Command[0] the way supervisord's get_execv_args does,
// with the same messages (they become SPAWN_ERROR, NO_FILE and
// NOT_EXECUTABLE texts).
func (p *subprocess) execPath() (string, error) {
	prog := p.spec.cfg.Command[0]
	var filename string
	var st os.FileInfo
	if strings.Contains(prog, "/") {
		filename = prog
		if p.spec.cfg.Dir != "" && !filepath.IsAbs(prog) {
			filename = filepath.Join(p.spec.cfg.Dir, prog)
		}
		st, _ = os.Stat(filename)
	} else {
		for _, dir := range filepath.SplitList(p.pathEnv()) {
			cand := filepath.Join(dir, prog)
			if fi, err := os.Stat(cand); err == nil {
				filename, st = cand, fi
				break
			}
		}
		if st == nil {
			filename = prog
		}
	}
	if st == nil {
		return "", &spawnError{kind: errNotFound, msg: fmt.Sprintf("can't find command %s", pyfmt.Repr(filename))}
	}
	if st.IsDir() {
		return "", &spawnError{kind: errNotExecutable, msg: fmt.Sprintf("command at %s is a directory", pyfmt.Repr(filename))}
	}
	if st.Mode()&0o111 == 0 {
		return "", &spawnError{kind: errNotExecutable, msg: fmt.Sprintf("command at %s is not executable", pyfmt.Repr(filename))}
	}
	if err := syscall.Access(filename, 1); err != nil {
		return "", &spawnError{kind: errNoPermission, msg: fmt.Sprintf("no permission to run command %s", pyfmt.Repr(filename))}
	}
	return filename, nil
}

// pathEnv is the PATH a child is resolved on: its own environment's, else
// the harness's.
func (p *subprocess) pathEnv() string {
	for _, kv := range slices.Backward(p.spec.cfg.Env) {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			return v
		}
	}
	for _, kv := range slices.Backward(p.s.env) {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			return v
		}
	}
	return os.Getenv("PATH")
}

// finish is Subprocess.finish: the process was reaped. Its final output
// has already been read (the harness waits for the pipes to close first,
// as drain() does).
func (p *subprocess) finish(st exitStatus) {
	s := p.s
	es, msg := st.decode()
	now := s.clock.Now()
	p.laststop = now
	tooQuickly := false
	if !now.Before(p.laststart) {
		tooQuickly = now.Sub(p.laststart) < p.spec.cfg.StartSecs
	}
	expected := slices.Contains(p.spec.exitcodes, es)
	s.record(Record{Kind: RecordExited, Process: p.namespec(), Pool: p.poolName(), PID: p.pid, ExitCode: es, Reason: msg, Serial: -1, PoolSerial: -1})

	switch {
	case p.killing:
		p.killing = false
		p.delay = time.Time{}
		p.exitstatus = &es
		p.assertState(listener.StateStopping)
		p.changeState(listener.StateStopped, true)
		s.logf(levelInfo, "stopped: %s (%s)", p.spec.name, msg)
	case tooQuickly:
		p.exitstatus = nil
		p.spawnerr = "Exited too quickly (process log may have details)"
		p.assertState(listener.StateStarting)
		p.changeState(listener.StateBackoff, true)
		s.logf(levelWarn, "exited: %s (%s; not expected)", p.spec.name, msg)
	default:
		p.delay = time.Time{}
		p.backoff = 0
		p.exitstatus = &es
		if p.state == listener.StateStarting {
			p.changeState(listener.StateRunning, true)
		}
		p.assertState(listener.StateRunning)
		if expected {
			p.changeState(listener.StateExited, true)
			s.logf(levelInfo, "exited: %s (%s; expected)", p.spec.name, msg)
		} else {
			p.spawnerr = fmt.Sprintf("Bad exit code %d", es)
			p.changeState(listener.StateExited, false)
			s.logf(levelWarn, "exited: %s (%s; not expected)", p.spec.name, msg)
		}
	}
	p.pid = 0
	if p.child != nil {
		p.child.closeParentEnds()
		p.child = nil
	}
	if p.event != nil {
		e := p.event
		p.event = nil
		s.handleRejected(p, e, "exited")
	}
	s.mutated()
}

// transition is Subprocess.transition: the time- and policy-driven moves.
func (p *subprocess) transition() {
	s := p.s
	now := s.clock.Now()
	state := p.state
	if s.mood > moodRestarting {
		switch {
		case state == listener.StateExited:
			switch p.spec.cfg.Autorestart {
			case RestartAlways:
				p.spawn()
			case RestartUnexpected:
				if p.exitstatus == nil || !slices.Contains(p.spec.exitcodes, *p.exitstatus) {
					p.spawn()
				}
			}
		case state == listener.StateStopped && p.laststart.IsZero():
			if !p.spec.cfg.NoAutostart {
				p.spawn()
			}
		case state == listener.StateBackoff:
			if p.backoff <= p.spec.retries && !now.Before(p.delay) {
				p.spawn()
			}
		}
	}
	if state == listener.StateStarting {
		// supervisord requires now - laststart > startsecs; time moves
		// continuously there, so "reached" is the same test here and keeps
		// a frozen FakeClock with StartSecs 0 from stalling.
		if now.Sub(p.laststart) >= p.spec.cfg.StartSecs {
			p.delay = time.Time{}
			p.backoff = 0
			if p.assertState(listener.StateStarting) {
				p.changeState(listener.StateRunning, true)
				s.logf(levelInfo, "success: %s entered RUNNING state, process has stayed up for > than %s seconds (startsecs)", p.spec.name, formatSecs(p.spec.cfg.StartSecs))
			}
		}
	}
	if state == listener.StateBackoff {
		if p.backoff > p.spec.retries {
			p.giveUp()
			s.logf(levelInfo, "gave up: %s entered FATAL state, too many start retries too quickly", p.spec.name)
		}
	} else if state == listener.StateStopping {
		if !now.Before(p.delay) {
			s.logf(levelWarn, "killing '%s' (%d) with SIGKILL", p.spec.name, p.pid)
			p.kill(syscall.SIGKILL)
		}
	}
}

// nextDeadline is when transition next has something to do for this
// process by the clock alone.
func (p *subprocess) nextDeadline() (time.Time, bool) {
	switch p.state {
	case listener.StateStarting:
		return p.laststart.Add(p.spec.cfg.StartSecs), true
	case listener.StateBackoff:
		// No retries while shutting down or restarting.
		if p.backoff <= p.spec.retries && p.s.mood > moodRestarting {
			return p.delay, true
		}
	case listener.StateStopping:
		return p.delay, true
	}
	return time.Time{}, false
}

func formatSecs(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprint(int64(d / time.Second))
	}
	return fmt.Sprint(d.Seconds())
}

// giveUp is Subprocess.give_up: BACKOFF to FATAL.
func (p *subprocess) giveUp() {
	p.delay = time.Time{}
	p.backoff = 0
	if p.assertState(listener.StateBackoff) {
		p.changeState(listener.StateFatal, true)
	}
}

// stop is the administrative stop: kill with the stop signal.
func (p *subprocess) stop() string {
	return p.kill(p.stopSignal())
}

func (p *subprocess) stopSignal() syscall.Signal {
	if p.spec.cfg.StopSignal != 0 {
		return p.spec.cfg.StopSignal
	}
	return syscall.SIGTERM
}

func (p *subprocess) stopWait() time.Duration {
	switch w := p.spec.cfg.StopWaitSecs; {
	case w < 0:
		return 0
	case w > 0:
		return w
	}
	return 10 * time.Second
}

// kill is Subprocess.kill: signal the process intending it to exit. It
// returns "" on success or supervisord's error text.
func (p *subprocess) kill(sig syscall.Signal) string {
	s := p.s
	if p.state == listener.StateBackoff {
		s.logf(levelDebug, "Attempted to kill %s, which is in BACKOFF state.", p.spec.name)
		p.changeState(listener.StateStopped, true)
		return ""
	}
	if p.pid == 0 {
		msg := fmt.Sprintf("attempted to kill %s with sig %s but it wasn't running", p.spec.name, signalName(sig))
		s.logf(levelDebug, "%s", msg)
		return msg
	}
	asGroup := p.spec.cfg.StopAsGroup
	if p.state == listener.StateStopping {
		asGroup = p.spec.cfg.KillAsGroup
	}
	p.killing = true
	p.delay = s.clock.Now().Add(p.stopWait())
	p.assertState(listener.StateRunning, listener.StateStarting, listener.StateStopping)
	p.changeState(listener.StateStopping, true)
	if err := p.child.signal(sig, asGroup); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return ""
		}
		msg := fmt.Sprintf("unknown problem killing %s (%d):%v", p.spec.name, p.pid, err)
		s.logf(levelCritical, "%s", msg)
		p.changeState(listener.StateUnknown, true)
		p.killing = false
		p.delay = time.Time{}
		return msg
	}
	return ""
}

// signal is Subprocess.signal: send sig without intending to kill.
func (p *subprocess) signal(sig syscall.Signal) string {
	s := p.s
	if p.pid == 0 {
		msg := fmt.Sprintf("attempted to send %s sig %s but it wasn't running", p.spec.name, signalName(sig))
		s.logf(levelDebug, "%s", msg)
		return msg
	}
	p.assertState(listener.StateRunning, listener.StateStarting, listener.StateStopping)
	if err := p.child.signal(sig, false); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return ""
		}
		msg := fmt.Sprintf("unknown problem sending sig %s (%d):%v", p.spec.name, p.pid, err)
		s.logf(levelCritical, "%s", msg)
		p.changeState(listener.StateUnknown, true)
		return msg
	}
	return ""
}

// write is Subprocess.write: queue data for the process's stdin, failing
// with EPIPE when it has no open stdin.
func (p *subprocess) write(data []byte, e *event, poolSerial int64) error {
	if p.pid == 0 || p.killing || p.child == nil {
		return fmt.Errorf("process %s already closed: %w", p.spec.name, syscall.EPIPE)
	}
	if err := p.child.writeStdin(data); err != nil {
		return err
	}
	rec := Record{Kind: RecordSent, Process: p.namespec(), Pool: p.poolName(), Data: data, Serial: -1, PoolSerial: -1}
	if e != nil {
		rec.Serial, rec.PoolSerial, rec.EventName, rec.Payload = e.serial, poolSerial, e.Type, e.Payload
	}
	p.s.record(rec)
	return nil
}

// applyState records one listener state change. supervisord logs every
// change except READY -> BUSY, which its pool makes without
// _change_listener_state; the transcript has them all.
func (p *subprocess) applyState(a protocol.Action) {
	s := p.s
	if a.To != ListenerBusy {
		s.logf(levelDebug, "%s: %s -> %s", p.spec.name, a.From, a.To)
	}
	if a.To == ListenerUnknown {
		s.logf(levelWarn, "%s: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol", p.spec.name)
	}
	rec := Record{Kind: RecordListenerState, Process: p.namespec(), Pool: p.poolName(), FromListener: a.From, ToListener: a.To, Serial: -1, PoolSerial: -1}
	if a.To == ListenerUnknown {
		rec.Reason, rec.Data = a.Why.String(), a.Body
		if e := p.event; e != nil {
			rec.Serial, rec.PoolSerial, rec.EventName = e.serial, e.poolSerials[p.g.pool], e.Type
		}
	}
	s.record(rec)
	s.mutated()
}

// onListenerOutput feeds bytes from a listener's stdout to its dispatcher
// and applies what happened.
func (p *subprocess) onListenerOutput(data []byte) {
	s := p.s
	s.record(Record{Kind: RecordReceived, Process: p.namespec(), Pool: p.poolName(), Data: bytes.Clone(data), Serial: -1, PoolSerial: -1})
	if p.stdoutLog != nil {
		p.stdoutLog.write(data)
	}
	if p.proto == nil {
		return
	}
	acts := p.proto.Feed(data, p.judge)
	for _, a := range acts {
		switch a.Kind {
		case protocol.Changed:
			p.applyState(a)
		case protocol.Judged:
			rec := Record{Kind: RecordResult, Process: p.namespec(), Pool: p.poolName(), Data: bytes.Clone(a.Body), OK: a.Verdict == protocol.OK, Serial: -1, PoolSerial: -1}
			if e := p.event; e != nil {
				rec.Serial, rec.PoolSerial, rec.EventName, rec.Payload = e.serial, e.poolSerials[p.g.pool], e.Type, e.Payload
			}
			switch a.Verdict {
			case protocol.OK:
				s.logf(levelDebug, "%s: event was processed", p.spec.name)
			case protocol.Rejected:
				s.logf(levelWarn, "%s: event was rejected", p.spec.name)
				rec.Reason = "rejected"
			default:
				s.logf(levelWarn, "%s: event caused an error", p.spec.name)
				rec.Reason = "error"
			}
			s.record(rec)
		case protocol.BadLine:
			s.logf(levelWarn, "%s: bad result line: '%s'", p.spec.name, decodeOutput(a.Body))
			rec := Record{Kind: RecordBadResultLine, Process: p.namespec(), Pool: p.poolName(), Data: a.Body, Serial: -1, PoolSerial: -1}
			if e := p.event; e != nil {
				rec.Serial, rec.PoolSerial, rec.EventName = e.serial, e.poolSerials[p.g.pool], e.Type
			}
			s.record(rec)
		case protocol.Reject:
			if e := p.event; e != nil {
				p.event = nil
				reason := "rejected"
				if p.proto.State() == ListenerUnknown {
					reason = "unknown"
				}
				s.handleRejected(p, e, reason)
			}
		case protocol.Done:
			p.event = nil
		case protocol.Crash:
			s.logf(levelCritical, "uncaptured python exception, closing channel for %s (stdout): negative result length", p.spec.name)
			s.record(Record{Kind: RecordDispatcherClosed, Process: p.namespec(), Pool: p.poolName(), Reason: "negative result length", Serial: -1, PoolSerial: -1})
		}
	}
	s.mutated()
}

// judge applies the pool's result handler to a complete body.
func (p *subprocess) judge(body []byte) protocol.Verdict {
	pl := p.g.pool
	if pl == nil || pl.judge == nil {
		return protocol.DefaultJudge(body)
	}
	var ev Event
	if p.event != nil {
		ev = p.event.Event
	}
	err := pl.judge(ev, body)
	switch {
	case err == nil:
		return protocol.OK
	case errors.Is(err, ErrReject):
		return protocol.Rejected
	}
	return protocol.Error
}

func (p *subprocess) closeLogs() {
	if p.stdoutLog != nil {
		p.stdoutLog.close()
	}
	if p.stderrLog != nil {
		p.stderrLog.close()
	}
}
