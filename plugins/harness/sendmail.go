package harness

import (
	"bytes"
	"fmt"
	"io"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
)

// sendmailName is the name the sendmail stand-in answers to: a scenario
// links it to this executable in a directory it puts first on the
// listener's PATH, and HARNESS_SENDMAIL names the link.
const sendmailName = "sendmail"

// exTempFail is sendmail's EX_TEMPFAIL: try again later.
const exTempFail = 75

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
			to = append(to, a)
		}
	}
	if fromHeaders || len(to) == 0 {
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			return fmt.Errorf("cannot read the message's headers: %w", err)
		}
		for _, h := range []string{"To", "Cc", "Bcc"} {
			list, err := m.Header.AddressList(h)
			if err != nil && err != mail.ErrHeaderNotPresent {
				return fmt.Errorf("bad %s header: %w", h, err)
			}
			for _, a := range list {
				to = append(to, a.Address)
			}
		}
	}
	if len(to) == 0 {
		return fmt.Errorf("no recipient: give one as an argument or use -t with a To header")
	}
	return smtp.SendMail(addr, nil, from, to, msg)
}
