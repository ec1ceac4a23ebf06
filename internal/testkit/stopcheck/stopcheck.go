// Package stopcheck is the real-supervisord test that a listener holding
// mail it cannot deliver stops at once on SIGTERM and mails after its next
// start: what every plugin that mails through the outbox must do, tested
// the same way for each.
package stopcheck

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/testharness/supervisord"
)

// Limit is how long `supervisorctl stop` may take: well within
// supervisord's default stopwaitsecs (10 s).
const Limit = 2 * time.Second

// MailAfterStop waits until the stderr log errLog of the listener name
// says a mail is undelivered (srv is down), stops the listener as
// `supervisorctl stop` does and fails the test if that took more than
// Limit or ended in SIGKILL; then it calls between (unless nil), brings srv
// up, starts the listener again and returns the first mail srv receives.
func MailAfterStop(t *testing.T, sv *supervisord.Supervisord, srv *mailserver.Server, name, errLog string, between func()) mailserver.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := supervisord.WaitFile(ctx, errLog, 0, regexp.MustCompile(`undelivered|not delivered`)); err != nil {
		t.Fatalf("%v:\n%s", err, read(errLog))
	}
	took, killed := sv.StopProcess(t, name)
	t.Logf("supervisorctl stop %s took %s", name, took)
	if took > Limit || killed {
		t.Errorf("stopping %s took %s (SIGKILL: %v):\n%s", name, took, killed, read(errLog))
	}
	if between != nil {
		between()
	}
	srv.Start()
	if err := sv.Client.StartProcess(ctx, name, true); err != nil {
		t.Fatal(err)
	}
	msgs, err := srv.Wait(ctx, 1)
	if err != nil {
		t.Fatalf("%v: the mail held at the stop never came:\n%s", err, read(errLog))
	}
	return msgs[0]
}

func read(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
