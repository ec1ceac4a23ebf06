package testharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// run is one spawn of a process: its pid, pipes and goroutines. A new run
// per spawn means output or an exit from an earlier spawn can never be
// mistaken for the current one.
type run struct {
	s    *Supervisor
	p    *proc
	kind procKind
	pid  int

	cmd    *exec.Cmd
	fn     RunFunc
	ctx    context.Context
	cancel context.CancelFunc

	stdin            *stdinWriter
	stdinChild       *os.File // the child's end of stdin (RunFunc only)
	stdoutR, stderrR *os.File
	stdoutW, stderrW *os.File // the child's ends (RunFunc only)
	out, errOut      *outputDispatcher
	readers          sync.WaitGroup

	exitQueued bool
	closeOnce  sync.Once
}

// drainTimeout bounds how long an exit waits for the pipes to close after
// the process is gone: a grandchild may hold them open forever.
const drainTimeout = 2 * time.Second

// deadlySignals terminate virtual and in-process children; other signals
// are only recorded.
var deadlySignals = map[syscall.Signal]bool{
	syscall.SIGKILL: true, syscall.SIGTERM: true, syscall.SIGINT: true,
	syscall.SIGQUIT: true, syscall.SIGHUP: true,
}

// startRun creates the process behind p: pipes and a child, a goroutine,
// or nothing at all for a virtual process. The caller holds s.mu and calls
// begin once p.run is set.
func (s *Supervisor) startRun(p *proc) (*run, error) {
	r := &run{s: s, p: p, kind: p.kind}
	if !p.isListener() {
		r.out = newOutputDispatcher(p, Stdout)
	}
	r.errOut = newOutputDispatcher(p, Stderr)
	switch p.kind {
	case kindVirtual:
		r.pid = s.fakePID()
		return r, nil
	case kindFunc:
		return r, r.startFunc()
	}
	return r, r.startExec()
}

func (r *run) startExec() error {
	p := r.p
	path, err := p.execPath()
	if err != nil {
		return err
	}
	var opened []*os.File
	fail := func(err error) error {
		for _, f := range opened {
			_ = f.Close()
		}
		return err
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return fail(fmt.Errorf("unknown error making dispatchers for '%s': %w", p.spec.name, err))
	}
	opened = append(opened, stdinR, stdinW)
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return fail(fmt.Errorf("unknown error making dispatchers for '%s': %w", p.spec.name, err))
	}
	opened = append(opened, stdoutR, stdoutW)
	childStderr := stdoutW
	var stderrR *os.File
	if !p.spec.cfg.RedirectStderr {
		var stderrW *os.File
		stderrR, stderrW, err = os.Pipe()
		if err != nil {
			return fail(fmt.Errorf("unknown error making dispatchers for '%s': %w", p.spec.name, err))
		}
		opened = append(opened, stderrR, stderrW)
		childStderr = stderrW
	}
	cmd := &exec.Cmd{
		Path:   path,
		Args:   p.spec.cfg.Command,
		Env:    r.s.childEnv(p),
		Dir:    p.spec.cfg.Dir,
		Stdin:  stdinR,
		Stdout: stdoutW,
		Stderr: childStderr,
		// supervisord calls setpgrp in the child so that signals meant for
		// it do not reach its children; stopasgroup relies on it.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("couldn't exec %s: %w", p.spec.cfg.Command[0], err))
	}
	// The child has its copies; ours would keep the pipes open forever.
	_ = stdinR.Close()
	_ = stdoutW.Close()
	if childStderr != stdoutW {
		_ = childStderr.Close()
	}
	r.cmd = cmd
	r.pid = cmd.Process.Pid
	r.stdin = newStdinWriter(stdinW)
	r.stdoutR, r.stderrR = stdoutR, stderrR
	return nil
}

