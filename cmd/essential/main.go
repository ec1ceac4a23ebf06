// Command essential shuts supervisord down when an essential program
// goes FATAL or exits, and, as "essential run", runs supervisord as a
// container's entrypoint that exits with that program's code. See
// docs/essential.md.
package main

import "github.com/golance/golance/plugins/essential"

func main() { essential.Main() }
