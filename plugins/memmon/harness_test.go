package memmon

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/testharness"
)

const mib = 1 << 20

// syncBuffer is a log shared by the event loop and the restarts.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hog is a program holding mb MiB; extra are more memhog flags.
func hog(name string, mb int, cfg testharness.ProcessConfig, extra ...string) testharness.Program {
	cfg.Command = append([]string{"memhog", "-mb", strconv.Itoa(mb)}, extra...)
	return testharness.Program{Name: name, ProcessConfig: cfg}
}

// world is an emulated supervisord running an in-process memmon pool.
type world struct {
	t    *testing.T
	s    *testharness.Supervisor
	mon  *Monitor
	log  *syncBuffer
	mail string // directory the fake sendmail writes each mail to
}

type setup struct {
	programs []testharness.Program
	groups   []testharness.Group
	cfg      Config
	clock    testharness.Clock
}

// start runs the programs under an emulated supervisord with a memmon pool
// subscribed to TICK_5, and waits until every program's memory is in place.
func start(t *testing.T, st setup) *world {
	t.Helper()
	w := &world{t: t, log: &syncBuffer{}, mail: t.TempDir()}
	var handler listener.HandlerFunc = func(ctx context.Context, ev listener.Event) error { return w.mon.HandleEvent(ctx, ev) }
	w.s = testharness.Start(t, testharness.Config{
		RPC:      true,
		Clock:    st.clock,
		Programs: st.programs,
		Groups:   st.groups,
		Pools: []testharness.Pool{{Name: "memmon", Events: []listener.EventType{listener.Tick5}, Handler: handler,
			ProcessConfig: testharness.ProcessConfig{Priority: 1}}},
	})
	c, err := rpc.New(w.s.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.cfg
	cfg.Supervisor = c
	cfg.Log = w.log
	cfg.SelfGroup, cfg.SelfName = "memmon", "memmon"
	if cfg.Metric == 0 {
		cfg.Metric = procmem.RSS
	}
	if cfg.Uptime == 0 {
		cfg.Uptime = NoUptimeLimit
	}
	if cfg.Email != "" {
		sender, err := mail.NewSendmail(fakeSendmail(t, w.mail))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Mailer = sender
		cfg.MailRetry = retry.Policy{MaxAttempts: 1}
	}
	w.mon, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.mon.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	for _, p := range st.programs {
		if !p.NoAutostart {
			w.waitMemory(p)
		}
	}
	return w
}

// fakeSendmail writes a sendmail stand-in that stores each message in its
// own file under dir, and returns the command that runs it.
func fakeSendmail(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sendmail")
	// Written aside and renamed, so that a mail is never seen half written.
	script := "#!/bin/sh\ncat > \"" + dir + "/.part.$$\" && mv \"" + dir + "/.part.$$\" \"" + dir + "/mail.$$\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path + " -t -i"
}

var memhogFlag = regexp.MustCompile(`-(mb|children|child-mb) (\d+)`)

// waitMemory waits until every process of prog, with its descendants,
// holds the memory its memhog command line asks for.
func (w *world) waitMemory(prog testharness.Program) {
	w.t.Helper()
	flags := map[string]uint64{}
	for _, m := range memhogFlag.FindAllStringSubmatch(strings.Join(prog.Command, " "), -1) {
		n, _ := strconv.Atoi(m[2])
		flags[m[1]] = uint64(n)
	}
	want := (flags["mb"] + flags["children"]*flags["child-mb"]) * mib
	r, err := procmem.NewReader("")
	if err != nil {
		w.t.Fatal(err)
	}
	defer r.Close()
	deadline := time.Now().Add(20 * time.Second)
	for _, p := range w.s.Processes() {
		if p.Name() != prog.Name && p.Group() != prog.Name {
			continue
		}
		for {
			s, _ := r.Snapshot(true)
			got, err := s.Usage(p.PID(), procmem.RSS, true)
			if err == nil && got >= want {
				break
			}
			if time.Now().After(deadline) {
				w.t.Fatalf("%s did not reach %d bytes: %d, %v", p.Namespec(), want, got, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

// tick sends one TICK_5 and waits until memmon has answered it.
func (w *world) tick() {
	w.t.Helper()
	before := len(w.s.Transcript().Results("memmon"))
	w.s.Tick(listener.Tick5)
	if err := w.s.WaitResults(w.ctx(), "memmon", before+1); err != nil {
		w.t.Fatalf("%v\nlog:\n%s", err, w.log)
	}
	if r := w.s.Transcript().Results("memmon"); !r[len(r)-1].OK {
		w.t.Fatalf("tick not acknowledged: %+v", r[len(r)-1])
	}
}

// restarts counts how many times process went from STOPPED or EXITED back
// to RUNNING.
func (w *world) restarts(process string) int { return restartsIn(w.s.Transcript(), process) }

// stops counts how many times process was asked to stop.
func (w *world) stops(process string) int { return stopsIn(w.s.Transcript(), process) }

func restartsIn(tr *testharness.Transcript, process string) int {
	n := 0
	states := tr.ProcessStates(process)
	for i, st := range states {
		if st == listener.StateRunning && slices.ContainsFunc(states[:i], func(p listener.State) bool {
			return p == listener.StateStopped || p == listener.StateExited
		}) {
			n++
		}
	}
	return n
}

func stopsIn(tr *testharness.Transcript, process string) int {
	n := 0
	for _, st := range tr.ProcessStates(process) {
		if st == listener.StateStopping {
			n++
		}
	}
	return n
}

// waitLog waits until the log matches pattern.
func (w *world) waitLog(pattern string) {
	w.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(20 * time.Second)
	for !re.MatchString(w.log.String()) {
		if time.Now().After(deadline) {
			w.t.Fatalf("log does not match %q:\n%s", pattern, w.log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lines returns the log lines matching pattern.
func (w *world) lines(pattern string) []string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(w.log.String(), "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// mailed is one message the fake sendmail received.
type mailed struct{ subject, body string }

// mails waits for n mails and returns them in subject order.
func (w *world) mails(n int) []mailed {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(w.mail, "mail.*"))
		if len(files) >= n {
			var out []mailed
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					w.t.Fatal(err)
				}
				head, body, _ := strings.Cut(string(b), "\n\n")
				var m mailed
				for _, h := range strings.Split(head, "\n") {
					if s, ok := strings.CutPrefix(h, "Subject: "); ok {
						m.subject = s
					}
				}
				m.body = strings.TrimSpace(body)
				out = append(out, m)
			}
			sort.Slice(out, func(i, j int) bool { return out[i].subject < out[j].subject })
			return out
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d mails of %d after 20s; log:\n%s", len(files), n, w.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noMoreMail checks that exactly n mails arrived, after waiting for the
// background work to settle.
func (w *world) mailCount() int {
	files, _ := filepath.Glob(filepath.Join(w.mail, "mail.*"))
	return len(files)
}

// settle waits until no restart is in flight and the background mail is
// out, by shutting the monitor's restarter down; the world is done after.
func (w *world) settle() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.mon.Shutdown(ctx); err != nil {
		w.t.Fatal(err)
	}
}
