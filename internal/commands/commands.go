// Package commands lists the cobra command of every golance binary, for the
// tools that need all of them at once: the documentation generator and the
// tests that check the docs against the code.
package commands

import (
	"github.com/golance/golance/plugins/eventdump"
	"github.com/golance/golance/plugins/orderedstartup"
	"github.com/golance/golance/plugins/slacknotify"
	"github.com/spf13/cobra"
)

// All returns a fresh root command for each binary under cmd/, in
// alphabetical order of the binary's name.
func All() []*cobra.Command {
	return []*cobra.Command{
		eventdump.NewCommand(),
		orderedstartup.NewCommand(),
		slacknotify.NewCommand(),
	}
}
