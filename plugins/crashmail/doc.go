// Package crashmail is the crashmail listener: it mails when a process
// exits unexpectedly, a drop-in replacement for superlance's crashmail
// that honours -p and -a, refuses to start without a recipient, can send
// through SMTP as well as sendmail, adds the host, exit status, uptime and
// the end of the process's logs to the mail, and acknowledges a crash
// once its mail is in the durable outbox (plugins/internal/outbox), which
// delivers it whatever the mail server does, so that no alert is lost.
//
//	command.go  NewCommand, Main: the flags
//	config.go   config: every setting, its default, validate
//	handler.go  handler: one mail per unexpected exit, in the outbox before the event is answered
//	message.go  the mail: subject and first line as superlance words them, then the details
//	examples/   the sections --help and docs/crashmail.md show, which the tests start
package crashmail
