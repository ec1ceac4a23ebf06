package mailcli

import (
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/golance/golance/plugins/internal/mail"
)

// recipients is the value of the recipients flag: every comma-separated
// item of every occurrence, trimmed, empty items skipped, as superlance's
// -t splits its list. Items are checked by Build, which knows the
// transport.
type recipients []string

func (r *recipients) Set(s string) error {
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*r = append(*r, item)
		}
	}
	return nil
}

func (r *recipients) String() string { return strings.Join(*r, ",") }

func (r *recipients) Type() string { return "addresses" }

// check reports the first recipient the transport cannot deliver to:
// sendmail takes addresses and local mailbox names, SMTP full addresses.
func (r recipients) check(t Transport, sendmailFlag string) error {
	for _, item := range r {
		if mail.IsLocalName(item) {
			if t == SMTP {
				return fmt.Errorf("%q is a local mailbox name, and SMTP needs full addresses such as %s@example.com (local names work through sendmail, %s)", item, item, sendmailFlag)
			}
			continue
		}
		if _, err := netmail.ParseAddress(item); err != nil {
			// net/mail's reasons ("no angle-addr") are its parser's,
			// not advice.
			if t == SMTP {
				return fmt.Errorf("%q is not a mail address; give addresses such as ops@example.com, separated by commas", item)
			}
			return fmt.Errorf("%q is neither a mail address nor a local mailbox name; give addresses such as ops@example.com or local names such as root, separated by commas", item)
		}
	}
	return nil
}
