// Package orderedstartup is the ordered-startup listener: it starts
// supervisord programs one after another, or in dependency order, and
// reports every step that does not get where it should.
//
//	command.go   NewCommand, Main: the flags; load finds the configuration and supervisord
//	config.go    config: every setting, its default
//	handler.go   handler: starts what is ready at every event, tick and poll
//	progress.go  process: what the handler knows of one process
//	reload.go    the handler following supervisorctl update and edits of its own keys: the plan made again
//	confstamp.go confStamp: whether the configuration files changed, looked at every TICK
//	follow.go    the handler's runtime dependencies: followers stopped and restarted
//	runtime.go   runtimeMode: dependent_runtime
//	plan.go      startPlan: the start order, in layers, from the startup keys
//	options.go   programOptions: the startup keys of one [program:x]
//	policy.go    failurePolicy: --on-failure
//	conf.go      the configuration, read through supervisorconf
//	server.go    connect: the client of the supervisord that runs the configuration
//	mailer.go    reportMailer: the reports mailed from a queue of their own
//
// A report is about a state, not one event: it is made when the listener
// finds a program failed, however it learnt so, and a listener restarted
// after a kill finds the same failure again. So its outbox key, and the
// Message-ID derived from it, name that state (outbox.StateKey, under the
// supervisord run): what is reported, the program, and the start time
// supervisord gives for the latest run of each of its processes
// (factsKey). The restarted listener's report has the key of the one
// already queued and is not sent again; a mail the kill interrupted goes
// again from the outbox as it was. A failed follower restart adds the runs
// of the program it follows; a configuration that supervisorctl update
// made unusable is keyed by the PROCESS_GROUP event (outbox.EventKey); a
// listener that cannot start at all, by the problem it met.
package orderedstartup
