// Package manual holds what a golance binary's man page says beyond its
// flags and help text, recorded where the binary is defined so that the
// page cannot drift from it:
//
//	env.go     EnvVar, Environment, EnvFlag, EnvironmentOf: the environment
//	           variables a command reads, as annotations on it and its flags
//	status.go  the exit statuses every binary shares
//	guide.go   Guide, GuideOf: the docs/ page a binary's man page points to
//
// internal/docgen renders them into docs/man; plugins/internal/cli exits
// with the statuses listed here.
package manual
