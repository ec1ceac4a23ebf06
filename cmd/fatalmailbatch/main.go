// Command fatalmailbatch is a supervisord event listener that mails, once
// per interval, a batch of the processes that failed to start (FATAL): a
// drop-in replacement for superlance's fatalmailbatch. See
// docs/fatalmailbatch.md.
package main

import "github.com/golance/golance/plugins/mailbatch"

func main() { mailbatch.Main("fatalmailbatch") }