func (r *run) startFunc() error {
	p := r.p
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("unknown error making dispatchers for '%s': %w", p.spec.name, err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		_ = stdinR.Close()
		_ = stdinW.Close()
		return fmt.Errorf("unknown error making dispatchers for '%s': %w", p.spec.name, err)
	}
	if !p.spec.cfg.RedirectStderr {
		stderrR, stderrW, err := os.Pipe()
		if err != nil {
			for _, f := range []*os.File{stdinR, stdinW, stdoutR, stdoutW} {
				_ = f.Close()
			}
			return fmt.Errorf("unknown error making dispatchers for '%s': %w", p.spec.name, err)
		}
		r.stderrR, r.stderrW = stderrR, stderrW
	}
	r.fn = p.spec.cfg.Run
	r.ctx, r.cancel = context.WithCancel(context.WithValue(r.s.baseCtx, envKey{}, r.s.childEnv(p)))
	r.pid = r.s.fakePID()
	r.stdin = newStdinWriter(stdinW)
	r.stdinChild = stdinR
	r.stdoutR, r.stdoutW = stdoutR, stdoutW
	return nil
}

// begin starts the goroutines that watch the run. The caller holds s.mu;
// they block on it until the caller is done.
func (r *run) begin() {
	s := r.s
	if r.stdoutR != nil {
		r.readers.Add(1)
		s.goroutine(func() { r.readLoop(r.stdoutR, Stdout) })
	}
	if r.stderrR != nil {
		r.readers.Add(1)
		s.goroutine(func() { r.readLoop(r.stderrR, Stderr) })
	}
	switch r.kind {
	case kindExec:
		s.goroutine(func() {
			_ = r.cmd.Wait()
			st := exitStatus{code: -1}
			if ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
				switch {
				case ws.Exited():
					st.code = ws.ExitStatus()
				case ws.Signaled():
					st.signal = ws.Signal()
				}
			}
			r.waitReaders()
			s.queueExit(r, st)
		})
	case kindFunc:
		stderr := r.stderrW
		if stderr == nil {
			stderr = r.stdoutW // redirect_stderr
		}
		s.goroutine(func() {
			err := callRunFunc(r.fn, r.ctx, r.stdinChild, r.stdoutW, stderr)
			r.closeChildEnds()
			r.waitReaders()
			st := exitStatus{}
			var code ExitCode
			switch {
			case err == nil:
			case errors.As(err, &code):
				st.code = int(code)
			default:
				st.code = 1
				s.mu.Lock()
				s.logf(levelWarn, "%s: in-process child returned: %v", r.p.spec.name, err)
				s.mu.Unlock()
			}
			s.queueExit(r, st)
		})
	}
}

// callRunFunc runs fn, turning a panic into an error as a crashed child
// would turn into exit status 2.
func callRunFunc(fn RunFunc, ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v: %w", v, ExitCode(2))
		}
	}()
	return fn(ctx, stdin, stdout, stderr)
}

func (r *run) readLoop(f *os.File, ch Channel) {
	defer r.readers.Done()
	// supervisord reads at most 128 KiB at a time (options.readfd).
	buf := make([]byte, 131072)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			r.s.onOutput(r, ch, bytes.Clone(buf[:n]))
		}
		if err != nil {
			return
		}
	}
}

// waitReaders waits until both output pipes reached end of file, so the
// exit is handled after the last output, as Subprocess.finish drains first.
func (r *run) waitReaders() {
	done := make(chan struct{})
	go func() {
		r.readers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(drainTimeout):
	}
}

// closeChildEnds closes the pipe ends an in-process child holds, which is
// what the kernel does when a process dies.
func (r *run) closeChildEnds() {
	for _, f := range []*os.File{r.stdinChild, r.stdoutW, r.stderrW} {
		if f != nil {
			_ = f.Close()
		}
	}
}

// closeParentEnds is close_parent_pipes: the harness's ends of the pipes.
func (r *run) closeParentEnds() {
	r.closeOnce.Do(func() {
		if r.stdin != nil {
			r.stdin.close()
		}
		for _, f := range []*os.File{r.stdoutR, r.stderrR} {
			if f != nil {
				_ = f.Close()
			}
		}
		if r.cancel != nil {
			r.cancel()
		}
	})
}

// writeStdin queues data for the child's stdin.
func (r *run) writeStdin(data []byte) error {
	if r.kind == kindVirtual {
		r.p.stdinSeen.Write(data)
		return nil
	}
	return r.stdin.write(data)
}

