// Command httpok restarts supervisord processes when a URL checked on every
// TICK event does not answer as it should; a drop-in for superlance's
// httpok. See docs/httpok.md.
package main

import "github.com/golance/golance/plugins/httpok"

func main() { httpok.Main() }
