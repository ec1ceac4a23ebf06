// Command gendocs regenerates golance's generated documentation (run by
// `make docs` from the repository's top directory).
package main

import (
	"fmt"
	"os"

	"github.com/golance/golance/internal/docgen"
)

func main() {
	if err := docgen.Write("."); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
