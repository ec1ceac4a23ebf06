package supervisord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golance/golance/listener/rpc"
)

// Supervisord is a running supervisord, started by New or Start.
type Supervisord struct {
	// Dir holds the configuration, the main log, the pid file and the
	// automatic child logs; it is %(here)s in the configuration.
	Dir string
	// ConfigPath is the configuration file supervisord runs with.
	ConfigPath string
	// LogPath is the main log (logfile=).
	LogPath string
	// OutputPath receives supervisord's own stdout and stderr, where it
	// reports configuration errors before the main log exists.
	OutputPath string
	// SocketPath is the [unix_http_server] socket. It lives in Dir
	// unless that path would exceed the 108-byte limit on unix socket
	// paths, in which case it lives in a short directory under /tmp.
	SocketPath string
	// URL is "unix://" + SocketPath, what supervisord hands its children
	// as SUPERVISOR_SERVER_URL.
	URL string
	// InetURL is "http://127.0.0.1:port" with Config.InetHTTPServer,
	// else "".
	InetURL string
	// Client talks to URL, with the configured credentials.
	Client *rpc.Client
	// PID is supervisord's process ID.
	PID int

	cfg       Config
	cmd       *exec.Cmd
	marker    string // env entry that tags supervisord's processes
	socketDir string // a directory of ours to remove, or ""
	done      chan struct{}
	waitErr   error // valid after done is closed

	mu      sync.Mutex
	stopped bool
	stopErr error
	swept   int            // processes killed after supervisord exited
	tracked map[int]uint64 // descendant pid -> start time
}

// markerVar is set in supervisord's environment, which every child
// inherits, so that teardown can tell this supervisord's processes from
// others even after they have been reparented.
const markerVar = "GOLANCE_SUPERVISORD_HARNESS"

// maxSocketPath keeps well inside sun_path's 108 bytes.
const maxSocketPath = 100

// New runs supervisord with cfg in dir (created if missing) and waits
// until it answers RUNNING over XML-RPC, for at most Config.StartTimeout
// or until ctx ends. ctx bounds the start only: supervisord runs until Stop
// or Kill, which the caller must call whatever happens next. On error
// nothing New started is left running, and the error carries
// supervisord's own output and main log.
//
// With Config.Binary empty, New runs the supervisord Lookup finds.
func New(ctx context.Context, dir string, cfg Config) (*Supervisord, error) {
	if cfg.Binary == "" {
		bin, err := Lookup()
		if err != nil {
			return nil, fmt.Errorf("%w; install it with: %s", err, InstallHint)
		}
		cfg.Binary = bin
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if cfg.ChildLogDir != "" {
		if err := os.MkdirAll(cfg.ChildLogDir, 0o755); err != nil {
			return nil, err
		}
	}
	cfg = cfg.withDefaults()
	enableSubreaper()
	s := &Supervisord{
		Dir:        dir,
		ConfigPath: filepath.Join(dir, "supervisord.conf"),
		LogPath:    filepath.Join(dir, "supervisord.log"),
		OutputPath: filepath.Join(dir, "supervisord.out"),
		SocketPath: filepath.Join(dir, "supervisor.sock"),
		cfg:        cfg,
		marker:     markerVar + "=" + dir,
		tracked:    map[int]uint64{},
	}
	if len(s.SocketPath) > maxSocketPath {
		short, err := os.MkdirTemp("", "sv")
		if err != nil {
			return nil, err
		}
		s.socketDir = short
		s.SocketPath = filepath.Join(short, "s.sock")
	}
	s.URL = "unix://" + s.SocketPath
	var opts []rpc.Option
	if cfg.Username != "" {
		opts = append(opts, rpc.WithBasicAuth(cfg.Username, cfg.Password))
	}
	client, err := rpc.New(s.URL, opts...)
	if err != nil {
		s.removeSocketDir()
		return nil, err
	}
	s.Client = client

	// A free port can be taken by someone else before supervisord binds
	// it; supervisord then exits at once and another port is tried.
	for attempt := 0; ; attempt++ {
		port := 0
		if cfg.InetHTTPServer {
			if port, err = freePort(); err != nil {
				s.removeSocketDir()
				return nil, err
			}
			s.InetURL = fmt.Sprintf("http://127.0.0.1:%d", port)
		}
		err = s.launch(ctx, port)
		if err == nil {
			return s, nil
		}
		retry := cfg.InetHTTPServer && attempt < 2 && ctx.Err() == nil &&
			strings.Contains(s.Output(), "Another program is already listening")
		if !retry {
			return nil, errors.Join(err, s.halt(syscall.SIGTERM))
		}
		if _, err := s.shutdown(syscall.SIGTERM); err != nil {
			return nil, err
		}
		s.cmd = nil
	}
}

// launch writes the configuration, runs supervisord and waits for it.
func (s *Supervisord) launch(ctx context.Context, inetPort int) error {
	if err := os.WriteFile(s.ConfigPath, []byte(s.cfg.render(s.SocketPath, inetPort)), 0o644); err != nil {
		return err
	}
	out, err := os.Create(s.OutputPath)
	if err != nil {
		return err
	}
	defer out.Close()
	args := append(append([]string{}, s.cfg.Wrapper...), s.cfg.Binary, "-n", "-c", s.ConfigPath)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = s.Dir
	// State a listener keeps (golance's outbox) stays in the test's
	// directory rather than the machine's /var/lib; Config.Env may say
	// otherwise.
	cmd.Env = append(environ(), s.marker, "STATE_DIRECTORY="+filepath.Join(s.Dir, "state"))
	cmd.Env = append(cmd.Env, s.cfg.Env...)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group keeps a terminal's ^C away from supervisord
	// (the test binary's teardown stops it); Pdeathsig stops it if the
	// test binary dies without teardown.
	cmd.SysProcAttr = sysProcAttr()
	// Pdeathsig fires when the OS thread that started the child exits,
	// not the process, and Go ends threads whose locked goroutine exits
	// (golang/go#27505). So supervisord is started and waited for on a
	// thread of its own, released only once supervisord has exited.
	s.done = make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("running %s: %w", s.cfg.Binary, err)
	}
	s.cmd, s.PID = cmd, cmd.Process.Pid
	return s.waitReady(ctx)
}

