// Package orderedstartup is the ordered-startup listener: it starts
// supervisord programs one after another, or in dependency order, and
// reports every step that does not get where it should.
//
//	command.go   NewCommand, Main: the flags; load finds the configuration and supervisord
//	config.go    config: every setting, its default
//	handler.go   handler: starts what is ready at every event, tick and poll
//	progress.go  process: what the handler knows of one process
//	reload.go    the handler following supervisorctl update: the plan made again
//	follow.go    the handler's runtime dependencies: followers stopped and restarted
//	runtime.go   runtimeMode: dependent_runtime
//	plan.go      startPlan: the start order, in layers, from the startup keys
//	options.go   programOptions: the startup keys of one [program:x]
//	policy.go    failurePolicy: --on-failure
//	conf.go      the configuration, read through supervisorconf
//	server.go    connect: the client of the supervisord that runs the configuration
//	mailer.go    reportMailer: the reports mailed from a queue of their own
package orderedstartup
