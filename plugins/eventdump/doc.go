// Package eventdump is a listener that writes every event it receives as
// one JSON object per line, so that users can see exactly what supervisord
// sends: the raw payload, its parsed fields and, for log and communication
// events, the text they carry.
//
//	command.go  NewCommand, Main: the flags
//	config.go   config: where the lines go, how the header's len counts
//	handler.go  handler: one line per event, acknowledged once written
//	record.go   record: one line of output
package eventdump
