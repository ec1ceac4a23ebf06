package crashinfo

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness/supervisord"
)

// Fetch against the real supervisord 4.2.5, at its default loglevel.
func TestFetchRealSupervisord(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)

	// A stderr log whose last tailBytes start inside a character, which
	// supervisord cannot decode.
	dir := t.TempDir()
	text := "x" + strings.Repeat("é", tailBytes/2+5000) + "\nlast line\n"
	if utf8.RuneStart(text[len(text)-tailBytes]) {
		text = "x" + text
	}
	must(t, os.WriteFile(filepath.Join(dir, "utf8.txt"), []byte(text), 0o644))

	sv := supervisord.Start(t, supervisord.Config{LogLevel: "info", Sections: `
		[program:web]
		; exits 3, then 4, restarted at once each time, then stays up
		command=sh -c 'n=$(cat %(here)s/web.n 2>/dev/null || echo 3); if [ $n -ge 5 ]; then exec sleep 1000; fi; echo $((n+1)) > %(here)s/web.n; echo "run $n" >&2; sleep 0.3; exit $n'
		startsecs=0

		[program:killed]
		command=sh -c 'sleep 0.3; kill -9 $$'
		startsecs=0
		autorestart=false

		[program:nocmd]
		command=/nonexistent/nocmd
		startretries=0

		[program:merged]
		command=sh -c 'echo "to stderr, redirected" >&2; exec sleep 1000'
		redirect_stderr=true

		[program:utf8]
		command=sh -c 'cat ` + filepath.Join(dir, "utf8.txt") + ` >&2; exec sleep 1000'
	`})
	sv.WaitLog(t, `exited: web \(exit status 4; not expected\)`)
	sv.WaitLog(t, `exited: killed \(terminated by SIGKILL; not expected\)`)
	sv.WaitLog(t, `gave up: nocmd entered FATAL state`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := sv.Client

	var pids []int
	for _, m := range regexp.MustCompile(`spawned: 'web' with pid (\d+)`).FindAllStringSubmatch(sv.Log(), -1) {
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	if len(pids) < 2 {
		t.Fatalf("web spawned as %v:\n%s", pids, sv.Log())
	}
	for i, want := range []string{"exit status 3", "exit status 4"} {
		d := Fetch(ctx, c, exited("web", "web", pids[i]), Options{TailLines: 5})
		if d.Info == nil || d.Info.PID == pids[i] {
			t.Fatalf("getProcessInfo: %+v, %v", d.Info, d.InfoErr)
		}
		if d.Exit != (Exit{Cause: want}) || !d.RanForKnown || d.RanFor < 250*time.Millisecond || d.RanFor > 5*time.Second {
			t.Errorf("run %d (pid %d): exit %+v (%v) after %v; want %s after about 0.3s", i, pids[i], d.Exit, d.ExitErr, d.RanFor, want)
		}
		if len(d.Logs) != 2 || lines(d.Logs[0]) != "run 3|run 4" || d.Logs[1].Channel != "stdout" || lines(d.Logs[1]) != "" {
			t.Errorf("logs %+v", d.Logs)
		}
	}

	info, err := c.GetProcessInfo(ctx, "killed")
	must(t, err)
	m := regexp.MustCompile(`spawned: 'killed' with pid (\d+)`).FindStringSubmatch(sv.Log())
	if m == nil {
		t.Fatalf("killed's spawn is not in the log:\n%s", sv.Log())
	}
	pid, _ := strconv.Atoi(m[1])
	if d := Fetch(ctx, c, exited("killed", "killed", pid), Options{}); d.Exit != (Exit{Cause: "terminated by SIGKILL"}) || info.ExitStatus != -1 {
		t.Errorf("killed: %+v, %v (exitstatus %d)", d.Exit, d.ExitErr, info.ExitStatus)
	}

	fatal := listener.ProcessStateEvent{ProcessName: "nocmd", GroupName: "nocmd", State: listener.StateFatal, FromState: listener.StateBackoff}
	if d := Fetch(ctx, c, fatal, Options{TailLines: 5}); !d.Exit.IsZero() || d.ExitErr != nil || d.SpawnErr != "can't find command '/nonexistent/nocmd'" {
		t.Errorf("nocmd: exit %+v, %v; spawn error %q", d.Exit, d.ExitErr, d.SpawnErr)
	}

	running := func(name string) listener.ProcessStateEvent {
		return listener.ProcessStateEvent{ProcessName: name, GroupName: name, State: listener.StateRunning, FromState: listener.StateStarting}
	}
	stdout, stderr := sv.ChildLogs(t, "merged")
	if _, err := supervisord.WaitFile(ctx, stdout, 0, regexp.MustCompile(`redirected\n`)); err != nil || stderr != "" {
		t.Fatalf("merged's stdout log %q: %v; stderr log %q", stdout, err, stderr)
	}
	if d := Fetch(ctx, c, running("merged"), Options{TailLines: 5, Logs: StderrOnly}); len(d.Logs) != 1 || d.Logs[0].Channel != "stdout" || lines(d.Logs[0]) != "to stderr, redirected" {
		t.Errorf("merged: %+v", d.Logs)
	}

	_, stderr = sv.ChildLogs(t, "utf8")
	if _, err := supervisord.WaitFile(ctx, stderr, 0, regexp.MustCompile(`last line\n`)); err != nil {
		t.Fatal(err)
	}
	// The end of this log, cut at tailBytes, starts inside a character,
	// which supervisord cannot answer; listener/rpc moves the cut
	// (TestTailCutInsideACharacter there shows supervisord failing).
	if d := Fetch(ctx, c, running("utf8"), Options{TailLines: 1, Logs: StderrOnly}); len(d.Logs) != 1 || d.Logs[0].Err != nil || lines(d.Logs[0]) != "last line" {
		t.Errorf("utf8: %+v", d.Logs)
	}
}
