// Package essential is the essential listener and its entrypoint, for
// supervisord in a container: when a program marked essential goes FATAL
// (or, by choice, exits), the listener records why and calls
// supervisor.shutdown(), so that supervisord stops every program
// gracefully; "essential run -- supervisord -n -c FILE" runs supervisord
// as its child, passes signals on, reaps orphans as PID 1, and exits with
// a code that says what happened. supervisord itself always exits 0.
//
//	command.go     NewCommand, Main: the flags of the listener and of run
//	config.go      config, runConfig: every setting and its default
//	handler.go     handler: record, then shut down, then answer the event
//	trigger.go     trigger: which ends of a program fire (--on)
//	record.go      record: the hand-over file between listener and entrypoint
//	exitcode.go    the exit codes and how a program's end maps to one
//	entrypoint.go  essential run: the child, signals, reaping, the exit code
//	reap_linux.go  the subreaper and the children in /proc (reap_other.go: neither)
package essential
