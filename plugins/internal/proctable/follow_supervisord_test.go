package proctable

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/testharness/supervisord"
)

// syncType is the REMOTE_COMMUNICATION type of the markers sync sends:
// supervisord queues events in order, so once the relay hands over a
// marker, every event sent before it has been applied.
const syncType = "proctable-sync"

// supervisordWorld is a real supervisord 4.2.5 whose events reach the
// events table through the relay listener.
type supervisordWorld struct {
	sd      *supervisord.Supervisord
	base    string // the configuration without the optional groups
	child   string // the settings every child program has
	markers chan string
	n       int
}

func (w *supervisordWorld) client() *rpc.Client { return w.sd.Client }

func (w *supervisordWorld) sync(t *testing.T) {
	t.Helper()
	w.n++
	want := strconv.Itoa(w.n)
	if err := w.sd.Client.SendRemoteCommEvent(context.Background(), syncType, want); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case got := <-w.markers:
			if got == want {
				return
			}
		case <-timeout:
			t.Fatalf("the relay did not pass marker %s on", want)
		}
	}
}

// setGroups rewrites the configuration and applies it as supervisorctl
// update does: reloadConfig, then removeProcessGroup for the groups
// removed or changed (once stopped) and addProcessGroup for those added
// or changed.
func (w *supervisordWorld) setGroups(t *testing.T, to groups) bool {
	t.Helper()
	var b strings.Builder
	b.WriteString(w.base)
	if to.extra > 0 {
		fmt.Fprintf(&b, "\n[program:extra]\nnumprocs=%d\nprocess_name=%%(program_name)s_%%(process_num)d\n%s", to.extra, w.child)
	}
	if to.spare {
		fmt.Fprintf(&b, "\n[program:spare]\nautostart=false\n%s", w.child)
	}
	if err := os.WriteFile(w.sd.ConfigPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	changes, err := w.sd.Client.ReloadConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return applyGroups(t, w.sd.Client, to, &changes)
}

func TestFollowSupervisord(t *testing.T) {
	seed, steps := seed(t)
	if steps == 0 {
		steps = 12
		if long() {
			steps = 80
		}
	}
	bin := testBinary(t)
	ready := t.TempDir()
	// A unix socket path must stay under about 100 bytes.
	sockDir, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "relay")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	child := fmt.Sprintf("command=%s\nenvironment=%s=\"child\",%s=\"%s\"\nstartsecs=0\nstopwaitsecs=5\n", bin, roleVar, readyVar, ready)
	sections := fmt.Sprintf(`
[program:solo]
%[1]s
[group:duo]
programs=left,right

[program:left]
%[1]s
[program:right]
%[1]s
[program:pool]
numprocs=3
process_name=%%(program_name)s_%%(process_num)d
%[1]s
[program:lazy]
autostart=false
%[1]s
[program:fail]
command=%[2]s
environment=%[3]s="fail"
autostart=false
startsecs=1
startretries=0

[eventlistener:relay]
command=%[2]s
environment=%[3]s="relay",%[4]s="%[5]s"
events=PROCESS_STATE,PROCESS_GROUP,REMOTE_COMMUNICATION
buffer_size=1024
startsecs=0
`, child, bin, roleVar, socketVar, sock)
	sd := supervisord.Start(t, supervisord.Config{Sections: sections, LogLevel: "info"})
	base, err := os.ReadFile(sd.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	w := &supervisordWorld{sd: sd, base: string(base), child: child, markers: make(chan string, 16)}
	q := sequence{t: t, w: w, c: sd.Client, rng: rand.New(rand.NewPCG(seed, 0)), seed: seed,
		extraSizes: []int{0, 1, 2}, ready: ready, fake: clock.NewFake(time.Unix(1_800_000_000, 0))}
	q.evc = &counting{Supervisor: sd.Client}
	q.tickc = &counting{Supervisor: sd.Client}
	// The tables run in the test, beside supervisord rather than under
	// it, so they are told its pid.
	q.ev = newTable(t, q.evc, Config{SupervisorPID: sd.PID, Refresh: -1})
	q.tick = newTable(t, q.tickc, Config{SupervisorPID: sd.PID, Refresh: time.Hour, Clock: q.fake})

	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	feeding := make(chan struct{})
	go func() {
		defer close(feeding)
		dec := json.NewDecoder(conn)
		for {
			var r relayed
			if err := dec.Decode(&r); err != nil {
				return // supervisord stopped the relay
			}
			ev := listener.Event{Header: r.Header, Payload: r.Payload}
			if _, err := q.ev.Observe(context.Background(), ev); err != nil {
				t.Errorf("Observe(%s): %v", ev.EventName, err)
			}
			if ev.EventName == listener.RemoteCommunication {
				if rc, err := ev.RemoteCommunication(); err == nil && rc.Type == syncType {
					w.markers <- rc.Data
				}
			}
			if _, err := conn.Write([]byte("ok\n")); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-feeding
	})
	q.run(steps)
}
