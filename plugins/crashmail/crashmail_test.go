package crashmail

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golance/golance/internal/clock"
	"github.com/golance/golance/internal/testkit/rig"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/crashinfo"
	"github.com/golance/golance/plugins/internal/mail"
	"github.com/golance/golance/plugins/internal/outbox"
	"github.com/golance/golance/plugins/internal/selection"
	"github.com/golance/golance/testharness"
)

var asctimeRE = `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`

func TestMailsAnUnexpectedExitWithDetails(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		rpc:      true,
		cfg:      config{tailLines: 2},
		programs: []testharness.Program{{Name: "web"}},
	})
	web := r.Sup.Process("web")
	pid := web.PID()
	must(t, web.Write(testharness.Stderr, []byte("starting\nwarning: low disk\npanic: boom\n")))
	must(t, web.Write(testharness.Stdout, []byte("listening on :8080\n")))
	r.exit(t, "web", 3)

	msgs := r.idle(t)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1; log:\n%s", len(msgs), r.log)
	}
	m := msgs[0]
	subject, _ := m.Subject()
	if !regexp.MustCompile(`^web crashed at ` + asctimeRE + `$`).MatchString(subject) {
		t.Errorf("subject %q", subject)
	}
	h, err := m.Header()
	must(t, err)
	if h.Get("From") != "supervisor@example.com" || h.Get("To") != "ops@example.com" ||
		!regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(h.Get("Message-Id")) || h.Get("Date") == "" {
		t.Errorf("header %v", h)
	}
	if m.From != "supervisor@example.com" || !slices.Equal(m.To, []string{"ops@example.com"}) {
		t.Errorf("envelope %s -> %v", m.From, m.To)
	}
	info := web.Info()
	wantBody := regexp.MustCompile(`^Process web in group web exited unexpectedly \(pid ` + strconv.Itoa(pid) + `\) from state RUNNING

Host: app1\.example\.com
Time: ` + asctimeRE + `
Exit status: 3
Uptime: 0:00:0\d

Last 2 line\(s\) of the stderr log \(` + regexp.QuoteMeta(info.StderrLogfile) + `\):
warning: low disk
panic: boom

Last 1 line\(s\) of the stdout log \(` + regexp.QuoteMeta(info.StdoutLogfile) + `\):
listening on :8080
$`)
	if b := bodyOf(t, m); !wantBody.MatchString(b) {
		t.Errorf("body:\n%s", b)
	}
	// The restart that follows (STARTING, RUNNING) is acknowledged and
	// ignored, like every other event.
	for _, res := range r.results() {
		if res != "OK" {
			t.Fatalf("results %q", r.results())
		}
	}
	if !regexp.MustCompile(`unexpected exit of web \(pid ` + strconv.Itoa(pid) + `\), mailing ops@example.com\n` +
		`delivered to ops@example.com through SMTP server \S+: web crashed at `).MatchString(r.log.Messages()) {
		t.Errorf("log:\n%s", r.log)
	}
}

func TestIgnoresExpectedExitsAndOtherEvents(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		events:   []listener.EventType{listener.AnyEvent},
		programs: []testharness.Program{{Name: "job", ProcessConfig: testharness.ProcessConfig{ExitCodes: []int{0, 2}}}},
	})
	r.exit(t, "job", 2)
	r.Sup.Tick(listener.Tick5)
	r.Sup.Notify(testharness.NewRemoteCommunicationEvent("x", "y"))
	r.Sup.Notify(testharness.NewRawEvent(listener.ProcessStateExited, "garbage"))
	if msgs := r.idle(t); len(msgs) != 0 {
		t.Fatalf("mailed %q", subjects(t, msgs))
	}
	results := r.results()
	if len(results) < 5 || slices.ContainsFunc(results, func(s string) bool { return s != "OK" }) {
		t.Errorf("results %q", results)
	}
	if strings.Count(r.log.Messages(), "ignoring a malformed PROCESS_STATE_EXITED event (serial ") != 1 {
		t.Errorf("malformed event not logged:\n%s", r.log)
	}
}

