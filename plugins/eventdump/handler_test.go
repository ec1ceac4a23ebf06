package eventdump

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/golance/golance/internal/testkit/rig"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/golance/golance/listener"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"eventdump": Main})
}

func TestScripts(t *testing.T) {
	rig.Scripts(t, testscript.Params{Dir: "testdata/script"})
}

const capturePath = "../../listener/testdata/captures/supervisord-4.2.5.bin"

func TestDumpsTheRealCapture(t *testing.T) {
	stream, err := os.ReadFile(capturePath)
	if err != nil {
		t.Fatal(err)
	}
	var out, protocol bytes.Buffer
	quiet := listener.WithLogger(slog.New(slog.DiscardHandler))
	if err := listener.Serve(context.Background(), bytes.NewReader(stream), &protocol, newHandler(&out), quiet); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(protocol.String(), "RESULT 2\nOK"); n != 28 {
		t.Fatalf("%d events acknowledged, want 28", n)
	}
	var recs []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 28 {
		t.Fatalf("%d lines, want 28", len(recs))
	}
	byName := map[string]map[string]any{}
	for i, r := range recs {
		if r["serial"] != float64(i) || r["poolserial"] != float64(i) || r["pool"] != "rec" {
			t.Errorf("line %d: %v", i, r)
		}
		byName[r["eventname"].(string)] = r
	}
	stderr := byName["PROCESS_LOG_STDERR"]
	if stderr["data"] != "price: 5€ 🙂\n" {
		t.Errorf("log data = %q", stderr["data"])
	}
	fields := stderr["fields"].(map[string]any)
	if fields["channel"] != "stderr" || fields["pid"] != "11644" || fields["processname"] != "talker" {
		t.Errorf("fields = %v", fields)
	}
	if byName["REMOTE_COMMUNICATION"]["data"] != "payload data ü" {
		t.Errorf("remote data = %v", byName["REMOTE_COMMUNICATION"]["data"])
	}
	if byName["PROCESS_COMMUNICATION_STDOUT"]["data"] != "comm dataé" {
		t.Errorf("comm data = %v", byName["PROCESS_COMMUNICATION_STDOUT"]["data"])
	}
	tick := byName["TICK_5"]
	if _, ok := tick["data"]; ok || tick["payload"] != "when:1795239760" || tick["fields"].(map[string]any)["when"] != "1795239760" {
		t.Errorf("tick = %v", tick)
	}
	if f := byName["SUPERVISOR_STATE_CHANGE_STOPPING"]["fields"]; len(f.(map[string]any)) != 0 {
		t.Errorf("empty payload has fields %v", f)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestFailedWriteRejectsTheEvent(t *testing.T) {
	ev := "ver:3.0 server:s serial:4 pool:p poolserial:4 eventname:TICK_5 len:6\nwhen:5"
	var protocol bytes.Buffer
	quiet := listener.WithLogger(slog.New(slog.DiscardHandler))
	if err := listener.Serve(context.Background(), strings.NewReader(ev), &protocol, newHandler(failingWriter{}), quiet); err != nil {
		t.Fatal(err)
	}
	if protocol.String() != "READY\nRESULT 4\nFAILREADY\n" {
		t.Fatalf("protocol %q", protocol.String())
	}
}
