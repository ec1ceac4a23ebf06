package mail

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/testkit/mailserver"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/retry"
)

func TestKeyedMessageIDIsStable(t *testing.T) {
	a := KeyedMessageID("supervisor/b00t-7-1234/crashmail/42", "sup@example.com")
	if a != KeyedMessageID("supervisor/b00t-7-1234/crashmail/42", "Supervisor <sup@example.com>") {
		t.Fatal("the same key gives two ids")
	}
	if a == KeyedMessageID("supervisor/b00t-7-1234/crashmail/43", "sup@example.com") {
		t.Fatal("two keys give one id")
	}
	if !strings.HasSuffix(a, "@example.com>") || len(a) != len("<>@example.com")+32 {
		t.Fatalf("id %q", a)
	}
}

func TestSinkDeliversTheMailOfTheEventTime(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t)
	sink := NewSink(newSender(t, srv, SMTPConfig{}), "sup@example.com", []string{"ops@example.com"}, "SMTP server "+srv.Addr())
	m := testMessage()
	m.MessageID = ""
	crash := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	m.Date = crash
	it, err := sink.Item("supervisor/run/crashmail/42", m)
	if err != nil {
		t.Fatal(err)
	}
	if it.Sink != SinkName || it.Key != "supervisor/run/crashmail/42" || !it.At.Equal(crash) || it.Subject != m.Subject {
		t.Fatalf("item %+v", it)
	}
	// Delivered twice (a replay after a kill): the same mail both times.
	for range 2 {
		if err := sink.Deliver(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := srv.Wait(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	id := KeyedMessageID(it.Key, m.From)
	for _, msg := range msgs {
		h, err := msg.Header()
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Get("Message-Id"); got != id {
			t.Errorf("Message-ID %q, want %q", got, id)
		}
		if got := h.Get("Date"); got != crash.Format(time.RFC1123Z) {
			t.Errorf("Date %q, want the crash's time", got)
		}
	}
}

func TestSinkRefusalsAndConfigurationErrors(t *testing.T) {
	t.Parallel()
	srv := mailserver.NewServer(t, mailserver.WithAuth("bob", "right"))
	bad := newSender(t, srv, SMTPConfig{Username: "bob", Password: "wrong", TLSConfig: srv.ClientTLSConfig()})
	it, err := NewSink(bad, "", nil, "x").Item("k", testMessage())
	if err != nil {
		t.Fatal(err)
	}
	sink := NewSink(bad, "", nil, "x")
	err = sink.Deliver(context.Background(), it)
	if err == nil || !errors.Is(err, ErrAuth) || sink.Refuses(err) {
		t.Fatalf("a rejected login: %v (refuses %v); want ErrAuth, the mail kept for when the password is fixed", err, sink.Refuses(err))
	}

	srv2 := mailserver.NewServer(t)
	srv2.RefuseRecipient("ops@example.com", 550, "no such user")
	sink2 := NewSink(newSender(t, srv2, SMTPConfig{}), "", nil, "x")
	err = sink2.Deliver(context.Background(), it)
	if !errors.Is(err, ErrRejected) || !retry.IsPermanent(err) || !sink2.Refuses(err) {
		t.Fatalf("a refused recipient: %v (permanent %v, refuses %v); want ErrRejected, set aside", err, retry.IsPermanent(err), sink2.Refuses(err))
	}
}

func TestSinkSummary(t *testing.T) {
	sink := NewSink(nil, "sup@example.com", []string{"ops@example.com"}, "SMTP server x:25")
	d := outbox.Dropped{Count: 3, Subjects: []string{"web crashed"}, Sink: "SMTP server x:25", Why: "bound",
		First: time.Now().Add(-time.Hour), Last: time.Now()}
	payload, subject, err := sink.Summary(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(subject, "golance: 3 notification(s) dropped") {
		t.Fatalf("subject %q", subject)
	}
	it := outbox.Item{Key: "dropped/1", Sink: SinkName, Subject: subject, Payload: payload}
	srv := mailserver.NewServer(t)
	sink.sender = newSender(t, srv, SMTPConfig{})
	if err := sink.Deliver(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	msgs, _ := srv.Wait(context.Background(), 1)
	body, _ := msgs[0].Body()
	h, _ := msgs[0].Header()
	if !strings.Contains(body, "web crashed") || h.Get("To") != "ops@example.com" {
		t.Fatalf("summary mail:\n%s", msgs[0].Data)
	}
}
