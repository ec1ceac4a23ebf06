// Package doctor is the golance command: `golance doctor` reads the
// supervisord.conf supervisord is using and prints one line per problem
// with its fix, and `golance snippet` prints a plugin's [eventlistener:x]
// sections. It reads configurations with internal/supervisorconf, parses a
// listener's command line with that plugin's own flags, and asks the
// plugins (their --help examples, ordered-startup's --plan) rather than
// knowing their rules twice; only what each command line needs of events=
// and of supervisord lives here (needs.go), since the plugins export
// nothing else.
//
//	command.go        NewCommand, Main: golance, doctor and snippet
//	plugin.go         Plugin: a listener binary the doctor knows
//	check.go          Check: the file's problems, section by section
//	needs.go          what each plugin's command line needs
//	running.go        CompareRunning: running listeners against the file
//	inherited.go      Inherited: what listeners inherit of supervisord's environment
//	orderedstartup.go ordered-startup's chain, from its own --plan
//	finding.go        Finding: one problem and its fix, one line
//	snippet.go        Snippet, WriteSnippets: the plugins' sections
package doctor
