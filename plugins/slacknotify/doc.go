// Package slacknotify is the slack-notify listener: it posts supervisord
// process failures to Slack as Block Kit messages, and keeps the channel
// readable while a process fails again and again.
//
// The handler is a listener.Handler for PROCESS_STATE and TICK events.
// The first alerting transition of a process (by default an unexpected
// EXITED, BACKOFF or FATAL) opens an incident and posts an alert. For the
// next --window, further failures of that process do not post again: with a
// bot token the alert is edited in place to show the count, with an
// incoming webhook (which cannot edit) they are counted and reported in
// one summary when the window closes. An escalation to FATAL is always
// posted at once, and so is the first return to RUNNING, as a recovery.
//
// Every message is rendered when its event comes and queued in the
// outbox (plugins/internal/outbox) in one durable step with the new state
// of the incidents, which live there too; then the event is answered. The
// outbox's sink posts the messages in the background, in order, and keeps
// where each alert went, so that the edits and replies queued behind it
// find it even when they were queued before Slack took the alert, and
// after a restart. With --outbox none the messages are posted before the
// event is answered, retried for --retry-for, and the event is rejected
// if they cannot be.
//
//	command.go   NewCommand, Main: the flags, and where messages go (destination)
//	config.go    config: every setting, its default, validate
//	handler.go   handler: alerts, repeats, recoveries and summaries
//	incident.go  incident and failure: what slack-notify remembers of one failing process
//	facts.go     facts: what supervisord told about a failure, as the outbox keeps it
//	state.go     state: the incidents in the outbox, and the events already handled
//	change.go    change: what one event does to the state, made durable at once
//	delivery.go  delivery: one queued message and what to do with it (post, edit, reply)
//	sink.go      sink: the outbox.Sink that performs deliveries and keeps alerts' places
//	rawblock.go  rawBlock: a stored Block Kit block, sent as it was rendered
//	message.go   the messages: Block Kit and plain text
//	poster.go    slackPoster and slackUpdater: what delivers a message, and its errors
//	bot.go       botPoster: the Web API with a bot token
//	webhook.go   webhookPoster: an incoming webhook
//	dryrun.go    dryRun: messages printed instead of posted (--dry-run)
package slacknotify
