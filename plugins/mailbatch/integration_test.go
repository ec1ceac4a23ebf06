package mailbatch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/killcheck"
	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/testharness/supervisord"
)

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

		[program:crasher]
		command=sh -c 'if [ -e %(here)s/crashed ]; then exec sleep 1000; fi; touch %(here)s/crashed; sleep 0.5; exit 3'
		startsecs=0
		priority=200
	`})
	killcheck.Resend(t, sv, srv, "batch", filepath.Join(sv.Dir, "batch.err"), nil)
}
