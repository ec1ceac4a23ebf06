// Package mailbatch holds the batch mailers crashmailbatch, fatalmailbatch
// and crashsms, drop-in replacements for superlance's. Each collects one
// kind of process state event into a batch of lines and mails the batch
// once per interval, counted in supervisord's TICK events. They share one
// engine, the handler, and differ only in their kind.
//
// Nothing is dropped: the pending batch lives in the outbox
// (plugins/internal/outbox), each line on disk before its event is
// answered, and so does the count of ticks towards the interval, so that
// a restarted listener continues it; the tick that completes the interval
// is answered once the batch is a mail there, made in one step and
// delivered in the background whatever the mail server does; a batch
// still pending when the listener is stopped (SIGTERM) or supervisord goes
// away (end of input) is queued before the listener exits.
//
//	command.go   NewCommand, Main: the flags, one command per batch mailer
//	config.go    config: every setting, its default, validate
//	handler.go   handler: collects lines, mails the batch once per interval
//	kind.go      kind: what distinguishes crashmailbatch, fatalmailbatch and crashsms
//	interval.go  -i and -e: the interval, counted in whole ticks (cadence)
//	spool.go     --spool: an old spool file moved into the outbox
//	examples/    the sections --help and the docs show, which the tests start
package mailbatch
