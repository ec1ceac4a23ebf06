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
//
// The mail about a restart (restarted, stopped, a failed stop or start, a
// spent budget) is keyed in the outbox, and its Message-ID derived, by the
// restart's cause: the tick that found the process over its limit (its
// outbox.EventKey: supervisord's identification and run, the pool, the
// serial) and the process, by name and pid (noticeKey), never by when the
// mail was made. A mail a kill -9 interrupted goes again from the outbox,
// the same mail; a notice made again for the same cause is recognised as
// one; the next restart of the same program, a new pid at a later tick, is
// another.
package memmon
