// Command eventdump writes every event supervisord sends it as one JSON
// object per line. See docs/eventdump.md.
package main

import "github.com/golance/golance/plugins/eventdump"

func main() { eventdump.Main() }
