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
//
// The check of an http URL does not go through net/http's client, which
// runs each connection in goroutines of its own, three for each check on
// a fresh connection: their stacks start small and grow in every check,
// and each growth reads the function tables of every frame on them, pages
// of the binary that the kernel maps 64 KiB at a time. prober.dial writes
// the same request, byte for byte, with net/http's Request.Write and
// reads the answer with its ReadResponse, on the goroutine that checks.
// Measured idle under supervisord 4.2.5, checking a server that answers
// 200 at each TICK_5: a check touches 3.6 MiB of the binary through the
// client, 1.9 MiB of it function tables, and 2.0 MiB by dial; it
// allocates 16 KB through the client and 4.5 KB by dial (BenchmarkCheck),
// on heap pages that stay resident until the next forced collection. The
// most httpok held over a period of those collections
// (internal/testkit/resident) went from 7.8-8.3 MiB to 6.3-7.9. https
// keeps the client, which negotiates HTTP/2 with a server that offers it,
// and so does a host name in other than ASCII, which the client converts
// (IDNA) before looking it up.
package httpok
