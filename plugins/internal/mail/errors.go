package mail

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/golance/golance/plugins/internal/retry"
)

// Kinds of failure, for errors.Is. Every error this package returns wraps
// at most one of them, plus the underlying error (a *textproto.Error, a
// *tls.CertificateVerificationError, an *exec.ExitError, a *net.OpError...)
// for errors.As.
var (
	// ErrInvalidMessage: the Message cannot be rendered (no recipient, a
	// malformed address, a forbidden extra header). Permanent.
	ErrInvalidMessage = errors.New("invalid mail message")
	// ErrTLSRequired: TLS was required, or needed to protect a password,
	// and the server does not offer STARTTLS. Permanent.
	ErrTLSRequired = errors.New("TLS required but not offered")
	// ErrCertificate: the server's TLS certificate failed verification.
	// Permanent.
	ErrCertificate = errors.New("untrusted TLS certificate")
	// ErrAuth: the server rejected the login, or cannot do AUTH at all.
	// Permanent unless the server answered with a 4xx code.
	ErrAuth = errors.New("SMTP authentication failed")
	// ErrRejected: the server refused the message or a recipient for good
	// (a 5xx reply), or sendmail did (EX_DATAERR, EX_NOUSER). Permanent.
	ErrRejected = errors.New("mail rejected")
	// ErrSendmailNotFound: the sendmail program does not exist. Permanent.
	ErrSendmailNotFound = errors.New("sendmail program not found")
)

// failure is an error with a hand-written one-line message that still
// unwraps to its kind and cause.
type failure struct {
	msg  string
	errs []error
}

func (f *failure) Error() string   { return f.msg }
func (f *failure) Unwrap() []error { return f.errs }

// newFailure builds a failure of the given kind (nil for none) caused by
// cause (nil for none).
func newFailure(kind, cause error, format string, args ...any) error {
	f := &failure{msg: oneLine(fmt.Sprintf(format, args...))}
	for _, err := range []error{kind, cause} {
		if err != nil {
			f.errs = append(f.errs, err)
		}
	}
	return f
}

// permanent is newFailure marked as not worth retrying.
func permanent(kind, cause error, format string, args ...any) error {
	return retry.Permanent(newFailure(kind, cause, format, args...))
}

// invalid reports a Message that cannot be rendered.
func invalid(cause error, format string, args ...any) error {
	return permanent(ErrInvalidMessage, cause, format, args...)
}

// oneLine folds text that may come from a server or a program (multi-line
// SMTP replies, stderr) into a single line free of control characters, so
// that a log line stays a log line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.Fields(s), " ")
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
