// Command crashsms is a supervisord event listener that sends a short batch of the unexpected process exits to a mail-to-SMS gateway every interval,
// a drop-in replacement for superlance's crashsms. See docs/crashsms.md.
package main

import "github.com/golance/golance/plugins/mailbatch"

func main() { mailbatch.Main(mailbatch.CrashSMS) }
