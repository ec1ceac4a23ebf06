package httpok

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// The scenario on the real supervisord 4.2.5: a program serving
// HTTP 500 under httpok is restarted; a healthy one, under a second httpok,
// is not.
func TestIntegrationRestartsTheUnhealthyProgram(t *testing.T) {
	t.Parallel()
	bad, good := freePort(t), freePort(t)
	webserve, httpok := rig.Binary(t, "webserve"), rig.Binary(t, "httpok")
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:bad]
		command=` + webserve + ` ` + bad + ` 500
		startsecs=0

		[program:good]
		command=` + webserve + ` ` + good + ` 200
		startsecs=0

		[eventlistener:httpok_bad]
		command=` + httpok + ` -p bad -t 5 http://` + bad + `/health
		events=TICK_5
		priority=-20

		[eventlistener:httpok_good]
		command=` + httpok + ` -p good -t 5 http://` + good + `/health
		events=TICK_5
		priority=-19
	`})
	ctx := context.Background()
	sv.WaitLog(t, `success: httpok_good entered RUNNING state`)
	goodBefore, err := sv.Client.GetProcessInfo(ctx, "good")
	if err != nil || goodBefore.State != listener.StateRunning {
		t.Fatalf("good: %+v, %v", goodBefore, err)
	}
	badBefore, err := sv.Client.GetProcessInfo(ctx, "bad")
	if err != nil {
		t.Fatal(err)
	}

	sv.WaitLog(t, `stopped: bad \(`)
	sv.WaitLog(t, `spawned: 'bad' with pid`)
	_, badLog := sv.ChildLogs(t, "httpok_bad")
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := supervisord.WaitFile(waitCtx, badLog, 0, regexp.MustCompile(`(?m) INFO bad restarted$`)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(badLog)
	want := "status contacting http://" + bad + "/health: 500 Internal Server Error\nRestarting selected processes ['bad']\nbad is in RUNNING state, restarting\nbad restarted\n"
	if _, rest, _ := strings.Cut(testkit.Messages(string(b)), "\n"); !strings.HasPrefix(rest, want) {
		t.Errorf("httpok_bad's stderr:\n%s\nwant it to start with:\n%s", b, want)
	}

	// httpok_good has checked too, at the same tick, and found it healthy.
	if !strings.Contains(sv.Log(), "httpok_good: event was processed") {
		sv.WaitLog(t, `httpok_good: event was processed`)
	}
	goodAfter, err := sv.Client.GetProcessInfo(ctx, "good")
	if err != nil || goodAfter.PID != goodBefore.PID || strings.Contains(sv.Log(), "stopped: good") {
		t.Fatalf("good was restarted: %+v, %v", goodAfter, err)
	}
	// Nothing but its start-up line.
	_, goodLog := sv.ChildLogs(t, "httpok_good")
	if b, _ := os.ReadFile(goodLog); strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), " INFO httpok: checking http://"+good+"/health at every tick, restarting [\"good\"] when it fails, no mail\n") {
		t.Errorf("httpok_good wrote:\n%s", b)
	}
	if badAfter, _ := sv.Client.GetProcessInfo(ctx, "bad"); badAfter.PID == badBefore.PID {
		t.Fatalf("bad still has pid %d", badBefore.PID)
	}
}

// The configurations docs/httpok.md shows load into the real supervisord,
// and httpok starts and serves with them.
func TestIntegrationDocExamples(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"httpok", "httpok-https"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rig.DocExample(t, name)
		})
	}
}

// Under the real supervisord, whose trace-level log names every XML-RPC
// call: with -E, the first tick reads every process, and the ticks after
// it, with nothing started or stopped, make no call at all, while httpok
// still checks the URL at each of them.
func TestIntegrationNotEagerQuietTicksCallNothing(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	sv := supervisord.Start(t, supervisord.Config{LogLevel: "trace", Sections: `
		[program:web]
		command=` + rig.Binary(t, "webserve") + ` ` + addr + ` 200
		startsecs=0

		[program:idle]
		command=sleep infinity
		startsecs=0

		[eventlistener:httpok]
		command=` + rig.Binary(t, "httpok") + ` -E -p web http://` + addr + `/health
		events=TICK_5
	`})
	sv.WaitLog(t, `(?s)(httpok: BUSY -> ACKNOWLEDGED.*){3}`)
	testkit.QuietTicks(t, sv.Log(), "httpok")
	stdout, _ := sv.ChildLogs(t, "web")
	b, err := os.ReadFile(stdout)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "GET /health"); n < 3 {
		t.Errorf("the URL checked %d times in 3 ticks; web wrote:\n%s", n, b)
	}
}

// Under the real supervisord, a password in the URL on the command line
// still authenticates, gives one warning line at start, and shows nowhere
// else: not in httpok's log, the mail, or supervisord's debug log.
func TestIntegrationPasswordInTheURLIsNotShown(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-pw"
	addr := freePort(t)
	sendmail := rig.NewSendmail(t)
	sv := supervisord.Start(t, supervisord.Config{LogLevel: "debug", Sections: `
		[program:web]
		command=` + rig.Binary(t, "webserve") + ` ` + addr + ` 500
		startsecs=0

		[eventlistener:httpok]
		command=` + rig.Binary(t, "httpok") + ` -p web -m ops@example.com -s "` + sendmail.Command() + `" http://ops:` + password + `@` + addr + `/health
		events=TICK_5
	`})
	mails := sendmail.Wait(1)
	sv.WaitLog(t, `httpok: BUSY -> ACKNOWLEDGED`)
	_, stderr := sv.ChildLogs(t, "httpok")
	b, err := os.ReadFile(stderr)
	if err != nil {
		t.Fatal(err)
	}
	logged := testkit.Messages(string(b))
	if n := strings.Count(logged, "the health-check password is on the command line (in the URL http://ops:xxxxx@"+addr+"/health)"); n != 1 {
		t.Errorf("the warning %d times:\n%s", n, b)
	}
	if !strings.Contains(logged, "status contacting http://ops:xxxxx@"+addr+"/health: 500 Internal Server Error") {
		t.Errorf("httpok's log:\n%s", b)
	}
	stdout, _ := sv.ChildLogs(t, "web")
	served, _ := os.ReadFile(stdout)
	for what, text := range map[string]string{"httpok's log": string(b), "supervisord's log": sv.Log(),
		"the mail": fmt.Sprint(mails[0].Header) + mails[0].Body} {
		if strings.Contains(text, password) {
			t.Errorf("%s shows the password:\n%s", what, text)
		}
	}
	if want := fmt.Sprintf("GET /health user=ops password-length=%d\n", len(password)); !strings.Contains(string(served), want) {
		t.Errorf("web was not asked with the credentials (%q):\n%s", want, served)
	}
}

// mailingHttpok is the section of an httpok that checks bad's /health
// (bad is host:port) and mails srv through the outbox; its stderr goes to
// httpok.err.
func mailingHttpok(t *testing.T, srv *mailserver.Server, bad string) string {
	return `
		[eventlistener:httpok]
		command=` + rig.Binary(t, "httpok") + ` -p bad -t 5 -m ops@example.com --fromEmail supervisor@example.com --smtpHost ` + srv.Addr() + ` --outbox %(here)s/outbox http://` + bad + `/health
		events=TICK_5
		priority=-20
		stderr_logfile=%(here)s/httpok.err
	`
}

// SIGTERM while the mail server is down, with a restart's mail in the
// outbox: httpok stops retrying at once, so that `supervisorctl stop`
// returns well within stopwaitsecs, and the mail goes after the next
// start.
func TestIntegrationStopDuringMailOutage(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Stop()
	bad := freePort(t)
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:bad]
		command=` + rig.Binary(t, "webserve") + ` ` + bad + ` 500
		startsecs=0

	` + mailingHttpok(t, srv, bad)})
	sv.WaitLog(t, `success: httpok entered RUNNING state`)
	m := stopcheck.MailAfterStop(t, sv, srv, "httpok", filepath.Join(sv.Dir, "httpok.err"), func() {
		// Stopped, bad is neither restarted nor mailed about again.
		rig.Must(t, sv.Client.StopProcess(context.Background(), "bad", true))
	})
	if s, _ := m.Subject(); !strings.Contains(s, "bad") {
		t.Errorf("subject %q, want the mail about bad's restart", s)
	}
}

// A kill -9 in the middle of the SMTP DATA exchange of a restart's mail:
// the restarted httpok sends it again, the same mail with the same
// Message-ID (the key of the tick whose check failed), so that the
// receiving side can tell. bad answers 500 in its first run only, so that
// no second restart adds a mail of its own.
func TestIntegrationKillDuringDataKeepsTheMessageID(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	srv.Stall(1)
	bad, web := freePort(t), rig.Binary(t, "webserve")
	sv := supervisord.Start(t, supervisord.Config{Sections: `
		[program:bad]
		command=sh -c 'if [ -e %(here)s/failed ]; then exec ` + web + ` ` + bad + ` 200; fi; touch %(here)s/failed; exec ` + web + ` ` + bad + ` 500'
		startsecs=0

	` + mailingHttpok(t, srv, bad)})
	msgs := killcheck.Resend(t, sv, srv, "httpok", filepath.Join(sv.Dir, "httpok.err"), nil)
	if s, _ := msgs[0].Subject(); !strings.Contains(s, "bad status returned") {
		t.Errorf("subject %q, want the mail about bad's restart", s)
	}
}