// environ is the test's environment without the SUPERVISOR_* variables
// of any supervisord the tests themselves run under, which would leak into
// the children.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUPERVISOR_") && !strings.HasPrefix(kv, markerVar+"=") {
			env = append(env, kv)
		}
	}
	return env
}

func (s *Supervisord) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(s.cfg.StartTimeout)
	var lastErr error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("supervisord exited during startup (%v):\n%s", s.waitErr, s.startupReport())
		case <-ctx.Done():
			return fmt.Errorf("supervisord not RUNNING yet (last answer: %v): %w", lastErr, ctx.Err())
		default:
		}
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		state, err := s.Client.GetState(callCtx)
		cancel()
		if err == nil && state == rpc.SupervisorRunning {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("state %v", state)
		}
		lastErr = err
		if time.Now().After(deadline) {
			return fmt.Errorf("supervisord not RUNNING after %v (last answer: %v):\n%s", s.cfg.StartTimeout, lastErr, s.startupReport())
		}
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *Supervisord) startupReport() string {
	return fmt.Sprintf("output:\n%s\nmain log:\n%s", lastBytes(s.Output(), 3000), lastBytes(s.Log(), 3000))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Env returns the environment a listener needs to reach this supervisord
// when run by hand: SUPERVISOR_SERVER_URL, plus SUPERVISOR_USERNAME and
// SUPERVISOR_PASSWORD when credentials are configured.
func (s *Supervisord) Env() []string {
	env := []string{"SUPERVISOR_SERVER_URL=" + s.URL}
	if s.cfg.Username != "" {
		env = append(env, "SUPERVISOR_USERNAME="+s.cfg.Username, "SUPERVISOR_PASSWORD="+s.cfg.Password)
	}
	return env
}

// Output returns what supervisord wrote to its stdout and stderr.
func (s *Supervisord) Output() string {
	b, _ := os.ReadFile(s.OutputPath)
	return string(b)
}

// Wait waits until supervisord exits by itself, after a Shutdown call or
// a fatal error, and returns how it exited. Teardown still sweeps up any
// process left behind.
func (s *Supervisord) Wait(ctx context.Context) error {
	select {
	case <-s.done:
		return s.waitErr
	default:
	}
	select {
	case <-s.done:
		return s.waitErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop stops supervisord gracefully: it asks supervisord over XML-RPC to
// stop all processes (each with its stopsignal, all at once rather than
// in priority order) and to shut down, or sends SIGTERM if that fails,
// then SIGKILL if supervisord has not exited within Config.StopTimeout.
// It then kills and reaps every process supervisord started that is
// still alive (see Swept), and reports any it could not get rid of. Stop
// is idempotent; Start's cleanup calls it.
func (s *Supervisord) Stop() error {
	return s.halt(syscall.SIGTERM)
}

// Kill kills supervisord with SIGKILL, as a crash would, leaving its
// processes orphaned, and then kills and reaps them as Stop does.
func (s *Supervisord) Kill() error {
	return s.halt(syscall.SIGKILL)
}

// Swept returns how many processes Stop or Kill had to kill after
// supervisord had exited: those it left behind, such as a program's own
// children that outlived it. It is 0 before Stop or Kill.
func (s *Supervisord) Swept() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.swept
}

func (s *Supervisord) halt(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return s.stopErr
	}
	s.stopped = true
	var swept int
	swept, s.stopErr = s.shutdown(sig)
	s.swept += swept
	s.removeSocketDir()
	return s.stopErr
}

// shutdown stops supervisord with sig, escalating to SIGKILL after
// Config.StopTimeout, and then sweeps up its processes. It returns how
// many it had to kill.
func (s *Supervisord) shutdown(sig syscall.Signal) (int, error) {
	if s.cmd == nil {
		return 0, nil
	}
	s.track()
	var resend map[int]syscall.Signal
	if !s.exited() {
		// Over XML-RPC, supervisord starts stopping at once; a SIGTERM
		// waits for its poll loop's 1-second timeout.
		if sig == syscall.SIGTERM {
			resend = s.stopSignals()
		}
		if sig != syscall.SIGTERM || s.shutdownRPC() != nil {
			s.cmd.Process.Signal(sig)
		}
	}
	var err error
	deadline := time.After(s.cfg.StopTimeout)
	again := time.After(time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-s.done:
			break wait
		case <-again:
			// A child that was stopped between fork and exec caught
			// the signal with the handler it inherited from supervisord
			// and ignored it; supervisord would wait stopwaitsecs before
			// killing it. Telling the same processes once more is
			// harmless to the rest.
			now := descendants(s.PID)
			for pid, stopsig := range resend {
				if start, ok := now[pid]; ok && start == s.tracked[pid] {
					syscall.Kill(pid, stopsig)
				}
			}
		case <-tick.C:
			// supervisord spawns nothing while stopping, but its
			// children may fork until they are stopped.
			s.track()
		case <-deadline:
			s.track()
			s.cmd.Process.Kill()
			<-s.done
			err = fmt.Errorf("supervisord did not exit within %v of %v; killed it", s.cfg.StopTimeout, sig)
			break wait
		}
	}
	killed, sweepErr := sweep(s.PID, s.tracked, s.marker)
	return killed, errors.Join(err, sweepErr)
}

