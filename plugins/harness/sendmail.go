package harness

import (
	"bytes"
	"fmt"
	"io"
	netmail "net/mail"
	"net/smtp"
	"os"
	"strings"

	"github.com/golance/golance/plugins/internal/mail"
)

// sendmailName is the name the sendmail stand-in answers to: a scenario
// links it to this executable in a directory it puts first on the
// listener's PATH, and HARNESS_SENDMAIL names the link.
const sendmailName = "sendmail"

// exTempFail is sendmail's EX_TEMPFAIL: try again later.
const exTempFail = 75

// localDomain qualifies a local mailbox name, as sendmail's $j does.
const localDomain = "localhost"

// SendmailMain is the sendmail stand-in: it reads a message on standard
// input, as "sendmail -t -i" and "sendmail rcpt..." do, and hands it to
// the scenario's SMTP server ($HARNESS_SMTP), so that mail sent either way
// is expected the same way. It exits.
func SendmailMain() {
	if err := sendmail(os.Args[1:], os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "sendmail (supervisor-harness stand-in):", err)
		os.Exit(exTempFail)
	}
	os.Exit(0)
}

func sendmail(args []string, stdin io.Reader) error {
	addr := os.Getenv("HARNESS_SMTP")
	if addr == "" {
		return fmt.Errorf("HARNESS_SMTP is not set: run under supervisor-harness")
	}
	msg, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	from, fromHeaders := "sendmail@localhost", false
	var to []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-t":
			fromHeaders = true
		case a == "-f" && i+1 < len(args):
			i++
			from = args[i]
		case strings.HasPrefix(a, "-f") && len(a) > 2:
			from = a[2:]
		case strings.HasPrefix(a, "-"):
			// -i, -oi and the like change nothing here.
		default:
			list, err := recipients(a)
			if err != nil {
				return fmt.Errorf("bad recipient argument: %w", err)
			}
			to = append(to, list...)
		}
	}
	if fromHeaders || len(to) == 0 {
		m, err := netmail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			return fmt.Errorf("cannot read the message's headers: %w", err)
		}
		for _, h := range []string{"To", "Cc", "Bcc"} {
			for _, v := range m.Header[h] {
				list, err := recipients(v)
				if err != nil {
					return fmt.Errorf("bad %s header: %w", h, err)
				}
				to = append(to, list...)
			}
		}
	}
	if len(to) == 0 {
		return fmt.Errorf("no recipient: give one as an argument or use -t with a To header")
	}
	return smtp.SendMail(addr, nil, from, to, msg)
}

// recipients reads a comma list of recipients as sendmail does: RFC 5322
// addresses ("Ops <ops@example.com>"), and also bare local names ("root",
// "Admin <root>"), which net/mail refuses for want of an @ but which
// sendmail delivers to a local mailbox, and which superlance's mailers
// are given with -m root. Like sendmail, it qualifies a local name with
// the local domain (root@localhost) for the envelope, which SMTP needs.
func recipients(list string) ([]string, error) {
	if as, err := netmail.ParseAddressList(list); err == nil {
		out := make([]string, len(as))
		for i, a := range as {
			out[i] = a.Address
		}
		return out, nil
	}
	var out []string
	for _, item := range splitList(list) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if a, err := netmail.ParseAddress(item); err == nil {
			out = append(out, a.Address)
			continue
		}
		local := item
		if i := strings.LastIndexByte(item, '<'); i >= 0 && strings.HasSuffix(item, ">") {
			local = item[i+1 : len(item)-1]
		}
		if !mail.IsLocalName(local) {
			return nil, fmt.Errorf("%q is neither an address nor a local mailbox name", item)
		}
		out = append(out, local+"@"+localDomain)
	}
	return out, nil
}

// splitList splits at the commas outside quotes, angle brackets and
// comments.
func splitList(list string) []string {
	var items []string
	quoted, depth, start := false, 0, 0
	for i := 0; i < len(list); i++ {
		switch c := list[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<' || c == '(':
			depth++
		case (c == '>' || c == ')') && depth > 0:
			depth--
		case c == ',' && depth == 0:
			items = append(items, list[start:i])
			start = i + 1
		}
	}
	return append(items, list[start:])
}
