// Command supervisor-harness tests an event listener, in any language,
// under an emulated supervisord. See docs/harness-cli.md.
package main

import "github.com/golance/golance/plugins/harness"

func main() { harness.Main() }