func (s *Supervisord) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stopSignals maps the PID of each running process to its stopsignal=.
func (s *Supervisord) stopSignals() map[int]syscall.Signal {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	infos, err := s.Client.GetAllProcessInfo(ctx)
	if err != nil {
		return nil
	}
	configs, err := s.Client.GetAllConfigInfo(ctx)
	if err != nil {
		return nil
	}
	stopsig := map[string]syscall.Signal{}
	for _, c := range configs {
		stopsig[c.Namespec()] = c.StopSignal
	}
	out := map[int]syscall.Signal{}
	for _, info := range infos {
		if sig, ok := stopsig[info.Namespec()]; ok && info.PID > 0 {
			out[info.PID] = sig
		}
	}
	return out
}

// shutdownRPC asks supervisord to stop every process at once, rather
// than group by group in priority order as its shutdown does, where each
// group can cost a turn of its 1-second poll loop, and then to exit.
func (s *Supervisord) shutdownRPC() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.Client.StopAllProcesses(ctx, false)
	return s.Client.Shutdown(ctx)
}

// track records supervisord's current descendants.
func (s *Supervisord) track() {
	for pid, start := range descendants(s.PID) {
		s.tracked[pid] = start
	}
}

func (s *Supervisord) removeSocketDir() {
	if s.socketDir != "" {
		os.RemoveAll(s.socketDir)
	}
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
