package memmon

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit"
	"github.com/golance/golance/internal/testkit/killcheck"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/internal/testkit/stopcheck"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/testharness/supervisord"
)

// The scenario on the real supervisord 4.2.5: a program holding 120
// MB under memmon -p hog=50MB with TICK_5 events is restarted within two
// ticks, while a small program is left alone.
func TestIntegrationRestartsTheHog(t *testing.T) {
	t.Parallel()
	memhog := rig.Binary(t, "memhog")
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:hog]
		command=` + memhog + ` -mb 120
		startsecs=0

		[program:small]
		command=` + memhog + ` -mb 1
		startsecs=0

		[eventlistener:memmon]
		command=` + rig.Binary(t, "memmon") + ` -p hog=50MB -p small=50MB
		events=TICK_5
		priority=-10
	`})
	ctx := context.Background()
	sv.WaitLog(t, `success: memmon entered RUNNING state`)
	small, err := sv.Client.GetProcessInfo(ctx, "small")
	if err != nil || small.State != listener.StateRunning {
		t.Fatalf("small: %+v, %v", small, err)
	}
	hog, err := sv.Client.GetProcessInfo(ctx, "hog")
	if err != nil {
		t.Fatal(err)
	}

	sv.WaitLog(t, `stopped: hog \(`)
	sv.WaitLog(t, `spawned: 'hog' with pid`)
	_, stderrLog := sv.ChildLogs(t, "memmon")
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := supervisord.WaitFile(waitCtx, stderrLog, 0, regexp.MustCompile(`(?m) INFO hog:hog restarted$`)); err != nil {
		t.Fatal(err)
	}
	// Within two ticks: memmon checks once per tick, and it restarted hog
	// at its first or second check.
	b, err := os.ReadFile(stderrLog)
	if err != nil {
		t.Fatal(err)
	}
	log := testkit.Messages(string(b))
	before, _, _ := strings.Cut(log, "Restarting hog:hog")
	if n := strings.Count(before, "Checking programs hog=52428800, small=52428800"); n < 1 || n > 2 {
		t.Fatalf("restarted at tick %d:\n%s", n, log)
	}
	if m := regexp.MustCompile(`(?m)^RSS of hog:hog is (\d+)$`).FindStringSubmatch(log); m == nil {
		t.Errorf("hog's RSS is not reported:\n%s", log)
	} else if rss, _ := strconv.ParseUint(m[1], 10, 64); rss < 120*mib {
		t.Errorf("hog's RSS is reported as %d, below the 120 MiB it holds:\n%s", rss, log)
	}

	// One more tick: the small program is still the same process.
	offset := sv.LogSize()
	sv.WaitLogSince(t, offset, `memmon: ACKNOWLEDGED -> READY|event was processed`)
	now, err := sv.Client.GetProcessInfo(ctx, "small")
	if err != nil || now.PID != small.PID || now.State != listener.StateRunning {
		t.Fatalf("small was touched: %+v, %v", now, err)
	}
	if strings.Contains(sv.Log(), "stopped: small") {
		t.Fatalf("small was stopped:\n%s", sv.Log())
	}
	if again, _ := sv.Client.GetProcessInfo(ctx, "hog"); again.PID == hog.PID {
		t.Fatalf("hog still has pid %d", hog.PID)
	}
}

// The configurations docs/memmon.md shows load into the real supervisord,
// and memmon starts and serves with them: its start-up line and its check
// lines, no warning, no error.
func TestIntegrationDocExamples(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"memmon", "memmon-flap"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if stderr := rig.DocExample(t, name); !regexp.MustCompile(`(?m) INFO memmon: restarting what goes above its limit `).MatchString(stderr) {
				t.Fatalf("memmon wrote:\n%s", stderr)
			}
		})
	}
}

// Under the real supervisord, whose trace-level log names every XML-RPC
// call: the first tick reads every process, and the ticks after it, with
// nothing started or stopped, make no call at all, while memmon still
// measures every process at each of them.
func TestIntegrationQuietTicksCallNothing(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{LogLevel: "trace", Sections: `
		[program:sleep]
		command=sleep infinity
		numprocs=20
		process_name=%(program_name)s_%(process_num)02d
		startsecs=0
		stdout_logfile=NONE
		stderr_logfile=NONE

		[eventlistener:memmon]
		command=` + rig.Binary(t, "memmon") + ` -a 1GB
		events=TICK_5
	`})
	sv.WaitLog(t, `(?s)(memmon: BUSY -> ACKNOWLEDGED.*){3}`)
	testkit.QuietTicks(t, sv.Log(), "memmon")
	_, stderr := sv.ChildLogs(t, "memmon")
	b, err := os.ReadFile(stderr)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(testkit.Messages(string(b)), "RSS of sleep:sleep_07 is "); n < 3 {
		t.Errorf("sleep_07 measured %d times in 3 ticks:\n%s", n, b)
	}
}

// superlance's memmon given flags but no -p, -g or -a runs idle; so does
// memmon under the real supervisord: RUNNING after its ticks, with one line
// saying that nothing is selected, and no XML-RPC call at all.
func TestIntegrationNothingSelectedRunsIdle(t *testing.T) {
	t.Parallel()
	sv := supervisord.Start(t, supervisord.Config{LogLevel: "trace", Sections: `
		[program:sleep]
		command=sleep infinity
		startsecs=0

		[eventlistener:memmon]
		command=` + rig.Binary(t, "memmon") + ` -c -u 1h
		events=TICK_5
		startsecs=1
	`})
	sv.WaitLog(t, `success: memmon entered RUNNING state`)
	sv.WaitLog(t, `(?s)(memmon: BUSY -> ACKNOWLEDGED.*){2}`)
	// From the first event (after the harness's getState) to the test's
	// own call below.
	log := sv.Log()
	log = log[strings.Index(log, "event 0 sent to listener memmon"):]
	if calls := regexp.MustCompile(`XML-RPC method called: \S+`).FindAllString(log, -1); len(calls) != 0 {
		t.Errorf("idle memmon called %v", calls)
	}
	info, err := sv.Client.GetProcessInfo(context.Background(), "memmon")
	if err != nil || info.State != listener.StateRunning {
		t.Fatalf("memmon: %+v, %v\n%s", info, err, sv.Log())
	}
	_, stderr := sv.ChildLogs(t, "memmon")
	b, err := os.ReadFile(stderr)
	if err != nil {
		t.Fatal(err)
	}
	if got := testkit.Levels(string(b)); got != "INFO "+idleLine+"\n" {
		t.Errorf("idle memmon wrote:\n%s", got)
	}
}

// mailingMemmon is the section of a memmon that restarts hog above 50 MB
// and mails srv through the outbox; its stderr goes to memmon.err.
func mailingMemmon(t *testing.T, srv *mailserver.Server) string {
	return `
		[eventlistener:memmon]
		command=` + rig.Binary(t, "memmon") + ` -p hog=50MB -m ops@example.com --fromEmail supervisor@example.com --smtpHost ` + srv.Addr() + ` --outbox %(here)s/outbox
		events=TICK_5
		priority=-10
		stderr_logfile=%(here)s/memmon.err
	`
}

// SIGTERM while the mail server is down, with a restart's mail in the
// outbox: memmon stops retrying at once, so that `supervisorctl stop`
// returns well within stopwaitsecs, and the mail goes after the next
// start.
func TestIntegrationStopDuringMailOutage(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Stop()
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:hog]
		command=` + rig.Binary(t, "memhog") + ` -mb 120
		startsecs=0

	` + mailingMemmon(t, srv)})
	errLog := filepath.Join(sv.Dir, "memmon.err")
	sv.WaitLog(t, `success: memmon entered RUNNING state`)
	// Stopped before the next start, hog is neither restarted nor mailed
	// about again: the one mail is the one held at the stop.
	m := stopcheck.MailAfterStop(t, sv, srv, "memmon", errLog, func() {
		rig.Must(t, sv.Client.StopProcess(context.Background(), "hog", true))
	})
	if s, _ := m.Subject(); s != "memmon: process hog:hog restarted" {
		t.Errorf("subject %q", s)
	}
	if b, _ := os.ReadFile(errLog); !strings.Contains(string(b), "left by an earlier run") {
		t.Errorf("the mail did not come from the outbox:\n%s", b)
	}
}

// A kill -9 in the middle of the SMTP DATA exchange of a restart's mail:
// the restarted memmon sends it again, the same mail with the same
// Message-ID (the key of the tick and the process restarted), so that the
// receiving side can tell. hog is big in its first run only, so that no
// second restart adds a mail of its own.
func TestIntegrationKillDuringDataKeepsTheMessageID(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Stall(1)
	hog := rig.Binary(t, "memhog")
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:hog]
		command=sh -c 'if [ -e %(here)s/hogged ]; then exec ` + hog + ` -mb 1; fi; touch %(here)s/hogged; exec ` + hog + ` -mb 120'
		startsecs=0

	` + mailingMemmon(t, srv)})
	msgs := killcheck.Resend(t, sv, srv, "memmon", filepath.Join(sv.Dir, "memmon.err"), nil)
	if s, _ := msgs[0].Subject(); s != "memmon: process hog:hog restarted" {
		t.Errorf("subject %q", s)
	}
}
