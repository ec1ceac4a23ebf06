package testharness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
)

// Process is a handle on one process of the supervisor (a program's or a
// listener's), for inspecting and driving it from a test.
type Process struct {
	s *Supervisor
	p *subprocess
}

// ErrNotVirtual is returned by the methods only virtual processes support.
var ErrNotVirtual = errors.New("testharness: only a virtual process (no Command, no Run) can be driven this way")

// Process returns the process named namespec ("name", or "group:name" when
// the group's name differs), or nil if there is none.
func (s *Supervisor) Process(namespec string) *Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, err := s.lookup(namespec)
	if err != nil || p == nil {
		return nil
	}
	return &Process{s: s, p: p}
}

// Processes returns every process, sorted by group then name, as
// getAllProcessInfo lists them.
func (s *Supervisor) Processes() []*Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Process
	for _, p := range s.allProcesses(true) {
		out = append(out, &Process{s: s, p: p})
	}
	return out
}

// Name returns the process name.
func (h *Process) Name() string { return h.p.spec.name }

// Group returns the name of the process's group (or pool).
func (h *Process) Group() string { return h.p.g.name }

// Namespec returns "name" or "group:name", supervisord's short form.
func (h *Process) Namespec() string { return h.p.namespec() }

// State returns the process state.
func (h *Process) State() listener.State {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.p.state
}

// PID returns the pid of the current spawn, or 0. Virtual and in-process
// children have made-up pids above any real one.
func (h *Process) PID() int {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.p.pid
}

// ListenerState returns the listener state of a pool's process, or 0 for
// a program or a listener never spawned.
func (h *Process) ListenerState() ListenerState {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if h.p.proto == nil {
		return 0
	}
	return h.p.proto.State()
}

// Info returns what getProcessInfo would report, field for field.
func (h *Process) Info() rpc.ProcessInfo {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.s.infoLocked(h.p)
}

// Start starts the process as supervisor.startProcess does; with wait it
// returns once the process is RUNNING (or failed to get there), or with
// ctx's error when ctx ends or Config.WaitTimeout passes first. A failure
// supervisord reports as a fault is the *rpc.Fault rpc.Client.StartProcess
// would return, so errors.Is(err, rpc.ErrAlreadyStarted) and the like
// work.
func (h *Process) Start(ctx context.Context, wait bool) error {
	ctx, cancel := context.WithTimeout(ctx, h.s.waitTimeout)
	defer cancel()
	_, err := h.s.call(ctx, func() (any, deferred, error) { return h.s.startProcessLocked(h.p.namespec(), wait) })
	return withMethod(err, "supervisor.startProcess")
}

// Stop stops the process as supervisor.stopProcess does; with wait it
// returns once the process is stopped, bounded like Start. Its faults are
// those of rpc.Client.StopProcess (rpc.ErrNotRunning, rpc.ErrFailed, ...).
func (h *Process) Stop(ctx context.Context, wait bool) error {
	ctx, cancel := context.WithTimeout(ctx, h.s.waitTimeout)
	defer cancel()
	_, err := h.s.call(ctx, func() (any, deferred, error) { return h.s.stopProcessLocked(h.p.namespec(), wait) })
	return withMethod(err, "supervisor.stopProcess")
}

// Signal sends sig as supervisor.signalProcess does. A real child gets a
// real signal; virtual and in-process children die of SIGKILL, SIGTERM,
// SIGINT, SIGQUIT and SIGHUP and only record the others (see Signals). Its
// faults are those of rpc.Client.SignalProcess.
func (h *Process) Signal(sig syscall.Signal) error {
	_, err := h.s.call(context.Background(), func() (any, deferred, error) {
		return h.s.signalProcessLocked(h.p.namespec(), fmt.Sprint(int(sig)))
	})
	return withMethod(err, "supervisor.signalProcess")
}

// withMethod names the XML-RPC method a fault came from, as rpc.Client
// does for the faults it receives.
func withMethod(err error, method string) error {
	var f *rpc.Fault
	if errors.As(err, &f) {
		f.Method = method
	}
	return err
}

// FailSignals makes every later signal to a virtual or in-process child
// fail with err, as os.kill fails when a process changed user (EPERM):
// supervisord then puts the process in the UNKNOWN state, where stop and
// start fail with FAILED. A nil err restores normal delivery. Real children
// get real signals and ignore this.
func (h *Process) FailSignals(err error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	h.p.signalErr = err
}

// Signals returns the signals the process was sent, across spawns.
func (h *Process) Signals() []syscall.Signal {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return slices.Clone(h.p.signals)
}

// Exit makes a virtual process exit with code, as if it had been reaped:
// RUNNING goes to EXITED (expected or not by ExitCodes), STARTING within
// StartSecs to BACKOFF, and the autorestart policy applies. A process with
// no current spawn gives the NOT_RUNNING fault (rpc.ErrNotRunning), and a
// process that is not virtual ErrNotVirtual.
func (h *Process) Exit(code int) error {
	return h.virtual(func(c *child) {
		if !c.exitQueued {
			c.exitQueued = true
			h.s.pendingExits = append(h.s.pendingExits, pendingExit{c: c, st: exitStatus{code: code}})
		}
	})
}

// Write makes a virtual process write data to channel (stderr goes to
// stdout with RedirectStderr). For a program that is output: it is logged,
// and becomes PROCESS_LOG or PROCESS_COMMUNICATION events when configured.
// For a listener, stdout is the protocol: Write(Stdout, []byte("READY\n"))
// drives its state machine byte for byte, which is how the protocol tests
// script a listener. It fails as Exit does.
func (h *Process) Write(channel Channel, data []byte) error {
	return h.virtual(func(c *child) {
		p := h.p
		if channel == Stderr && !p.spec.cfg.RedirectStderr {
			p.stderrSeen.Write(data)
			c.errOut.feed(data)
			return
		}
		if p.isListener() {
			p.onListenerOutput(data)
			return
		}
		c.out.feed(data)
	})
}

// Stdin returns what was written to a virtual process's stdin: the
// envelopes of a listener, or sendProcessStdin data.
func (h *Process) Stdin() []byte {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return slices.Clone(h.p.stdinSeen.Bytes())
}

// Stderr returns everything the process wrote to stderr, across spawns.
func (h *Process) Stderr() string {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return h.p.stderrSeen.String()
}

func (h *Process) virtual(f func(c *child)) error {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if h.p.kind != kindVirtual {
		return ErrNotVirtual
	}
	c := h.p.child
	if c == nil || c.exitQueued {
		return newFault(rpc.ErrNotRunning, h.p.namespec())
	}
	f(c)
	h.s.mutated()
	h.s.settle()
	return nil
}