// superlance's crashmail parsed -p and -a and ignored them, mailing about
// every process (superlance issue #18).
func TestProgramSelection(t *testing.T) {
	t.Parallel()
	programs := []testharness.Program{
		{Name: "web", ProcessConfig: testharness.ProcessConfig{NumProcs: 2, ProcessName: "%(program_name)s_%(process_num)02d"}},
		{Name: "worker"},
		{Name: "a"}, {Name: "b"},
	}
	groups := []testharness.Group{{Name: "batch", Programs: []string{"a", "b"}}}
	all := []string{"web:web_00", "web:web_01", "worker", "batch:a", "batch:b"}
	tests := []struct {
		specs []string
		any   bool
		want  []string // first body lines' "<name> in group <group>"
	}{
		{nil, false, []string{"web_00 in group web", "web_01 in group web", "worker in group worker", "a in group batch", "b in group batch"}},
		{nil, true, []string{"web_00 in group web", "web_01 in group web", "worker in group worker", "a in group batch", "b in group batch"}},
		{[]string{"web"}, false, []string{"web_00 in group web", "web_01 in group web"}},
		{[]string{"web:web_01", "worker"}, false, []string{"web_01 in group web", "worker in group worker"}},
		{[]string{"batch:*"}, false, []string{"a in group batch", "b in group batch"}},
		{[]string{"b"}, false, []string{"b in group batch"}},
		{[]string{"web:*_0?"}, false, []string{"web_00 in group web", "web_01 in group web"}},
		{[]string{"nosuch"}, false, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.specs, ",")+"/any="+strconv.FormatBool(tt.any), func(t *testing.T) {
			t.Parallel()
			sel, err := selection.New(selection.Spec{Programs: tt.specs, Any: tt.any})
			must(t, err)
			r := newRig(t, rigConfig{cfg: config{selector: sel}, programs: programs, groups: groups,
				events: []listener.EventType{listener.ProcessStateExited}})
			for _, p := range all {
				r.exit(t, p, 1)
			}
			var got []string
			re := regexp.MustCompile(`^Process (\S+ in group \S+) exited`)
			for _, l := range firstLines(t, r.idle(t)) {
				got = append(got, re.FindStringSubmatch(l)[1])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("mailed about %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMailsWithoutDetailsWhenSupervisordCannotBeAsked(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		source:   crashinfo.Unreachable{Err: rpc.ErrNoServerURL},
		cfg:      config{tailLines: 5},
		programs: []testharness.Program{{Name: "web"}},
	})
	r.exit(t, "web", 1)
	msgs := r.idle(t)
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want 1", len(msgs))
	}
	b := bodyOf(t, msgs[0])
	for _, want := range []string{
		"Process web in group web exited unexpectedly",
		"\nDetails unavailable: SUPERVISOR_SERVER_URL is not set",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("body lacks %q:\n%s", want, b)
		}
	}
}

// The fault injection the issue asks for: the MTA refuses connections for
// the first attempts, then comes up; the crash mail arrives, once.
func TestWithoutOutboxMTADownThenUpMailsOnce(t *testing.T) {
	t.Parallel()
	c := clock.NewInstant(t0)
	r := newRig(t, rigConfig{
		outbox:   outbox.None,
		cfg:      config{retry: fastRetry(c)},
		programs: []testharness.Program{{Name: "web"}, {Name: "marker"}},
	})
	r.srv.Stop()
	c.OnWait(func(n int) {
		if n == 3 {
			r.srv.Start()
		}
	})
	r.exit(t, "web", 1)
	// A later crash, mailed after the first: once it is in, any duplicate
	// of the first would be too.
	r.exit(t, "marker", 1)
	msgs := r.idle(t)
	if got := firstLines(t, msgs); len(got) != 2 || !strings.HasPrefix(got[0], "Process web ") || !strings.HasPrefix(got[1], "Process marker ") {
		t.Fatalf("mails %q; log:\n%s", got, r.log)
	}
	if slices.Contains(r.results(), "FAIL") {
		t.Errorf("an event was rejected: %q", r.results())
	}
	// The failure is logged once, not once per attempt, and its end
	// counts the attempts.
	if n := strings.Count(r.log.Messages(), "not delivered to"); n != 1 ||
		!strings.Contains(r.log.Messages(), "accepts notifications again after 3 failures") {
		t.Errorf("%d failure lines, want 1 and a recovery after 3 failures:\n%s", n, r.log)
	}
}

