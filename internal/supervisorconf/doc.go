// Package supervisorconf reads supervisord's configuration exactly as
// supervisord 4.2.5 reads it (supervisor/options.py over Python's
// configparser), so that golance's listeners, its harness and its doctor
// see what supervisord sees, and refuse what it refuses with one line
// that names the file, the line, the section, the key and the fix.
//
// Reading comes in two steps, as in supervisord. Load (or Loader.Parse
// for text) reads the main file and its [include] files into sections of
// raw values: the INI dialect of configparser as UnhosedConfigParser sets
// it up, %(here)s, include globs. The typed accessors then read sections
// as supervisord's read_config does, each value expanded (%(ENV_X)s,
// %(program_name)s, %(process_num)d, ...) and converted by the rules of
// supervisor/datatypes.py, with supervisord's defaults; Check runs them
// all in supervisord's order.
//
// The map of the package:
//
//	loader.go      Loader, Load, Parse: files, [include], %(here)s
//	parser.go      the INI dialect, line by line
//	config.go      Config: sections, Get (saneget), Check
//	section.go     Section and Value: raw keys with their file and line
//	glob.go        Python's glob.glob and fnmatch, for include patterns
//	runeset.go     the [...] of a pattern, as fnmatch translates it
//	expand.go      Expand: supervisord's %-expansion and its errors
//	reader.go      reading one section's keys: get, default, convert
//	datatypes.go   the conversions of supervisor/datatypes.py
//	shlex.go       Python's shlex: SplitCommand, and environment= lines
//	supervisord.go Supervisord: [supervisord]
//	program.go     Program: [program:x], [eventlistener:x], [fcgi-program:x]
//	process.go     Process: a program's processes, numprocs expanded
//	group.go       Group: process groups and pools, in supervisord's order
//	log.go         Log: where a process's output goes
//	autorestart.go Autorestart
//	server.go      Server: [unix_http_server], [inet_http_server]; ServerURL, Credentials
//	supervisorctl.go Supervisorctl: [supervisorctl]
//	rpcinterface.go  RPCInterface: [rpcinterface:x]
//	endpoint.go    Endpoint: the URL and credentials a client should use
//	locator.go     Locator: the running supervisord's file, through /proc
//	supervisordprocess.go what /proc tells of a supervisord
//	error.go       Error: one line, placed in the file
//
// TestMatchesSupervisord checks this against supervisord's own code, value
// by value, on a table of tricky configurations (cases_test.go); the
// conversions, the shlex modes and glob are checked the same way against
// Python, and FuzzDialect compares the parser with supervisord's on any
// text. What supervisord would only find when it imports Python code (a
// result_handler or an rpcinterface factory that does not exist) is not
// checked, and integers are limited to int64 where Python's have no limit.
//
// # Why not gopkg.in/ini.v1
//
// ordered-startup read configurations with ini.v1 behind a 132-line
// pre-pass that rewrote each file into a form ini.v1 reads as configparser
// reads the original (comment rules, continuation lines), plus about 80
// lines of options and fix-ups around it (a marker so that a value opening
// with a backquote or """ stays text, a section-name delimiter so that a
// dot is not inheritance, a buffer size so that long values are not cut,
// trailing blank lines trimmed afterwards). The pre-pass was a parser in
// all but name, and ini.v1 still could not give the line of each key or
// apply [include] and %(here)s in supervisord's order: on the table of
// cases_test.go (62 configurations when this was measured) it read two
// differently from supervisord: %%(here)s, which it replaced even without
// an [include], and a [DEFAULT] value holding %(here)s, which supervisord
// copies into each section with that section's file's directory. parser.go ports
// configparser's reading loop directly in about 190 lines, matches
// supervisord on every case, and knows where each key was written. So
// golance does not use ini.v1.
package supervisorconf
