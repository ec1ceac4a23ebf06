// Command crashmailbatch is a supervisord event listener that mails, once
// per interval, a batch of the processes that exited unexpectedly: a
// drop-in replacement for superlance's crashmailbatch. See
// docs/crashmailbatch.md.
package main

import "github.com/golance/golance/plugins/mailbatch"

func main() { mailbatch.Main("crashmailbatch") }
