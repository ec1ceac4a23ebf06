// Command ordered-startup is a supervisord event listener that starts
// programs in order, or in dependency order, and reports every step that
// stalls. See docs/ordered-startup.md.
package main

import "github.com/golance/golance/plugins/orderedstartup"

func main() { orderedstartup.Main() }
