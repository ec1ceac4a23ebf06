package memmon

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/mailcli"
	"github.com/golance/golance/plugins/internal/procmem"
	"github.com/golance/golance/plugins/internal/restart"
	"github.com/golance/golance/plugins/internal/retry"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/golance/golance/testharness"
)

const mib = 1 << 20

// atMost returns a -a limit of bytes.
func atMost(bytes uint64) *uint64 { return &bytes }

// mailTo, as config.mail, makes the world mail root and ops@example.com
// through its sendmail stand-in, as -m "root,ops@example.com" does.
var mailTo = &mailcli.Delivery{To: []string{"root", "ops@example.com"}}

// hog is a program holding mb MiB; extra are more memhog flags.
func hog(name string, mb int, cfg testharness.ProcessConfig, extra ...string) testharness.Program {
	cfg.Command = append([]string{"memhog", "-mb", strconv.Itoa(mb)}, extra...)
	return testharness.Program{Name: name, ProcessConfig: cfg}
}

// world is an emulated supervisord running an in-process memmon pool.
type world struct {
	*rig.Rig
	t    *testing.T
	mon  *handler
	sup  *counting
	log  *rig.Buffer
	mail *rig.Sendmail
}

// counting is a Supervisor that counts the calls memmon's process table
// makes: every call but the restarts' stopProcess and startProcess.
type counting struct {
	restart.Supervisor
	calls atomic.Int64
}

func (c *counting) GetAllProcessInfo(ctx context.Context) ([]rpc.ProcessInfo, error) {
	c.calls.Add(1)
	return c.Supervisor.GetAllProcessInfo(ctx)
}

func (c *counting) GetProcessInfo(ctx context.Context, name string) (rpc.ProcessInfo, error) {
	c.calls.Add(1)
	return c.Supervisor.GetProcessInfo(ctx, name)
}

func (c *counting) Multicall(ctx context.Context, calls ...rpc.MethodCall) ([]rpc.MulticallResult, error) {
	c.calls.Add(1)
	return c.Supervisor.Multicall(ctx, calls...)
}

func (c *counting) GetPID(ctx context.Context) (int, error) {
	c.calls.Add(1)
	return c.Supervisor.GetPID(ctx)
}

type setup struct {
	programs []testharness.Program
	events   []listener.EventType // the pool's subscriptions; TICK_5 if nil
	groups   []testharness.Group
	cfg      config // mail: mailTo mails through the world's sendmail
	clock    clock.Clock
}

// start runs the programs under an emulated supervisord with a memmon pool
// subscribed to TICK_5, and waits until every program's memory is in place.
func start(t *testing.T, st setup) *world {
	t.Helper()
	w := &world{t: t, log: &rig.Buffer{}, mail: rig.NewSendmail(t)}
	cfg := st.cfg
	cfg.self = selection.Self{Group: "memmon", Name: "memmon"}
	cfg.log = log.New(w.log)
	if cfg.mail != nil {
		sender, err := mail.NewSendmail(w.mail.Command())
		rig.Must(t, err)
		d := *cfg.mail
		d.Sender = sender
		cfg.mail = &d
		cfg.mailRetry = retry.Policy{MaxAttempts: 1}
	}
	cfg.outbox.Dir = t.TempDir()
	cfg.outbox.Retry = retry.Policy{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	events := st.events
	if events == nil {
		events = []listener.EventType{listener.Tick5}
	}
	w.Rig = rig.Start(t, rig.Config{
		Pool: "memmon", Events: events, RPC: true, Clock: st.clock,
		Programs: st.programs, Groups: st.groups,
		Handler: func(r *rig.Rig) listener.Handler {
			w.sup = &counting{Supervisor: r.Client}
			mon, err := newHandler(cfg, w.sup)
			rig.Must(t, err)
			w.mon = mon
			return mon
		},
	})
	for _, p := range st.programs {
		if !p.NoAutostart {
			waitMemory(t, w.Sup, p)
		}
	}
	return w
}

var memhogFlag = regexp.MustCompile(`-(mb|children|child-mb) (\d+)`)

// waitMemory waits until every process of prog, with its descendants,
// holds the memory its memhog command line asks for.
func waitMemory(t *testing.T, sup *testharness.Supervisor, prog testharness.Program) {
	t.Helper()
	flags := map[string]uint64{}
	for _, m := range memhogFlag.FindAllStringSubmatch(strings.Join(prog.Command, " "), -1) {
		n, _ := strconv.Atoi(m[2])
		flags[m[1]] = uint64(n)
	}
	want := (flags["mb"] + flags["children"]*flags["child-mb"]) * mib
	r, err := procmem.NewReader("")
	rig.Must(t, err)
	defer r.Close()
	deadline := time.Now().Add(20 * time.Second)
	for _, p := range sup.Processes() {
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
				t.Fatalf("%s did not reach %d bytes: %d, %v", p.Namespec(), want, got, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func (w *world) waitMemory(prog testharness.Program) { waitMemory(w.t, w.Sup, prog) }

func (w *world) ctx() context.Context { return rig.Context(w.t) }

// tick sends one TICK_5 and waits until memmon has answered it.
func (w *world) tick() { w.Tick(listener.Tick5) }

// settle waits until no restart is in flight and the background mail is
// out, by shutting the handler down; the world is done after.
func (w *world) settle() { w.Settle() }

func (w *world) restarts(process string) int { return w.Restarts(process) }

func (w *world) stops(process string) int { return w.Stops(process) }

// waitLog waits until the log's messages match pattern.
func (w *world) waitLog(pattern string) {
	w.t.Helper()
	rig.Eventually(w.t, "memmon's log", w.log.Messages, pattern)
}

// lines returns the log's messages matching pattern.
func (w *world) lines(pattern string) []string {
	re := regexp.MustCompile(pattern)
	var out []string
	for l := range strings.SplitSeq(w.log.Messages(), "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// mails waits for n mails and returns them in subject order.
func (w *world) mails(n int) []rig.Mail {
	w.t.Helper()
	return w.mail.Wait(n)
}

func (w *world) mailCount() int { return len(w.mail.Mails()) }
