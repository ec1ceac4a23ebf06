// Package commands lists every golance binary, for the tools that need all
// of them at once: the documentation generator and the tests that hold
// every binary to the same command-line contract.
package commands

import (
	"github.com/golance/golance/internal/manual"
	"github.com/golance/golance/plugins/crashmail"
	"github.com/golance/golance/plugins/doctor"
	"github.com/golance/golance/plugins/essential"
	"github.com/golance/golance/plugins/eventdump"
	"github.com/golance/golance/plugins/exporter"
	"github.com/golance/golance/plugins/harness"
	"github.com/golance/golance/plugins/httpok"
	"github.com/golance/golance/plugins/mailbatch"
	"github.com/golance/golance/plugins/memmon"
	"github.com/golance/golance/plugins/orderedstartup"
	"github.com/golance/golance/plugins/slacknotify"
	"github.com/spf13/cobra"
)

// A Binary is one program under cmd/.
type Binary struct {
	// Name is the program's name, which is also its command's name.
	Name string
	// Command returns a fresh root command.
	Command func() *cobra.Command
	// Main is the program's main function; it exits.
	Main func()
}

// Binaries returns every listener binary under cmd/, in alphabetical
// order; Tools returns the others.
func Binaries() []Binary {
	return []Binary{
		{"crashmail", crashmail.NewCommand, crashmail.Main},
		{"crashmailbatch", func() *cobra.Command { return mailbatch.NewCommand("crashmailbatch") }, func() { mailbatch.Main("crashmailbatch") }},
		{"crashsms", func() *cobra.Command { return mailbatch.NewCommand("crashsms") }, func() { mailbatch.Main("crashsms") }},
		{"essential", essential.NewCommand, essential.Main},
		{"eventdump", eventdump.NewCommand, eventdump.Main},
		{"fatalmailbatch", func() *cobra.Command { return mailbatch.NewCommand("fatalmailbatch") }, func() { mailbatch.Main("fatalmailbatch") }},
		{"httpok", httpok.NewCommand, httpok.Main},
		{"memmon", memmon.NewCommand, memmon.Main},
		{"ordered-startup", orderedstartup.NewCommand, orderedstartup.Main},
		{"slack-notify", slacknotify.NewCommand, slacknotify.Main},
		{"supervisor-harness", harness.NewCommand, harness.Main},
		{"supervisord_exporter", exporter.NewCommand, exporter.Main},
	}
}

// All returns a fresh root command for each binary.
func All() []*cobra.Command {
	var cmds []*cobra.Command
	for _, b := range Binaries() {
		cmds = append(cmds, b.Command())
	}
	return cmds
}

// Tools returns the binaries under cmd/ that are not listeners: golance,
// whose doctor and snippet know every listener of Binaries.
func Tools() []Binary {
	return []Binary{
		{"golance", func() *cobra.Command { return doctor.NewCommand(Plugins()) }, func() { doctor.Main(Plugins()) }},
	}
}

// Plugins returns, as the golance command needs them, the binaries that
// run as supervisord event listeners: those whose --help shows an
// [eventlistener:x] section (supervisor-harness, a test runner, shows
// none).
func Plugins() []doctor.Plugin {
	var out []doctor.Plugin
	for _, b := range Binaries() {
		if manual.IsListener(b.Command()) {
			out = append(out, doctor.Plugin{Name: b.Name, Command: b.Command})
		}
	}
	return out
}
