package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/golance/golance/testharness/supervisord"
)

// recorded is one event the recorder wrote down.
type recorded struct {
	Name    string `json:"name"`
	Payload string `json:"payload"`
}

func readRecorded(t *testing.T, path string) []recorded {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []recorded
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var e recorded
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			break // a line being written
		}
		out = append(out, e)
	}
	return out
}

// fidelityEnv points the configuration at a side's files.
func fidelityEnv(t *testing.T, record, ctl string) {
	dir, err := filepath.Abs("testdata/fidelity")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FIDELITY_DIR", dir)
	t.Setenv("FIDELITY_RECORD", record)
	t.Setenv("FIDELITY_CTL", ctl)
}

// TestFidelityOfVerbs plays testdata/fidelity/scenario.txtar, which uses
// every verb, through supervisor-harness, and does the same to the real
// supervisord with a real program (puppet.sh, told what to do through a
// FIFO) and XML-RPC; the recording listener must see the same events
// with the same payloads, per process, in both (pids and tick times
// normalised). So a scenario that passes here passes under supervisord.
func TestFidelityOfVerbs(t *testing.T) {
	requireTools(t, "python3")
	supervisord.Require(t)
	conf, err := os.ReadFile("testdata/fidelity/supervisord.conf")
	if err != nil {
		t.Fatal(err)
	}

	// The real supervisord.
	realRecord := filepath.Join(t.TempDir(), "real.jsonl")
	ctl := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(ctl, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	fidelityEnv(t, realRecord, ctl)
	sv := supervisord.Start(t, supervisord.Config{Sections: string(conf)})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	drive := realDriver{t: t, ctx: ctx, c: sv.Client, ctl: ctl, record: realRecord}
	drive.state("web", listener.StateRunning)
	drive.tell("exit 1") // crash web
	drive.events("web", "PROCESS_STATE_RUNNING", 2)
	drive.tell("exit 0") // exit web 0
	drive.state("web", listener.StateExited)
	must(t, sv.Client.StartProcess(ctx, "web", true)) // start web
	drive.tell("log hello wörld, in a line longer than the capture token")
	drive.events("web", "PROCESS_LOG_STDOUT", 1)
	drive.tell("comm note ü")
	drive.events("web", "PROCESS_COMMUNICATION_STDOUT", 1)
	drive.tell("logerr an error line, also longer than the capture token")
	drive.events("web", "PROCESS_LOG_STDERR", 1)
	must(t, sv.Client.SendRemoteCommEvent(ctx, "kind", "some data"))
	must(t, sv.Client.StopProcess(ctx, "web", true))
	must(t, sv.Client.StartProcess(ctx, "web", true))
	must(t, sv.Client.StopProcess(ctx, "web", true)) // supervisorctl restart web
	must(t, sv.Client.StartProcess(ctx, "web", true))
	must(t, os.WriteFile(filepath.Join(ctl, "fatal"), nil, 0o600)) // fatal web
	drive.tell("exit 1")
	drive.state("web", listener.StateFatal)
	drive.events("", "TICK_5", 1) // tick
	must(t, sv.Client.SendRemoteCommEvent(ctx, "marker", "end"))
	drive.events("", "REMOTE_COMMUNICATION", 2)
	real := readRecorded(t, realRecord)
	must(t, sv.Stop())

	// The harness, on the scenario.
	harnessRecord := filepath.Join(t.TempDir(), "harness.jsonl")
	fidelityEnv(t, harnessRecord, t.TempDir())
	var stdout, stderr bytes.Buffer
	code := cli.Execute(context.Background(), NewCommand(), []string{"-c", "testdata/fidelity/supervisord.conf", "testdata/fidelity/scenario.txtar"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("supervisor-harness exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	fake := readRecorded(t, harnessRecord)

	compareVerbs(t, real, fake)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// realDriver does to the real supervisord what a scenario's verbs do.
type realDriver struct {
	t      *testing.T
	ctx    context.Context
	c      *rpc.Client
	ctl    string
	record string
}

// tell writes one verb to the puppet's FIFO.
func (d realDriver) tell(line string) {
	d.t.Helper()
	f, err := os.OpenFile(filepath.Join(d.ctl, "fifo"), os.O_WRONLY, 0)
	must(d.t, err)
	_, err = fmt.Fprintln(f, line)
	must(d.t, err)
	must(d.t, f.Close())
}

func (d realDriver) wait(what string, cond func() bool) {
	d.t.Helper()
	for !cond() {
		select {
		case <-d.ctx.Done():
			d.t.Fatalf("under the real supervisord, never: %s; recorded:\n%v", what, readRecorded(d.t, d.record))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (d realDriver) state(name string, want listener.State) {
	d.t.Helper()
	d.wait(fmt.Sprintf("%s %s", name, want), func() bool {
		info, err := d.c.GetProcessInfo(d.ctx, name)
		return err == nil && info.State == want
	})
}

// events waits until the recorder has n events named name about process
// ("" for events about none).
func (d realDriver) events(process, name string, n int) {
	d.t.Helper()
	d.wait(fmt.Sprintf("%d %s about %q", n, name, process), func() bool {
		count := 0
		for _, e := range readRecorded(d.t, d.record) {
			if e.Name == name && processOf(e) == process {
				count++
			}
		}
		return count >= n
	})
}

func processOf(e recorded) string {
	ev := listener.Event{Header: listener.Header{EventName: listener.EventType(e.Name)}, Payload: e.Payload}
	f := ev.Fields()
	if name, ok := f["processname"]; ok {
		return listener.Namespec(f["groupname"], name)
	}
	return ""
}

var pidField = regexp.MustCompile(`pid:\d+`)

// byProcess splits events by the process they are about, pids
// normalised; ticks are counted apart, since supervisord sends them by
// the wall clock.
func byProcess(events []recorded) (map[string][]string, []string, int) {
	out := map[string][]string{}
	var other []string
	ticks := 0
	for _, e := range events {
		key := e.Name + " " + pidField.ReplaceAllString(e.Payload, "pid:N")
		switch p := processOf(e); {
		case e.Name == "TICK_5":
			ticks++
		case p != "":
			out[p] = append(out[p], key)
		default:
			other = append(other, key)
		}
	}
	return out, other, ticks
}

func compareVerbs(t *testing.T, real, fake []recorded) {
	t.Helper()
	realBy, realOther, realTicks := byProcess(real)
	fakeBy, fakeOther, fakeTicks := byProcess(fake)
	for _, p := range []string{"web", "rec"} {
		if !slices.Equal(realBy[p], fakeBy[p]) {
			t.Errorf("events about %s differ:\nsupervisord:\n\t%s\nsupervisor-harness:\n\t%s", p,
				strings.Join(realBy[p], "\n\t"), strings.Join(fakeBy[p], "\n\t"))
		}
	}
	if len(realBy["web"]) < 15 {
		t.Errorf("only %d events about web: the scenario did not run", len(realBy["web"]))
	}
	if !slices.Equal(realOther, fakeOther) {
		t.Errorf("events about no process differ:\nsupervisord: %q\nsupervisor-harness: %q", realOther, fakeOther)
	}
	if realTicks == 0 || fakeTicks == 0 {
		t.Errorf("TICK_5 events: %d from supervisord, %d from supervisor-harness; want some from both", realTicks, fakeTicks)
	}
	for _, e := range slices.Concat(real, fake) {
		if e.Name == "TICK_5" {
			var when int64
			if _, err := fmt.Sscanf(e.Payload, "when:%d", &when); err != nil || when%5 != 0 {
				t.Errorf("TICK_5 payload %q", e.Payload)
			}
		}
	}
}
