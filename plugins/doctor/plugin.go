package doctor

import "github.com/spf13/cobra"

// A Plugin is one golance listener binary, as the doctor needs it: its
// name (the command= word that names it) and a fresh copy of its command,
// whose flags parse a listener's command line exactly as the binary would
// and whose Example holds its [eventlistener:x] snippets.
type Plugin struct {
	Name    string
	Command func() *cobra.Command
}
