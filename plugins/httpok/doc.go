// Package httpok is the httpok listener: on every TICK it GETs a URL and,
// when the answer is not healthy, restarts the processes it watches, as
// superlance's httpok does. Unlike superlance it verifies https
// certificates (and works on current Pythons' successors: superlance's
// https is broken on Python 3.12+ and restarts the processes every tick),
// reads -b bodies without crashing, honours -E with group:name and -a, and
// restarts in the background with flap control.
//
//	command.go  NewCommand, Main: superlance's flags and golance's
//	config.go   config: every setting, its default, validate
//	handler.go  handler: a check on every TICK, restarts in the background
//	probe.go    the check: one GET, a refused connection tried again
//	report.go   report: the lines of one act, logged as they come, mailed once over
//	gcore.go    the core dump before a restart (-d)
//
// The mail of an act is keyed in the outbox, and its Message-ID derived,
// by the tick whose check failed (its outbox.EventKey: supervisord's
// identification and run, the pool, the serial), never by when the mail
// was made: httpok acts at most once per tick, so the key names the act.
// A mail a kill -9 interrupted goes again from the outbox, the same mail;
// the act of a later tick is another.
package httpok
