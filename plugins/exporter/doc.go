// Package exporter is supervisord_exporter: an event listener that serves
// Prometheus metrics about supervisord and its processes, counted from
// supervisord's events rather than polled, posts alerts about crashes and
// FATAL to Alertmanager through the outbox, and shows a status page on the
// same port. docs/fleet.md describes it for operators, with the design.
//
// The handler keeps the state from each event (the shared process table,
// package proctable, says what supervisord has; the events add what
// polling cannot see: every transition, exit and spawn). Scrapes, the
// textfile and the status page read that state and never call
// supervisord; a sampler adds memory and CPU from /proc.
//
//	config.go     config: every setting, validate
//	command.go    NewCommand: the flags; Main
//	run.go        run: the table, the outbox, the server, the background work
//	handler.go    handler: HandleEvent, the crash facts, alerts fired and resolved
//	state.go      state: what the exporter knows, shared by all readers
//	process.go    process: one supervisord process, its counters and last hour
//	collector.go  collector: the metric families, built at each scrape; health
//	sampler.go    sampler: /proc, every --sample-interval
//	alerter.go    alerter: the firing set, transitions through the outbox, resends
//	crash.go      crashAlert: an alert with the crash's facts as annotations
//	textfile.go   textfile: node_exporter's textfile, written atomically
//	web.go        server: exporter-toolkit's TLS and basic auth on every address
//	status.go     statusPage: the page at /, from status.html
//	sparkline.go  sparkline: the inline SVG plots
package exporter
