// Package memmon is the memmon listener: on every TICK it measures the
// memory of the processes supervisord runs, from /proc, and restarts those
// above their limit, as superlance's memmon does, without superlance's bugs:
// group:name limits work (superlance #79), numprocs programs can be targeted
// (#116), a process is restarted at most once per tick, restarts do not
// hold up the event loop (#41, #55), and a failed restart is reported
// rather than fatal.
//
//	command.go  NewCommand, Main: superlance's flags and golance's
//	config.go   config: every setting, its default, validate
//	handler.go  handler: checks memory on every TICK, restarts in the background
//	limit.go    limit and rule: -p NAME=SIZE, -g GROUP=SIZE, -a SIZE
//	runtime.go  --max-runtime: run-time limits, their jitter and window
//	size.go     SIZE and SECS values, as superlance reads them
package memmon
