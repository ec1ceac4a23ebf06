// Command memmon restarts supervisord processes that use more memory than
// their limit, reading /proc on every TICK event; a drop-in for superlance's
// memmon. See docs/memmon.md.
package main

import "github.com/golance/golance/plugins/memmon"

func main() { memmon.Main() }
