package testharness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// child is one spawn of a process: its pid, pipes and goroutines, whether
// it is a real child process, an in-process RunFunc or virtual. A new child
// per spawn means output or an exit from an earlier spawn can never be
// mistaken for the current one.
type child struct {
	s    *Supervisor
	p    *subprocess
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

// startChild creates the process behind p: pipes and a real child, a
// goroutine, or nothing at all for a virtual process. The caller holds s.mu
// and calls begin once p.child is set.
func (s *Supervisor) startChild(p *subprocess) (*child, error) {
	c := &child{s: s, p: p, kind: p.kind}
	if !p.isListener() {
		c.out = newOutputDispatcher(p, Stdout)
	}
	c.errOut = newOutputDispatcher(p, Stderr)
	switch p.kind {
	case kindVirtual:
		c.pid = s.fakePID()
		return c, nil
	case kindFunc:
		return c, c.startFunc()
	}
	return c, c.startExec()
}

func (c *child) startExec() error {
	p := c.p
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
		Env:    c.s.childEnv(p),
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
	c.cmd = cmd
	c.pid = cmd.Process.Pid
	c.stdin = newStdinWriter(stdinW)
	c.stdoutR, c.stderrR = stdoutR, stderrR
	return nil
}

func (c *child) startFunc() error {
	p := c.p
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
		c.stderrR, c.stderrW = stderrR, stderrW
	}
	c.fn = p.spec.cfg.Run
	c.ctx, c.cancel = context.WithCancel(context.WithValue(c.s.baseCtx, envKey{}, c.s.childEnv(p)))
	c.pid = c.s.fakePID()
	c.stdin = newStdinWriter(stdinW)
	c.stdinChild = stdinR
	c.stdoutR, c.stdoutW = stdoutR, stdoutW
	return nil
}

// begin starts the goroutines that watch the child. The caller holds s.mu;
// they block on it until the caller is done.
func (c *child) begin() {
	s := c.s
	if c.stdoutR != nil {
		c.readers.Add(1)
		s.goroutine(func() { c.readLoop(c.stdoutR, Stdout) })
	}
	if c.stderrR != nil {
		c.readers.Add(1)
		s.goroutine(func() { c.readLoop(c.stderrR, Stderr) })
	}
	switch c.kind {
	case kindExec:
		s.goroutine(func() {
			_ = c.cmd.Wait()
			st := exitStatus{code: -1}
			if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
				switch {
				case ws.Exited():
					st.code = ws.ExitStatus()
				case ws.Signaled():
					st.signal = ws.Signal()
				}
			}
			c.waitReaders()
			s.queueExit(c, st)
		})
	case kindFunc:
		stderr := c.stderrW
		if stderr == nil {
			stderr = c.stdoutW // redirect_stderr
		}
		s.goroutine(func() {
			err := callRunFunc(c.fn, c.ctx, c.stdinChild, c.stdoutW, stderr)
			c.closeChildEnds()
			c.waitReaders()
			st := exitStatus{}
			var code ExitCode
			switch {
			case err == nil:
			case errors.As(err, &code):
				st.code = int(code)
			default:
				st.code = 1
				s.mu.Lock()
				s.logf(levelWarn, "%s: in-process child returned: %v", c.p.spec.name, err)
				s.mu.Unlock()
			}
			s.queueExit(c, st)
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

func (c *child) readLoop(f *os.File, ch Channel) {
	defer c.readers.Done()
	// supervisord reads at most 128 KiB at a time (options.readfd).
	buf := make([]byte, 131072)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			c.s.onOutput(c, ch, bytes.Clone(buf[:n]))
		}
		if err != nil {
			return
		}
	}
}

// waitReaders waits until both output pipes reached end of file, so the
// exit is handled after the last output, as Subprocess.finish drains first.
func (c *child) waitReaders() {
	done := make(chan struct{})
	go func() {
		c.readers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(drainTimeout):
	}
}

// closeChildEnds closes the pipe ends an in-process child holds, which is
// what the kernel does when a process dies.
func (c *child) closeChildEnds() {
	for _, f := range []*os.File{c.stdinChild, c.stdoutW, c.stderrW} {
		if f != nil {
			_ = f.Close()
		}
	}
}

// closeParentEnds is close_parent_pipes: the harness's ends of the pipes.
func (c *child) closeParentEnds() {
	c.closeOnce.Do(func() {
		if c.stdin != nil {
			c.stdin.close()
		}
		for _, f := range []*os.File{c.stdoutR, c.stderrR} {
			if f != nil {
				_ = f.Close()
			}
		}
		if c.cancel != nil {
			c.cancel()
		}
	})
}

// writeStdin queues data for the child's stdin.
func (c *child) writeStdin(data []byte) error {
	if c.kind == kindVirtual {
		c.p.stdinSeen.Write(data)
		return nil
	}
	return c.stdin.write(data)
}

// signal delivers sig. Real children get a real signal (to the process
// group when asGroup); virtual and in-process children die of the deadly
// signals and record the rest. The caller holds s.mu.
func (c *child) signal(sig syscall.Signal, asGroup bool) error {
	p := c.p
	if p.signalErr != nil && c.kind != kindExec {
		return p.signalErr
	}
	p.signals = append(p.signals, sig)
	switch c.kind {
	case kindExec:
		pid := c.pid
		if asGroup {
			pid = -pid
		}
		return syscall.Kill(pid, sig)
	case kindVirtual:
		if deadlySignals[sig] && !c.exitQueued {
			c.exitQueued = true
			c.s.pendingExits = append(c.s.pendingExits, pendingExit{c: c, st: exitStatus{signal: sig}})
			c.s.mutated()
		}
	case kindFunc:
		if !deadlySignals[sig] {
			return nil
		}
		c.cancel()
		c.stdin.close()
		if sig == syscall.SIGKILL && !c.exitQueued {
			// The goroutine cannot be killed; its pipes can, and the
			// process is dead as far as anyone can observe.
			c.closeChildEnds()
			c.exitQueued = true
			c.s.goroutine(func() {
				c.waitReaders()
				c.s.mu.Lock()
				c.s.pendingExits = append(c.s.pendingExits, pendingExit{c: c, st: exitStatus{signal: sig}})
				c.s.mutated()
				c.s.settle()
				c.s.mu.Unlock()
			})
		}
	}
	return nil
}
