package mailbatch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/killcheck"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/testharness/supervisord"
)

// crasherOnce is a [program:crasher] section, indented as the sections of
// the tests that append it: it exits 3 half a second after its first
// start, and runs on after the next.
const crasherOnce = `
		[program:crasher]
		command=sh -c 'if [ -e %(here)s/crashed ]; then exec sleep 1000; fi; touch %(here)s/crashed; sleep 0.5; exit 3'
		startsecs=0
		priority=200
`

// binary returns the absolute path of a batch mailer TestMain put on PATH.
func binary(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	must(t, err)
	abs, err := filepath.Abs(path)
	must(t, err)
	return abs
}

// Real supervisord with the three real binaries on TICK_5: each delivers
// its batch to the SMTP server at the first tick after the event, and a
// crashmailbatch with a long interval sends its pending batch when
// supervisord stops it.
func TestIntegrationRealSupervisord(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	srv := mailserver.NewServer(t)
	common := ` -t ops@example.com -f supervisor@example.com -H ` + srv.Addr()
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:crashmailbatch]
		command=` + binary(t, "crashmailbatch") + common + ` -e TICK_5 -i 0.05 --program crasher
		events=PROCESS_STATE,TICK_5
		buffer_size=100
		priority=100
		startsecs=0
		stderr_logfile=%(here)s/crashmailbatch.err

		[eventlistener:crashsms]
		command=` + binary(t, "crashsms") + common + ` -e TICK_5 -i 0.05
		events=PROCESS_STATE,TICK_5
		buffer_size=100
		priority=101
		startsecs=0
		stderr_logfile=%(here)s/crashsms.err

		[eventlistener:fatalmailbatch]
		command=` + binary(t, "fatalmailbatch") + common + ` -e TICK_5 -i 0.05
		events=PROCESS_STATE,TICK_5
		buffer_size=100
		priority=102
		startsecs=0
		stderr_logfile=%(here)s/fatalmailbatch.err

		[eventlistener:atshutdown]
		command=` + binary(t, "crashmailbatch") + common + ` -s "sent at shutdown" -i 60 --program crasher
		events=PROCESS_STATE,TICK_60
		buffer_size=100
		priority=103
		startsecs=0
		stderr_logfile=%(here)s/atshutdown.err

		[program:crasher]
		command=sh -c 'if [ -e %(here)s/crashed ]; then exec sleep 1000; fi; touch %(here)s/crashed; sleep 1; exit 3'
		startsecs=0
		priority=200

		[program:broken]
		command=sh -c 'exit 1'
		startsecs=1
		startretries=0
		priority=201

		[program:fine]
		command=sh -c 'sleep 1; exit 0'
		startsecs=0
		autorestart=false
		priority=202
	`})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	stderrs := func() string {
		var b strings.Builder
		for _, name := range []string{"crashmailbatch", "crashsms", "fatalmailbatch", "atshutdown"} {
			data, _ := os.ReadFile(filepath.Join(sv.Dir, name+".err"))
			b.WriteString("== " + name + "\n" + string(data))
		}
		return b.String()
	}
	msgs, err := srv.Wait(ctx, 3)
	if err != nil {
		t.Fatalf("%v; %d mails; stderr:\n%s", err, len(msgs), stderrs())
	}
	bySubject := map[string][]string{}
	for _, m := range msgs {
		s, err := m.Subject()
		must(t, err)
		bySubject[s] = append(bySubject[s], strings.Join(lines(t, m), "\n"))
	}
	want := map[string][]string{
		"Crash alert from supervisord":       {"T -- Process crasher:crasher (pid N) died unexpectedly"},
		"Fatal start alert from supervisord": {"T -- Process broken:broken failed to start too many times"},
		"":                                   {"[crasher:crasher](N) exited unexpectedly T"},
	}
	pid := regexp.MustCompile(`\d+`)
	for s, bodies := range bySubject {
		for i := range bodies {
			bodies[i] = pid.ReplaceAllString(bodies[i], "N")
		}
		if !slices.Equal(bodies, want[s]) {
			t.Errorf("subject %q: bodies %q, want %q", s, bodies, want[s])
		}
	}
	if len(bySubject) != 3 {
		t.Errorf("subjects %q", bySubject)
	}

	// supervisord stops its listeners with SIGTERM; the pending batch goes
	// out before the listener exits.
	must(t, sv.Stop())
	all := srv.Messages()
	if len(all) != 4 {
		t.Fatalf("%d mails after the stop, want 4; stderr:\n%s", len(all), stderrs())
	}
	if s, _ := all[3].Subject(); s != "sent at shutdown" {
		t.Errorf("last mail's subject %q", s)
	}
	if got := lines(t, all[3]); len(got) != 1 || !strings.HasPrefix(got[0], "T -- Process crasher:crasher (pid ") {
		t.Errorf("batch at shutdown %q", got)
	}
}

// SIGTERM while the mail server is down: the batch mailer stops at once,
// so that `supervisorctl stop` does not wait out stopwaitsecs, and the
// batch is mailed after the next start. Without an outbox the final send
// is given up at once too, and its lines are said to be lost.
func TestIntegrationStopDuringOutage(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	for _, ob := range []string{"", "--outbox none"} {
		t.Run("outbox="+strings.TrimPrefix(ob, "--outbox "), func(t *testing.T) {
			t.Parallel()
			srv := mailserver.NewServer(t)
			srv.Stop()
			sv := supervisord.Start(t, supervisord.Config{Sections: `
				[eventlistener:batch]
				command=` + binary(t, "crashmailbatch") + ` -t ops@example.com -f supervisor@example.com -H ` + srv.Addr() + ` -e TICK_5 -i 0.05 --program crasher ` + ob + `
				events=PROCESS_STATE,TICK_5
				priority=100
				startsecs=0
				autorestart=false
				stderr_logfile=%(here)s/batch.err

				[program:crasher]
				command=sh -c 'if [ -e %(here)s/crashed ]; then exec sleep 1000; fi; touch %(here)s/crashed; sleep 0.5; exit 3'
				startsecs=0
				priority=200
			`})
			errLog := filepath.Join(sv.Dir, "batch.err")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if _, err := supervisord.WaitFile(ctx, errLog, 0, regexp.MustCompile(`undelivered|could not send the batch|not delivered`)); err != nil {
				data, _ := os.ReadFile(errLog)
				t.Fatalf("%v:\n%s", err, data)
			}
			start := time.Now()
			must(t, sv.Client.StopProcess(ctx, "batch", true))
			took := time.Since(start)
			t.Logf("supervisorctl stop took %s", took)
			if took > 2*time.Second || strings.Contains(sv.Log(), "killing 'batch'") {
				data, _ := os.ReadFile(errLog)
				t.Errorf("stopping the batch mailer took %s:\n%s", took, data)
			}
			if ob != "" {
				data, _ := os.ReadFile(errLog)
				if !strings.Contains(string(data), "pending line(s) not sent and lost") {
					t.Errorf("the lost lines are not reported:\n%s", data)
				}
				return
			}
			srv.Start()
			must(t, sv.Client.StartProcess(ctx, "batch", true))
			msgs, err := srv.Wait(ctx, 1)
			if err != nil {
				data, _ := os.ReadFile(errLog)
				t.Fatalf("%v:\n%s", err, data)
			}
			if got := lines(t, msgs[0]); len(got) != 1 || !strings.Contains(got[0], "Process crasher:crasher (pid ") {
				t.Errorf("batch %q", got)
			}
		})
	}
}

// A kill -9 in the middle of the SMTP DATA exchange of a batch: the server
// holds the message of the dead connection, and the restarted listener
// sends the batch again with the same Message-ID (the outbox's key, from
// the batch's first event), so that the receiving side can tell.
func TestIntegrationKillDuringDataKeepsTheMessageID(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	srv := mailserver.NewServer(t)
	srv.Stall(1)
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:batch]
		command=` + binary(t, "crashmailbatch") + ` -t ops@example.com -f supervisor@example.com -H ` + srv.Addr() + ` -e TICK_5 -i 0.05 --program crasher
		events=PROCESS_STATE,TICK_5
		priority=100
		startsecs=0
		stderr_logfile=%(here)s/batch.err
	` + crasherOnce})
	killcheck.Resend(t, sv, srv, "batch", filepath.Join(sv.Dir, "batch.err"), nil)
}

