package eventdump

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/testharness/supervisord"
)

// TestRealSupervisordUTF8 runs the real eventdump binary under the real
// supervisord with a program whose output is full of multi-byte UTF-8. Every
// line must arrive intact, and the listener must never be restarted or put in
// UNKNOWN: supervisord counts len in code points, so a listener that read
// bytes would fall out of step at the first é.
func TestRealSupervisordUTF8(t *testing.T) {
	sv, gotOut, gotErr, wantOut, wantErr := runTalker(t, "")
	if gotOut != wantOut {
		t.Errorf("stdout text changed in transit:\n got %q\nwant %q", gotOut, wantOut)
	}
	if gotErr != wantErr {
		t.Errorf("stderr text changed in transit:\n got %q\nwant %q", gotErr, wantErr)
	}
	log := sv.Log()
	if strings.Contains(log, "-> UNKNOWN") || strings.Contains(log, "bad result line") {
		t.Errorf("the listener went UNKNOWN:\n%s", log)
	}
	if n := strings.Count(log, "spawned: 'dump'"); n != 1 {
		t.Errorf("eventdump was spawned %d times, want once (never restarted)", n)
	}
	if strings.Contains(log, "exited: dump") {
		t.Errorf("eventdump exited:\n%s", log)
	}
}

// TestRealSupervisordByteCountingDesyncs is the control for the test above:
// the same run with len read as bytes goes wrong, as supervisor issue #1243
// describes, so the test above would catch a listener that counted bytes.
func TestRealSupervisordByteCountingDesyncs(t *testing.T) {
	sv, gotOut, gotErr, wantOut, wantErr := runTalker(t, "--byte-lengths")
	if gotOut == wantOut && gotErr == wantErr && !strings.Contains(sv.Log(), "exited: dump") {
		t.Fatal("a byte-counting listener read supervisord 4's stream intact; the UTF-8 test proves nothing")
	}
}

// runTalker runs eventdump (with extra flags) under the real supervisord
// next to a program that writes 40 lines of multi-byte UTF-8 to each of
// stdout and stderr, and returns the text eventdump recorded per channel
// and the text written.
func runTalker(t *testing.T, flags string) (sv *supervisord.Supervisord, gotOut, gotErr, wantOut, wantErr string) {
	bin := rig.Binary(t, "eventdump")
	var stdoutText, stderrText strings.Builder
	var script strings.Builder
	for i := 0; i < 40; i++ {
		out := strings.Repeat("é€🙂", i%7+1) + " line " + strings.Repeat("x", i) + " ünïcödé 日本語\n"
		errLine := "err " + strings.Repeat("€", i%5+1) + " 🎉\n"
		stdoutText.WriteString(out)
		stderrText.WriteString(errLine)
		script.WriteString("printf '%s' '" + out + "'\n")
		script.WriteString("printf '%s' '" + errLine + "' >&2\n")
		script.WriteString("sleep 0.01\n") // one read(), and so one event, per line
	}
	dir := t.TempDir()
	talker := filepath.Join(dir, "talker.sh")
	if err := os.WriteFile(talker, []byte("#!/bin/sh\n"+script.String()+"exec sleep 1000\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sv = supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:dump]
		command=` + bin + ` ` + flags + ` --output %(here)s/events.jsonl
		events=PROCESS_LOG
		buffer_size=200
		priority=1

		[program:talker]
		command=` + talker + `
		startsecs=0
		stdout_events_enabled=true
		stderr_events_enabled=true
		priority=10
	`})
	events := filepath.Join(sv.Dir, "events.jsonl")
	// Stdout and stderr events interleave and arrive over a second or so;
	// read the dump until both texts are complete or time runs out.
	wantOut, wantErr = stdoutText.String(), stderrText.String()
	deadline := time.Now().Add(20 * time.Second)
	for {
		gotOut, gotErr = readChannels(t, events)
		complete := gotOut == wantOut && gotErr == wantErr
		// A listener that lost step with the stream exits; no need to wait.
		if complete || strings.Contains(sv.Log(), "exited: dump") || time.Now().After(deadline) {
			return sv, gotOut, gotErr, wantOut, wantErr
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readChannels concatenates the data of the dumped log events per channel.
func readChannels(t *testing.T, path string) (stdout, stderr string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		if r.Data == nil {
			t.Fatalf("log event without data: %s", line)
		}
		switch r.Fields["channel"] {
		case "stdout":
			out.WriteString(*r.Data)
		case "stderr":
			errs.WriteString(*r.Data)
		}
	}
	return out.String(), errs.String()
}
