// Package mail renders and sends the plain-text notification mail of every
// golance plugin, so that header safety, TLS policy and retries are decided
// in one place.
//
// A Message is rendered the same way for every transport: UTF-8 text with
// the headers From, To, Subject (RFC 2047 encoded when it is not plain
// ASCII), Date, Message-ID, Auto-Submitted, MIME-Version, Content-Type and
// Content-Transfer-Encoding. Subjects and extra header values usually carry
// process names and log text, which an attacker may control, so every
// control character in them (CR and LF above all) is replaced by a space
// before rendering: nothing a process writes can add a header. The body is
// written after the blank line that ends the header and can only ever be
// body.
//
// Two Senders deliver it: SMTP (with STARTTLS whenever offered, verified
// certificates, optional mandatory TLS, implicit TLS on port 465 and AUTH)
// and Sendmail (a local sendmail-compatible program, as superlance's
// crashmail, httpok and memmon use). Deliver retries transient failures
// with package retry and stops at the first permanent one.
//
// Errors are one line each, name the server or program and say what to
// fix. They can be told apart with errors.Is against ErrInvalidMessage,
// ErrTLSRequired, ErrCertificate, ErrAuth, ErrRejected and
// ErrSendmailNotFound, and retry.IsPermanent reports whether retrying could
// help.
//
// The SMTP sender is built on the standard library's net/smtp rather than
// gopkg.in/gomail.v2. gomail.v2's Dialer cannot be bounded by a context:
// its only limit is a 10-second connect timeout, so a server that accepts
// the connection and then stops answering would hold a listener, and with
// it supervisord's event queue, forever. It also cannot make STARTTLS
// mandatory (--tls) and writes headers in random order without a
// Message-ID. net/smtp is what gomail.v2 wraps; here it runs under the
// context's deadline, on every read and write.
//
// internal/testkit/mailserver provides a real SMTP server for tests.
package mail
