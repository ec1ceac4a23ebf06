// Package outbox stands between a listener and the places its notifications
// go (an SMTP server, sendmail, Slack, Alertmanager), so that no
// notification is lost whatever those do.
//
// A listener that retries a failing sink before answering its event holds
// supervisord's events meanwhile; supervisord keeps at most buffer_size of
// them per pool (10 by default) and discards the oldest beyond that, with
// only a line in its own log. With the outbox, a handler makes the
// notification durable (appended to a bbolt file and synced to disk), the
// event is answered at once, and delivery runs in the background, retrying
// with backoff for as long as the bounds allow. supervisord's buffer never
// fills because of a sink.
//
// # The parts
//
//   - Outbox (outbox.go): Open, Start before serving, Update to queue items
//     and save state in one durable step, Stop at SIGTERM, Close.
//   - Item (item.go): one notification with everything needed to send it
//     later — the rendered content, the time its facts were taken — and an
//     idempotency Key; EventKey (key.go) derives one from a supervisord
//     event.
//   - Sink (sink.go): one destination; it delivers items and renders the
//     summary of dropped ones (Dropped, dropped.go).
//   - queue (queue.go): the background delivery to one sink, in order, with
//     backoff, bounds and the status lines.
//   - Tx (tx.go): what one Update writes; the listener's saved state (a
//     batch mailer's count of ticks, slack-notify's incidents) lives in the
//     same store as the queue, so both change together.
//   - lists (list.go): saved state that grows an entry at a time (a batch
//     mailer's pending lines). Tx.Append adds an entry under a key unless
//     the list holds that key, Tx.Has looks a key up, Tx.Trim drops the
//     oldest entries, Tx.Entries and Outbox.Entries read the list in
//     order. A saved value (Tx.Save) is written whole at each change; an
//     Append writes its entry only and a Has reads none, so both cost the
//     same however long the list (TestAppendWritesTheSamePagesHoweverLongTheList).
//     Lists change in the same Update, durably and atomically, as the
//     queue and the values; one changed while the store cannot be written
//     is kept in memory and written whole by the next Update that can.
//   - store (store.go): the bbolt file and its layout.
//   - DefaultDir (location.go): where the store lives when --outbox is not
//     given; Flags (flags.go): the command-line flags every notifier shares.
//
// # Guarantees
//
// Once Update returns nil, its items are on disk and will be delivered,
// across listener restarts (kill -9 included): Open finds them and Start
// resumes their delivery before the listener serves again. An item whose
// Key the outbox already holds or delivered in the last two weeks is not
// stored again, so a redelivered event, or a replay after a kill in the
// middle of a delivery, sends each notification once as far as the outbox
// can tell; the sinks carry the key to the far end (a mail's Message-ID)
// so that a delivery the far end accepted just before the kill is
// recognisable there as a duplicate.
//
// Each sink's queue is bounded by count and by age. When a bound is hit the
// oldest undelivered items are dropped and one summary, rendered by the
// sink, is delivered in their place ("13 notifications about web crashed
// at ... were dropped, from between T1 and T2, because SMTP server x was
// unreachable"). Nothing is dropped silently. An item the far end refuses
// for good (retry.Permanent) is set aside in the store, logged, and not
// retried.
//
// # When the store cannot be used
//
// With --outbox none, or when the store cannot be opened (a read-only
// directory, another process holding its lock, a file bbolt cannot read),
// the outbox is Synchronous: Update delivers before it returns and fails
// when delivery fails, so that the handler rejects the event and
// supervisord delivers it again — the behaviour of a listener without an
// outbox. Open says why in one line; a corrupt store is renamed aside
// (outbox.db.corrupt-<time>), never deleted. A Durable outbox whose store
// stops accepting writes (a full disk) delivers synchronously until it
// accepts them again, and says so once.
//
// # Log lines
//
// At the first failure of a sink, one line says how many notifications
// wait and how old the oldest is; it is repeated only when the failure
// changes. When the queue is empty again, one line says how many were
// delivered after how long.
//
// bbolt is used rather than an append-only file of our own: one
// notification is made durable in about a millisecond either way on this
// machine's disk (BenchmarkUpdate), and bbolt brings transactions over the
// queue and the state together, a consistency check at open, and locking.
package outbox