// A crashmailbatch killed with SIGKILL in the middle of its interval and
// restarted by the real supervisord mails on the tick it would have
// mailed on without the kill: the restarted process continues the count
// from the outbox. tee keeps what supervisord sends the listener, so that
// the test knows each tick it had and what its when: said.
func TestIntegrationKilledMidIntervalMailsOnTime(t *testing.T) {
	t.Parallel()
	supervisord.Require(t)
	srv := mailserver.NewServer(t)
	const every = 6 // -i 0.5 with TICK_5
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[eventlistener:batch]
		command=sh -c 'tee -a %(here)s/events | ` + binary(t, "crashmailbatch") + ` -t ops@example.com -f supervisor@example.com -H ` + srv.Addr() + ` -e TICK_5 -i 0.5 --program crasher --outbox %(here)s/outbox'
		events=PROCESS_STATE_EXITED,TICK_5
		buffer_size=100
		priority=100
		startsecs=0
		stopasgroup=true
		stderr_logfile=%(here)s/batch.err
	` + crasherOnce})
	errLog, events := filepath.Join(sv.Dir, "batch.err"), filepath.Join(sv.Dir, "events")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	report := func() string {
		data, _ := os.ReadFile(errLog)
		return fmt.Sprintf("ticks %v; stderr:\n%s", ticksIn(t, events), data)
	}
	waitTicks := func(n int) []int64 {
		t.Helper()
		for {
			if ticks := ticksIn(t, events); len(ticks) >= n {
				return ticks
			}
			select {
			case <-ctx.Done():
				t.Fatalf("waiting for %d TICK_5: %v; %s", n, ctx.Err(), report())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	// The second tick sent means the first was answered, counted.
	ticks := waitTicks(2)
	if len(ticks) >= every {
		t.Fatalf("the interval was over before the kill: %s", report())
	}
	info, err := sv.Client.GetProcessInfo(ctx, "batch")
	must(t, err)
	must(t, syscall.Kill(-info.PID, syscall.SIGKILL))
	t.Logf("killed the listener after %d ticks", len(ticks))

	re := regexp.MustCompile(`queued a batch of 1 line\(s\) for ops@example.com, subject "Crash alert from supervisord", on TICK_5 when:(\d+)`)
	m, err := supervisord.WaitFile(ctx, errLog, 0, re)
	if err != nil {
		t.Fatalf("%v; %s", err, report())
	}
	due := waitTicks(every)[every-1]
	if got := re.FindStringSubmatch(m)[1]; got != strconv.FormatInt(due, 10) {
		t.Errorf("the batch was queued on the TICK_5 of when:%s, want the %dth, when:%d; %s", got, every, due, report())
	}
	data, _ := os.ReadFile(errLog)
	if !regexp.MustCompile(`left pending by an earlier run, in the outbox .*; [1-5] of the 6 TICK_5 of the interval counted\n(?s:.*)` + re.String()).Match(data) {
		t.Errorf("the restarted listener did not continue the count and queue the batch; %s", report())
	}
	msgs, err := srv.Wait(ctx, 1)
	if err != nil {
		t.Fatalf("%v; %s", err, report())
	}
	if got := lines(t, msgs[0]); len(got) != 1 || !strings.HasPrefix(got[0], "T -- Process crasher:crasher (pid ") {
		t.Errorf("batch %q", got)
	}
}

// ticksIn returns the when: of each distinct TICK_5 in the events file,
// supervisord's envelopes as the listener read them (an event sent again
// after the kill appears twice, with one serial).
func ticksIn(t *testing.T, path string) []int64 {
	t.Helper()
	data, _ := os.ReadFile(path)
	var whens []int64
	seen := map[string]bool{}
	header := regexp.MustCompile(`^ver:\S+ server:\S+ serial:(\d+) pool:\S+ poolserial:\d+ eventname:(\S+) len:(\d+)\n`)
	for rest := string(data); ; {
		h := header.FindStringSubmatch(rest)
		if h == nil {
			return whens
		}
		n, _ := strconv.Atoi(h[3])
		if len(rest) < len(h[0])+n {
			return whens // being written
		}
		payload := rest[len(h[0]) : len(h[0])+n]
		rest = rest[len(h[0])+n:]
		if h[2] != "TICK_5" || seen[h[1]] {
			continue
		}
		seen[h[1]] = true
		when, err := strconv.ParseInt(strings.TrimPrefix(payload, "when:"), 10, 64)
		must(t, err)
		whens = append(whens, when)
	}
}
