// Package testkit is golance's test support, in one place, for the tests
// of every package. This package reads plugins' logs (Messages, Levels)
// and supervisord's debug log (AnswerTimes, how long a listener took;
// CallsPerAnswer, the XML-RPC calls made up to each answer; QuietTicks;
// TickUnderSupervisord, a listener's ticks measured under the real
// supervisord for make bench), and
// says how long the outage tests last (Outage);
// its subpackages stand in for the world a listener lives in:
//
//	rig/         the plugin test rig: a handler or binary as a listener pool
//	             of the emulated supervisord, waiting helpers, a sendmail
//	             stand-in that keeps every mail, a page's example
//	             configuration under the real supervisord (DocExample)
//	mailserver/  a real SMTP server (STARTTLS, AUTH, refusals, outages)
//	fakeslack/   Slack's incoming webhooks and Web API, with failures on demand
//	memhog/      a program holding a chosen amount of resident memory
//	pty/         pseudo-terminals, for what a program does in a terminal
//	resident/    a binary built as `make build` builds it, and its resident memory
//	stopcheck/   SIGTERM with mail undeliverable: a quick stop, the mail after
//	             the next start (the real supervisord)
//	killcheck/   a kill -9 in the middle of SMTP DATA: the mail sent again
//	             after the restart is the same mail (the real supervisord)
//
// The real supervisord is started by testharness/supervisord, which the
// demo uses too.
package testkit
