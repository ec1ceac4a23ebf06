// Package harness is supervisor-harness: testharness's emulated
// supervisord as a command, for listeners written in any language. It
// runs a listener from a supervisord.conf under a virtual clock, plays
// testscript (txtar) scenarios at it, checks what the listener did, and
// lints the protocol on every run.
//
// Scenarios run on go-internal's testscript engine outside go test, with
// the harness's verbs and expectations as its custom commands: one
// language, the one golance's own CLI tests are written in, and
// testscript's own commands (exec, cmp, env, ...) for free.
//
//	command.go   NewCommand, Main: the flags
//	config.go    config: the settings, and the configuration a scenario runs under
//	runner.go    rootT, scriptT: testscript.T outside go test; PASS, FAIL, the report
//	session.go   session: one scenario's supervisord, clock and sinks; settling
//	verbs.go     what supervisord does: exit, crash, fatal, log, comm, tick, remote, supervisorctl
//	expect.go    what the listener did: answered, unknown, logged, called, mailed, requested, state, fault
//	probe.go     probe: non-ASCII text that catches len read as bytes
//	fault.go     the protocol lint over the transcript
//	durable.go   durable: kill a listener right after its OK, and find the work it lost
//	peer_linux.go  which listener sent a mail or request; a pool's live process, from /proc
//	render.go    the transcript for a person
//	smtpsink.go  the built-in SMTP server
//	httpsink.go  the built-in HTTP endpoint
//	sendmail.go  the sendmail stand-in, which hands mail to the SMTP server
//
// # Time
//
// The clock is virtual (testharness.FakeClock): TICKs, startsecs and
// backoff follow it, so a scenario's "tick 1h" takes no hour. A virtual
// program's deadlines are jumped to, but only while no listener is
// working, so that a listener asking getProcessInfo mid-event sees what
// it would under supervisord. A listener is a real process: while one is
// starting, backing off or stopping the clock moves at real pace, so
// one that dies 200ms after it starts still dies within startsecs.
package harness
