// Command crashmailbatch is a supervisord event listener that mails a batch of the unexpected process exits every interval,
// a drop-in replacement for superlance's crashmailbatch. See docs/crashmailbatch.md.
package main

import "github.com/golance/golance/plugins/mailbatch"

func main() { mailbatch.Main(mailbatch.CrashMailBatch) }
