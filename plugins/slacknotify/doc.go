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
// An event is acknowledged only once what it owes Slack has been posted.
// A post is retried with backoff, honouring Slack's Retry-After, for a
// bounded time; after that the event is rejected and supervisord delivers
// it again.
//
//	command.go   NewCommand, Main: the flags, and where messages go (destination)
//	config.go    config: every setting, its default, validate
//	handler.go   handler: alerts, repeats, recoveries and summaries
//	incident.go  incident: what slack-notify remembers of one failing process
//	message.go   the messages: Block Kit and plain text
//	poster.go    slackPoster and slackUpdater: what delivers a message, and its errors
//	bot.go       botPoster: the Web API with a bot token
//	webhook.go   webhookPoster: an incoming webhook
//	dryrun.go    dryRun: messages printed instead of posted (--dry-run)
package slacknotify
