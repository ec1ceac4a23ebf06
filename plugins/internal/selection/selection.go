// Package selection is how every golance plugin chooses the processes it
// acts on, and leaves its own process out: one registration of
// -p/--program and -a/--any (and slack-notify's --exclude), one reading of
// process names (listener.Matcher's: name, group:name, group:*, shell
// patterns), one place that knows which process is the listener itself.
//
//	selection.go  the package map
//	self.go       Self, the listener's own process
//	selector.go   Selector, SelfPolicy, Empty
//	flags.go      Flags, Options, Register: the command-line side
package selection
