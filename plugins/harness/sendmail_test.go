package harness

import (
	"slices"
	"strings"
	"testing"

	"github.com/golance/golance/internal/testkit/mailserver"
)

// The stand-in takes the recipients sendmail takes: superlance's mailers
// are run with -m root and -m "a@x,b@y", and sendmail -t delivers both.
func TestSendmailRecipients(t *testing.T) {
	srv := mailserver.NewServer(t)
	t.Setenv("HARNESS_SMTP", srv.Addr())
	for _, c := range []struct {
		name string
		args []string
		msg  string
		want []string
	}{
		{"a local name in To", []string{"-t", "-i"}, "To: root\nSubject: x\n\nbody", []string{"root@localhost"}},
		{"a comma list in To", []string{"-t"}, "To: ops@example.com,dev@example.com\nSubject: x\n\nbody", []string{"ops@example.com", "dev@example.com"}},
		{"local names and addresses mixed", []string{"-t"}, "To: root, Ops <ops@example.com>, Admin <admin>\nCc: \"Doe, J\" <j@example.com>\nSubject: x\n\nbody", []string{"root@localhost", "ops@example.com", "admin@localhost", "j@example.com"}},
		{"recipients as arguments", []string{"-i", "root,ops@example.com", "dev@example.com"}, "Subject: x\n\nbody", []string{"root@localhost", "ops@example.com", "dev@example.com"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(srv.Messages())
			if err := sendmail(c.args, strings.NewReader(c.msg)); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != before+1 {
				t.Fatalf("%d messages arrived, want 1", len(msgs)-before)
			}
			if got := msgs[before].To; !slices.Equal(got, c.want) {
				t.Errorf("envelope recipients %q, want %q", got, c.want)
			}
		})
	}
}

func TestSendmailRefusesWhatSendmailRefuses(t *testing.T) {
	srv := mailserver.NewServer(t)
	t.Setenv("HARNESS_SMTP", srv.Addr())
	for _, msg := range []string{
		"To: two words\nSubject: x\n\nbody",
		"To: root, <>\nSubject: x\n\nbody",
		"Subject: no recipient\n\nbody",
	} {
		if err := sendmail([]string{"-t"}, strings.NewReader(msg)); err == nil {
			t.Errorf("%q was sent", msg)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages arrived", n)
	}
}
