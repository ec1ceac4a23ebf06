package memmon

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness/supervisord"
)

// runtimeSupervisord runs three copies of a sleeper under the real
// supervisord 4.2.5 with memmon given args, on TICK_5, and returns a
// function reading memmon's log messages.
func runtimeSupervisord(t *testing.T, args string) (*supervisord.Supervisord, func() string) {
	t.Helper()
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:sleep]
		command=sleep infinity
		numprocs=3
		process_name=%(program_name)s_%(process_num)02d
		startsecs=0

		[eventlistener:memmon]
		command=` + rig.Binary(t, "memmon") + ` ` + args + `
		events=TICK_5
	`, WaitTimeout: time.Minute})
	_, stderr := sv.ChildLogs(t, "memmon")
	return sv, func() string {
		b, _ := os.ReadFile(stderr)
		return testkit.Messages(string(b))
	}
}

// Each copy of a numprocs program is restarted once past its run-time
// limit plus its own share of the jitter, within the restart budget it
// shares with memory restarts: the next time it is due, the budget says no.
func TestIntegrationRuntimeLimitRestarts(t *testing.T) {
	t.Parallel()
	sv, messages := runtimeSupervisord(t, "--max-runtime sleep=2 --max-runtime-jitter 6 --max-restarts 1 --restart-window 1h")
	ctx := context.Background()
	before := map[string]int{}
	for i := range 3 {
		name := fmt.Sprintf("sleep:sleep_%02d", i)
		info, err := sv.Client.GetProcessInfo(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		before[name] = info.PID
	}
	// The last copy is due 8 s after its start, at the second tick, and
	// refused at the fourth, 20 s after memmon's start: longer than
	// Eventually's own wait on a loaded machine.
	for name := range before {
		rig.EventuallyWithin(t, time.Minute, "memmon's log", messages, `Not restarting `+regexp.QuoteMeta(name)+` .*restart budget spent`)
	}
	log := messages()
	for name, pid := range before {
		jitter := spread(name, 6*time.Second)
		pname := regexp.QuoteMeta(name)
		if !regexp.MustCompile(`(?m)^Restarting `+pname+`$`).MatchString(log) ||
			!regexp.MustCompile(`(?m)^`+pname+` restarted$`).MatchString(log) {
			t.Errorf("%s was not restarted:\n%s", name, log)
		}
		refused := regexp.MustCompile(`(?m)^Not restarting ` + pname + ` \(up (\d+)s, past --max-runtime sleep=2 \(\+` + jitter.String() + `\)\): restart budget spent`).FindStringSubmatch(log)
		if refused == nil {
			t.Errorf("%s: no refusal naming its uptime and its %v of jitter:\n%s", name, jitter, log)
		}
		info, err := sv.Client.GetProcessInfo(ctx, name)
		if err != nil || info.PID == pid || info.State != listener.StateRunning {
			t.Errorf("%s: %+v, %v; was pid %d", name, info, err, pid)
		}
	}
}

// --max-runtime-action stop leaves the process stopped, and a process
// outside the limit's selection is left alone.
func TestIntegrationRuntimeLimitStops(t *testing.T) {
	t.Parallel()
	sv, messages := runtimeSupervisord(t, "--max-runtime sleep:sleep_01=1 --max-runtime-jitter 0 --max-runtime-action stop")
	rig.Eventually(t, "memmon's log", messages, `(?m)^sleep:sleep_01 stopped$`)
	sv.WaitLog(t, `stopped: sleep_01 \(terminated by SIGTERM\)`)
	// One more tick: still stopped, nothing else touched.
	offset := sv.LogSize()
	sv.WaitLogSince(t, offset, `memmon: BUSY -> ACKNOWLEDGED`)
	ctx := context.Background()
	if info, err := sv.Client.GetProcessInfo(ctx, "sleep:sleep_01"); err != nil || info.State != listener.StateStopped {
		t.Fatalf("sleep_01: %+v, %v", info, err)
	}
	for _, name := range []string{"sleep:sleep_00", "sleep:sleep_02"} {
		if info, err := sv.Client.GetProcessInfo(ctx, name); err != nil || info.State != listener.StateRunning {
			t.Errorf("%s: %+v, %v", name, info, err)
		}
	}
	if n := strings.Count(sv.Log(), "stopped: sleep_"); n != 1 {
		t.Errorf("%d stops:\n%s", n, sv.Log())
	}
}

// Inside --max-runtime-not-during, a process past its limit waits, said
// once, and is not restarted.
func TestIntegrationRuntimeLimitWaitsOutsideWindow(t *testing.T) {
	t.Parallel()
	now := time.Now()
	window := now.Add(-time.Hour).Format("15:04") + "-" + now.Add(time.Hour).Format("15:04")
	sv, messages := runtimeSupervisord(t, "--max-runtime sleep=1 --max-runtime-jitter 0 --max-runtime-not-during "+window)
	sv.WaitLog(t, `(?s)(memmon: BUSY -> ACKNOWLEDGED.*){3}`)
	log := messages()
	for i := range 3 {
		line := fmt.Sprintf(`(?m)^sleep:sleep_%02d is up \d+s, past --max-runtime sleep=1 \(\+0s\); waiting for the end of --max-runtime-not-during %s$`, i, window)
		if n := len(regexp.MustCompile(line).FindAllString(log, -1)); n != 1 {
			t.Errorf("sleep_%02d: %d waiting lines in:\n%s", i, n, log)
		}
	}
	if strings.Contains(log, "Restarting") || strings.Contains(sv.Log(), "stopped: sleep_") {
		t.Errorf("a process was restarted inside the window:\n%s", log)
	}
}