// signal delivers sig. Real children get a real signal (to the process
// group when asGroup); virtual and in-process children die of the deadly
// signals and record the rest. The caller holds s.mu.
func (r *run) signal(sig syscall.Signal, asGroup bool) error {
	p := r.p
	if p.signalErr != nil && r.kind != kindExec {
		return p.signalErr
	}
	p.signals = append(p.signals, sig)
	switch r.kind {
	case kindExec:
		pid := r.pid
		if asGroup {
			pid = -pid
		}
		return syscall.Kill(pid, sig)
	case kindVirtual:
		if deadlySignals[sig] && !r.exitQueued {
			r.exitQueued = true
			r.s.pendingExits = append(r.s.pendingExits, pendingExit{r: r, st: exitStatus{signal: sig}})
			r.s.mutated()
		}
	case kindFunc:
		if !deadlySignals[sig] {
			return nil
		}
		r.cancel()
		r.stdin.close()
		if sig == syscall.SIGKILL && !r.exitQueued {
			// The goroutine cannot be killed; its pipes can, and the
			// process is dead as far as anyone can observe.
			r.closeChildEnds()
			r.exitQueued = true
			r.s.goroutine(func() {
				r.waitReaders()
				r.s.mu.Lock()
				r.s.pendingExits = append(r.s.pendingExits, pendingExit{r: r, st: exitStatus{signal: sig}})
				r.s.mutated()
				r.s.settle()
				r.s.mu.Unlock()
			})
		}
	}
	return nil
}

// stdinWriter feeds a child's stdin without ever blocking the harness,
// like supervisord's PInputDispatcher buffer: a write that does not fit in
// the pipe is finished by a goroutine. A write to a pipe whose reader is
// gone fails with EPIPE at once.
type stdinWriter struct {
	f       *os.File
	raw     syscall.RawConn
	mu      sync.Mutex
	queue   []byte
	writing bool
	broken  error
	closed  bool
	wake    chan struct{}
	done    chan struct{}
}

func newStdinWriter(f *os.File) *stdinWriter {
	w := &stdinWriter{f: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.raw, _ = f.SyscallConn()
	go w.loop()
	return w
}

func (w *stdinWriter) write(data []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("stdin is closed: %w", syscall.EPIPE)
	}
	if w.broken != nil {
		return w.broken
	}
	if len(w.queue) == 0 && !w.writing && w.raw != nil {
		var n int
		var werr error
		err := w.raw.Write(func(fd uintptr) bool {
			n, werr = syscall.Write(int(fd), data)
			return true
		})
		if err == nil {
			err = werr
		}
		if n > 0 {
			data = data[n:]
		}
		if err != nil && !errors.Is(err, syscall.EAGAIN) {
			w.broken = fmt.Errorf("writing to stdin: %w", err)
			return w.broken
		}
		if len(data) == 0 {
			return nil
		}
	}
	w.queue = append(w.queue, data...)
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

func (w *stdinWriter) loop() {
	for {
		select {
		case <-w.wake:
		case <-w.done:
			return
		}
		for {
			w.mu.Lock()
			if len(w.queue) == 0 || w.broken != nil || w.closed {
				w.writing = false
				w.mu.Unlock()
				break
			}
			data := w.queue
			w.queue = nil
			w.writing = true
			w.mu.Unlock()
			if _, err := w.f.Write(data); err != nil {
				w.mu.Lock()
				w.broken = fmt.Errorf("writing to stdin: %w", err)
				w.queue = nil
				w.writing = false
				w.mu.Unlock()
				break
			}
		}
	}
}

func (w *stdinWriter) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.done)
	w.mu.Unlock()
	_ = w.f.Close()
}

// envKey carries an in-process child's environment in its context.
type envKey struct{}

// LookupEnv returns a function with the signature of os.LookupEnv that
// reads the environment an in-process child (a RunFunc, or a Pool's
// Handler) would have had as a real child: Config.Env, the SUPERVISOR_*
// variables and ProcessConfig.Env. Pass it the ctx the RunFunc or handler
// received; for any other context it is os.LookupEnv. For example, an
// in-process listener reaches the fake XML-RPC server with
// rpc.FromEnvLookup(testharness.LookupEnv(ctx)).
func LookupEnv(ctx context.Context) func(key string) (string, bool) {
	env, ok := ctx.Value(envKey{}).([]string)
	if !ok {
		return os.LookupEnv
	}
	return func(key string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if v, found := strings.CutPrefix(env[i], key+"="); found {
				return v, true
			}
		}
		return "", false
	}
}
