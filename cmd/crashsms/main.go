// Command crashsms is a supervisord event listener that sends, once per
// interval, a short batch of the processes that exited unexpectedly to a
// mail-to-SMS gateway: a drop-in replacement for superlance's crashsms. See
// docs/crashsms.md.
package main

import "github.com/golance/golance/plugins/mailbatch"

func main() { mailbatch.Main("crashsms") }
