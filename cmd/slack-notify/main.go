// Command slack-notify posts supervisord process failures and recoveries to
// Slack, folding repeated failures into one incident. See
// docs/slack-notify.md.
package main

import "github.com/golance/golance/plugins/slacknotify"

func main() { slacknotify.Main() }