// With the outbox, the crashes are answered at once while the MTA is
// down, and mailed once each, in order, when it is back.
func TestMTADownThenUpMailsOnceAndAnswersAtOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{programs: []testharness.Program{{Name: "web"}, {Name: "marker"}}})
	r.srv.Stop()
	r.exit(t, "web", 1)
	r.exit(t, "marker", 1)
	r.Idle()
	if slices.Contains(r.results(), "FAIL") {
		t.Fatalf("an event was rejected while the MTA was down: %q", r.results())
	}
	rig.Eventually(t, "a failed delivery", r.log.Messages, `undelivered: cannot connect`)
	r.srv.Start()
	msgs := r.idle(t)
	if got := firstLines(t, msgs); len(got) != 2 || !strings.HasPrefix(got[0], "Process web ") || !strings.HasPrefix(got[1], "Process marker ") {
		t.Fatalf("mails %q; log:\n%s", got, r.log)
	}
	rig.Eventually(t, "the recovery line", r.log.Messages, `is back: delivered 2 notification\(s\)`)
	if n := strings.Count(r.log.Messages(), "undelivered"); n != 1 {
		t.Errorf("the outage is logged %d times, want once:\n%s", n, r.log)
	}
}

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// A mail that cannot be sent within the retry budget is not acknowledged:
// the event is rejected, supervisord delivers it again, and the very same
// message (Message-ID included) goes out then.
func TestFailedMailRejectsTheEventAndTheRedeliveryMailsIt(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{cfg: config{failDelay: 1}, outbox: outbox.None, programs: []testharness.Program{{Name: "web"}}})
	r.srv.Refuse(1, 554, "Rejected for now")
	r.exit(t, "web", 1)
	msgs := r.idle(t)
	refused := r.srv.Refused()
	if len(msgs) != 1 || len(refused) != 1 {
		t.Fatalf("%d delivered, %d refused; want 1 and 1", len(msgs), len(refused))
	}
	if string(msgs[0].Data) != string(refused[0].Data) {
		t.Errorf("the redelivery sent another message:\n%s\n---\n%s", refused[0].Data, msgs[0].Data)
	}
	var exited []string
	for _, res := range r.Sup.Transcript().Results("crashmail") {
		if res.EventName == listener.ProcessStateExited {
			exited = append(exited, res.Body)
		}
	}
	if !slices.Equal(exited, []string{"FAIL", "OK"}) {
		t.Errorf("results for the exit %q, want FAIL then OK", exited)
	}
	if !strings.Contains(r.log.Messages(), "554 5.0.0 Rejected for now; rejecting the event so that supervisord delivers it again") {
		t.Errorf("log:\n%s", r.log)
	}
}

// Nothing in -o, a process's log or its name can add a header or a
// recipient.
func TestNoHeaderInjection(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigConfig{
		rpc:      true,
		cfg:      config{header: "prod\r\nBcc: evil@example.net", tailLines: 5},
		programs: []testharness.Program{{Name: "web"}},
	})
	must(t, r.Sup.Process("web").Write(testharness.Stderr, []byte("\r\nBcc: evil@example.net\r\n\r\n.\r\nQUIT\r\n")))
	r.exit(t, "web", 1)
	msgs := r.idle(t)
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	h, err := msgs[0].Header()
	must(t, err)
	if h.Get("Bcc") != "" || !slices.Equal(msgs[0].To, []string{"ops@example.com"}) {
		t.Errorf("injected: header %v, envelope %v", h, msgs[0].To)
	}
	if s, _ := msgs[0].Subject(); !strings.HasPrefix(s, "prod Bcc: evil@example.net: web crashed at ") {
		t.Errorf("subject %q", s)
	}
	if b := bodyOf(t, msgs[0]); !strings.Contains(b, "Bcc: evil@example.net\n\n.\nQUIT\n") {
		t.Errorf("log text not kept as body:\n%s", b)
	}
}

