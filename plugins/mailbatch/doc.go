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
// A line costs the same however long the batch: each is one entry of an
// outbox list (outbox.Tx.Append), written on its own, where golance
// before saved the whole batch at every line, and the ten-thousandth line
// of a crash storm within one long interval cost seventy times the
// two-hundredth. BenchmarkCollect, with 200 to 300 and with 10,000 to
// 10,100 lines pending (-benchtime 2s -count 3, at a load of 3-4):
//
//	                        200 pending        10,000 pending
//	--outbox none, before   0.35-0.86 ms       13.0-16.7 ms
//	--outbox none, now      2.1-2.3 us         3.3-3.5 us
//	synced write, before    0.78-1.42 ms       14.3-15.8 ms
//	synced write, now       0.93-1.02 ms       0.76-1.25 ms
//
// (now, the synced write at 200 once took 4.4 ms, a slow fsync.) What
// is left to grow at 10,000 in memory is the cache's: a larger index and
// heap, not work per pending line.
//
//	command.go   NewCommand, Main: the flags, one command per batch mailer
//	config.go    config: every setting, its default, validate
//	handler.go   handler: collects lines, mails the batch once per interval
//	kind.go      kind: what distinguishes crashmailbatch, fatalmailbatch and crashsms
//	interval.go  -i and -e: the interval, counted in whole ticks (cadence)
//	spool.go     --spool: an old spool file moved into the outbox
//	examples/    the sections --help and the docs show, which the tests start
package mailbatch
