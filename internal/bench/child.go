package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A child is one listener process with a dispatcher on its stdin and
// stdout. It is started from the dispatcher's thread, whose CPU affinity
// it inherits: both run on the one CPU the bench pins.
type child struct {
	*dispatcher
	cmd    *exec.Cmd
	stderr *os.File
	said   string // the end of stderr, once finished
	kill   *time.Timer
}

// startChild starts argv as a listener. The process is killed if it is
// still running after limit, which ends any delivery it left hanging.
func startChild(argv []string, limit time.Duration) (*child, error) {
	var events, answers [2]int
	if err := unix.Pipe2(events[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	if err := unix.Pipe2(answers[:], unix.O_CLOEXEC); err != nil {
		unix.Close(events[0])
		unix.Close(events[1])
		return nil, err
	}
	stdin := os.NewFile(uintptr(events[0]), "events")
	stdout := os.NewFile(uintptr(answers[1]), "answers")
	defer stdin.Close()
	defer stdout.Close()
	stderr, err := os.CreateTemp("", "golance-bench-stderr-")
	if err != nil {
		return nil, err
	}
	os.Remove(stderr.Name())

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		unix.Close(events[1])
		unix.Close(answers[0])
		stderr.Close()
		return nil, err
	}
	c := &child{dispatcher: newDispatcher(events[1], answers[0]), cmd: cmd, stderr: stderr}
	c.kill = time.AfterFunc(limit, func() { cmd.Process.Kill() })
	if err := samePinning(cmd.Process.Pid); err != nil {
		c.finish()
		return nil, err
	}
	return c, nil
}

// usage is what the kernel counted of a listener's whole life.
type usage struct {
	cpu      time.Duration // user and system time
	switches int64         // context switches, voluntary or not
}

// finish closes the listener's stdin, waits for it to exit and returns its
// rusage.
func (c *child) finish() (usage, error) {
	unix.Close(c.events)
	werr := c.cmd.Wait()
	c.kill.Stop()
	unix.Close(c.answers)
	c.said = c.readStderr()
	c.stderr.Close()
	if werr != nil {
		return usage{}, fmt.Errorf("%w%s", werr, c.stderrTail())
	}
	ru := c.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return usage{
		cpu:      time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		switches: ru.Nvcsw + ru.Nivcsw,
	}, nil
}

func (c *child) readStderr() string {
	b, _ := io.ReadAll(io.NewSectionReader(c.stderr, 0, 1<<20))
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// stderrTail is the end of what the finished listener wrote to stderr, for
// errors.
func (c *child) stderrTail() string {
	if c.said == "" {
		return ""
	}
	return "; its stderr: " + c.said
}

// samePinning checks that pid may run on exactly the CPUs this thread may.
func samePinning(pid int) error {
	var mine, its unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mine); err != nil {
		return err
	}
	if err := unix.SchedGetaffinity(pid, &its); err != nil {
		return err
	}
	if mine != its {
		return fmt.Errorf("listener %d did not inherit the dispatcher's CPU affinity (%s, not %s)", pid, cpuList(its), cpuList(mine))
	}
	return nil
}

func cpuList(s unix.CPUSet) string {
	var cpus []string
	for i := 0; i < 1024; i++ {
		if s.IsSet(i) {
			cpus = append(cpus, fmt.Sprint(i))
		}
	}
	return strings.Join(cpus, ",")
}
