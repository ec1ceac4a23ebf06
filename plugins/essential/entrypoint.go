package essential

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// forwarded are the signals essential run passes on to supervisord: the
// ones supervisord acts on (SIGTERM, SIGINT and SIGQUIT shut it down,
// SIGHUP restarts it, SIGUSR2 reopens its logs). A container runtime
// signals PID 1 only; as PID 1, a signal without a handler would be
// dropped.
var forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR2}

// entrypoint runs cfg.command as supervisord, passing signals on and
// reaping every orphan it inherits, until supervisord exits; then it ends
// what supervisord left behind and returns the code to exit with.
func entrypoint(cfg runConfig) int {
	record, cleanup, err := prepareRecord(cfg.record)
	if err != nil {
		cfg.log.Error(err.Error())
		return codeUnknown
	}
	defer cleanup()
	if err := becomeSubreaper(); err != nil {
		cfg.log.Warn(fmt.Sprintf("cannot become a subreaper (%v): orphans of supervisord's programs go to init rather than to essential run", err))
	}

	// Notify before the start, so that no SIGCHLD or SIGTERM is missed.
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs, append(forwarded, syscall.SIGCHLD)...)
	defer signal.Stop(sigs)

	// Pdeathsig tells supervisord to shut down if essential run is
	// killed; it follows the thread that started the child, which must
	// therefore live as long as the child (golang/go#27505).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command(cfg.command[0], cfg.command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), RecordEnv+"="+record)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		cfg.log.Error(fmt.Sprintf("cannot run %s: %v", cfg.command[0], err))
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return codeNotFound
		}
		return codeCannotExecute
	}
	child := cmd.Process.Pid
	// The child is reaped below by wait4(-1) with every other child, never
	// by cmd.Wait, which would race with it.

	var status syscall.WaitStatus
	for exited := false; !exited; {
		sig := <-sigs
		if sig != syscall.SIGCHLD {
			// ESRCH: supervisord exited meanwhile; its SIGCHLD follows.
			_ = syscall.Kill(child, sig.(syscall.Signal))
			continue
		}
		reapAll(func(pid int, ws syscall.WaitStatus) {
			if pid == child {
				status, exited = ws, true
			}
		})
	}
	if n := endOrphans(cfg.grace, cfg.log); n > 0 {
		cfg.log.Info(fmt.Sprintf("%d processes outlived supervisord; ended them", n))
	}
	return exitCodeFor(record, status, cfg)
}

// exitCodeFor is the code essential run exits with once supervisord
// exited with ws: the record's, when an essential listener wrote one,
// else supervisord's own.
func exitCodeFor(path string, ws syscall.WaitStatus, cfg runConfig) int {
	r, ok, err := readRecord(path)
	if err != nil {
		cfg.log.Error(fmt.Sprintf("the essential listener's record cannot be read (%v): exiting as supervisord did", err))
	}
	if ok {
		cfg.log.Info(fmt.Sprintf("%s; supervisord has shut down: exiting with %d", r, r.Code))
		return r.Code
	}
	code := waitCode(ws)
	cfg.log.Info(fmt.Sprintf("supervisord %s: exiting with %d", describeWait(ws), code))
	return code
}

// prepareRecord returns the path of the record for this run, with none
// there yet: path, or one in a new temporary directory when path is "",
// which cleanup removes. A record left by an earlier run (a container
// started again keeps its files) is removed, or it would decide this
// run's exit code.
func prepareRecord(path string) (record string, cleanup func(), err error) {
	if path == "" {
		dir, err := os.MkdirTemp("", "essential-")
		if err != nil {
			return "", nil, fmt.Errorf("cannot make a directory for the record: %w (give --record FILE)", err)
		}
		return filepath.Join(dir, "record.json"), func() { os.RemoveAll(dir) }, nil
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", nil, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", nil, fmt.Errorf("cannot clear the --record file of an earlier run: %w", err)
	}
	// The listener writes a temporary file beside the record: find out
	// now, not when an essential program has ended, that it cannot.
	probe, err := os.CreateTemp(filepath.Dir(path), ".essential-*")
	if err != nil {
		return "", nil, fmt.Errorf("invalid --record %s: %w", path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return path, func() {}, nil
}

// reapAll waits for every child that has ended, as PID 1 or a subreaper
// must, and tells each to done.
func reapAll(done func(pid int, ws syscall.WaitStatus)) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
		done(pid, ws)
	}
}

// endOrphans ends the processes supervisord left behind, which are this
// process's children now (it is PID 1 or a subreaper): SIGTERM, then
// SIGKILL after grace. A child's own children become this process's when
// it dies, so it looks again until none is left. It returns how many it
// signalled.
func endOrphans(grace time.Duration, log *slog.Logger) int {
	deadline := time.Now().Add(grace)
	termed := map[int]bool{}
	killed := false
	for {
		reapAll(func(int, syscall.WaitStatus) {})
		kids, err := children()
		if err != nil {
			log.Warn(fmt.Sprintf("cannot list what supervisord left behind: %v", err))
			return len(termed)
		}
		if len(kids) == 0 {
			return len(termed)
		}
		late := time.Now().After(deadline)
		for _, pid := range kids {
			switch {
			case late:
				_ = syscall.Kill(pid, syscall.SIGKILL)
				killed = true
			case !termed[pid]:
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
			termed[pid] = true
		}
		if killed && late && time.Now().After(deadline.Add(5*time.Second)) {
			log.Warn(fmt.Sprintf("%d processes survive SIGKILL (uninterruptible sleep?): leaving them", len(kids)))
			return len(termed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// describeWait words how a child ended: "exited with status 0", "was
// killed by signal 9".
func describeWait(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return fmt.Sprintf("was killed by %v", ws.Signal())
	}
	return fmt.Sprintf("exited with status %d", ws.ExitStatus())
}
