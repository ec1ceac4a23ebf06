// Command crashmail is a supervisord event listener that mails when a
// process exits unexpectedly, a drop-in replacement for superlance's
// crashmail. See docs/crashmail.md.
package main

import "github.com/golance/golance/plugins/crashmail"

func main() { crashmail.Main() }
