package testharness

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/golance/golance/listener"
)

// A listener in another language: Python, with supervisor.childutils,
// which also talks to the fake XML-RPC server through Python's
// xmlrpc.client.
func TestPythonChildutilsListener(t *testing.T) {
	t.Parallel()
	requireSupervisorPython(t)
	script, err := filepath.Abs("testdata/childutils_listener.py")
	must(t, err)
	record := filepath.Join(t.TempDir(), "record.jsonl")
	s := Start(t, Config{
		Identifier: "pylab",
		RPC:        true,
		Pools: []Pool{{Name: "py", Events: []listener.EventType{listener.ProcessState, listener.RemoteCommunication},
			ProcessConfig: ProcessConfig{Command: []string{supervisorPython, "-u", script}, Env: []string{"RECORD=" + record}}}},
		Programs: []Program{{Name: "app", ProcessConfig: ProcessConfig{NoAutostart: true}}},
	})
	ctx := testCtx(t)
	must(t, procOf(t, s, "app").Start(ctx, true))
	s.Notify(NewRemoteCommunicationEvent("greeting", "héllo wörld ü — multi-byte"))
	s.Notify(NewRemoteCommunicationEvent("flaky", "fail-once"))
	must(t, s.WaitIdle(ctx))

	tr := s.Transcript()
	if tr.WentUnknown("py") {
		t.Fatalf("the Python listener broke the protocol:\n%s", tr)
	}
	if stderr := procOf(t, s, "py").Stderr(); stderr != "" {
		t.Fatalf("the Python listener wrote to stderr:\n%s", stderr)
	}
	f, err := os.Open(record)
	must(t, err)
	defer f.Close()
	type entry struct {
		Headers        map[string]string `json:"headers"`
		Payload        string            `json:"payload"`
		Self           string            `json:"self"`
		Identification string            `json:"identification"`
	}
	var got []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e entry
		must(t, json.Unmarshal(sc.Bytes(), &e))
		got = append(got, e)
	}
	must(t, sc.Err())
	deliveries := tr.Deliveries("py")
	if len(got) != len(deliveries) {
		t.Fatalf("python recorded %d events, the harness sent %d:\n%s", len(got), len(deliveries), tr)
	}
	for i, d := range deliveries {
		e := got[i]
		if e.Payload != d.Payload || e.Headers["eventname"] != string(d.EventName) || e.Headers["server"] != "pylab" ||
			e.Headers["pool"] != "py" || e.Headers["serial"] != itoa64(d.Serial) || e.Headers["poolserial"] != itoa64(d.PoolSerial) {
			t.Errorf("event %d: python read %+v, harness sent %+v", i, e, d)
		}
	}
	var names []string
	for _, e := range got {
		names = append(names, e.Headers["eventname"])
	}
	want := []string{"PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING", "PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING",
		"REMOTE_COMMUNICATION", "REMOTE_COMMUNICATION", "REMOTE_COMMUNICATION"}
	if !slices.Equal(names, want) {
		t.Fatalf("events %v, want %v", names, want)
	}
	last := got[len(got)-1]
	if last.Self != "RUNNING" || last.Identification != "pylab" {
		t.Errorf("the XML-RPC call from Python returned %q, %q", last.Self, last.Identification)
	}
	// The transcript knows the calls came from the listener: three
	// REMOTE_COMMUNICATION deliveries (one redelivered), two calls each.
	var calls []string
	for _, c := range tr.Calls("py") {
		calls = append(calls, c.String())
	}
	pair := []string{"supervisor.getProcessInfo('py')", "supervisor.getIdentification()"}
	if want := slices.Concat(pair, pair, pair); !slices.Equal(calls, want) {
		t.Errorf("calls from py %q, want %q", calls, want)
	}
	var bodies []string
	for _, r := range tr.Results("py") {
		bodies = append(bodies, r.Body)
	}
	if !slices.Equal(bodies, []string{"OK", "OK", "OK", "OK", "OK", "FAIL", "OK"}) {
		t.Errorf("results %q", bodies)
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
