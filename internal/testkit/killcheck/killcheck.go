// Package killcheck is the real-supervisord test that a mail interrupted
// by a kill -9 in the middle of its SMTP DATA exchange goes again, after
// the listener's restart, as the very same mail: one Message-ID, one Date,
// the same bytes, so that the receiving side can recognise the copy the
// server kept from the dead connection. Every plugin that mails is tested
// this way.
package killcheck

import (
	"context"
	"os"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/testharness/supervisord"
)

// Grace is how long Resend waits, once the restarted listener has done
// what could make it mail again, for a mail that would show it did.
const Grace = time.Second

// Resend expects srv to have been told to Stall(1) before the listener
// name mailed. It waits for the stalled mail, kills the listener with
// SIGKILL, and waits for the mail its restart sends; then, if settled is
// not nil, until the listener's stderr log errLog matches it after the
// kill (the restarted listener has done what could make it mail again),
// and Grace more. It fails the test unless every mail srv holds by then
// is the same, and returns them.
func Resend(t *testing.T, sv *supervisord.Supervisord, srv *mailserver.Server, name, errLog string, settled *regexp.Regexp) []mailserver.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := srv.Wait(ctx, 1); err != nil {
		t.Fatalf("%v: no mail came to stall:\n%s", err, read(errLog))
	}
	info, err := sv.Client.GetProcessInfo(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	offset := size(errLog)
	if err := syscall.Kill(info.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Wait(ctx, 2); err != nil {
		t.Fatalf("%v: the mail was not sent again after the kill:\n%s", err, read(errLog))
	}
	if settled != nil {
		if _, err := supervisord.WaitFile(ctx, errLog, offset, settled); err != nil {
			t.Fatalf("%v: the restarted %s never logged %q:\n%s", err, name, settled, read(errLog))
		}
		// A mail made again goes straight after the line, behind the
		// resent one in the outbox's order: Grace is room for it.
		wait, stop := context.WithTimeout(ctx, Grace)
		_, _ = srv.Wait(wait, 3)
		stop()
	}
	msgs := srv.Messages()
	for i, m := range msgs {
		h, err := m.Header()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("mail %d: Message-ID %s, Date %s", i+1, h.Get("Message-Id"), h.Get("Date"))
		if i > 0 && string(m.Data) != string(msgs[0].Data) {
			t.Errorf("mail %d of %d differs from the one the kill interrupted:\n%s\n---\n%s", i+1, len(msgs), msgs[0].Data, m.Data)
		}
	}
	return msgs
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func read(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