// sendmail gets the whole message on its stdin, with the headers
// superlance's crashmail never wrote (From, Date, Message-ID, MIME).
func TestSendmailTransport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "mail.txt")
	script := filepath.Join(dir, "sendmail")
	must(t, os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" > \""+out+".args\"\ncat > \""+out+"\"\n"), 0o755))
	s, err := mail.NewSendmail(script + " -t -i")
	must(t, err)
	r := newRig(t, rigConfig{sender: s, programs: []testharness.Program{{Name: "web"}}})
	r.exit(t, "web", 1)
	r.idle(t)
	args, err := os.ReadFile(out + ".args")
	must(t, err)
	if string(args) != "-t -i\n" {
		t.Errorf("sendmail args %q", args)
	}
	data, err := os.ReadFile(out)
	must(t, err)
	msg := string(data)
	for _, re := range []string{
		`(?m)^From: supervisor@example\.com$`,
		`(?m)^To: ops@example\.com$`,
		`(?m)^Subject: web crashed at ` + asctimeRE + `$`,
		`(?m)^Date: `,
		`(?m)^Message-ID: <[0-9a-f]{32}@example\.com>$`,
		`(?m)^MIME-Version: 1\.0$`,
		`(?m)^Content-Type: text/plain; charset=UTF-8$`,
		`(?m)^Process web in group web exited unexpectedly \(pid \d+\) from state RUNNING$`,
	} {
		if !regexp.MustCompile(re).MatchString(msg) {
			t.Errorf("sendmail input does not match %s:\n%s", re, msg)
		}
	}
	if strings.Contains(msg, "\r") {
		t.Errorf("sendmail input has CRLF line endings")
	}
}

// An event whose mail keeps failing comes back at once after its first
// rejection, and at most once per FailDelay after that, instead of
// spinning supervisord and the mail server.
func TestRepeatedFailuresArePaced(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	r := newRig(t, rigConfig{cfg: config{failDelay: delay}, outbox: outbox.None, programs: []testharness.Program{{Name: "web"}}})
	r.srv.Refuse(2, 554, "Rejected")
	r.exit(t, "web", 1)
	if msgs := r.idle(t); len(msgs) != 1 {
		t.Fatalf("%d mails, want 1", len(msgs))
	}
	var sent []time.Time
	var answers []string
	var answered []time.Time
	for _, rec := range r.Sup.Transcript().Records() {
		if rec.EventName != listener.ProcessStateExited || rec.Process != "crashmail" {
			continue
		}
		switch rec.Kind {
		case testharness.RecordSent:
			sent = append(sent, rec.Time)
		case testharness.RecordResult:
			answers = append(answers, string(rec.Data))
			answered = append(answered, rec.Time)
		}
	}
	if !slices.Equal(answers, []string{"FAIL", "FAIL", "OK"}) || len(sent) != 3 {
		t.Fatalf("answers %q to %d deliveries", answers, len(sent))
	}
	// The same failure, twice: said once, with the event's line, and
	// once when the mail goes.
	for _, l := range []struct {
		re string
		n  int
	}{{"rejecting the event so that supervisord delivers it again", 1}, {"unexpected exit of web", 1}, {"mail to .* goes again after 2 failures over", 1}} {
		if n := len(regexp.MustCompile(l.re).FindAllString(r.log.Messages(), -1)); n != l.n {
			t.Errorf("%d lines match %q, want %d:\n%s", n, l.re, l.n, r.log)
		}
	}
	if d := answered[1].Sub(sent[1]); d < delay {
		t.Errorf("second rejection after %v, want at least %v", d, delay)
	}
}
