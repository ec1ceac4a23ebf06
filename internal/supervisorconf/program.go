package supervisorconf

import (
	"fmt"
	"strings"
	"syscall"
)

// A Program is a [program:x], [eventlistener:x] or [fcgi-program:x]
// section read as supervisord reads it for one group (a [group:x] may
// list it, which changes %(group_name)s): the settings its processes
// share, with supervisord's defaults.
type Program struct {
	Section *Section
	// Kind is "program", "eventlistener" or "fcgi-program".
	Kind string
	// Name is the x of the header, stripped: %(program_name)s.
	Name string
	// Group is the group the processes belong to: %(group_name)s.
	Group string

	// Priority is the processes' priority: 999 by default, even in an
	// [eventlistener:x], whose pool (its Group) defaults to -1.
	Priority       int
	Autostart      bool
	Autorestart    Autorestart
	StartSecs      int // 1
	StartRetries   int // 3
	StopSignal     syscall.Signal
	StopWaitSecs   int // 10
	StopAsGroup    bool
	KillAsGroup    bool  // stopasgroup by default
	ExitCodes      []int // [0]
	RedirectStderr bool
	NumProcs       int // 1
	NumProcsStart  int
	// ProcessName is process_name= as written (stripped), not expanded:
	// %(program_name)s by default.
	ProcessName string
	// ServerURL is serverurl=, "" for AUTO: supervisord's own URL.
	ServerURL string
	// User is user=, "" for none; UID its number, -1 for none.
	User string
	UID  int
	// Umask is umask=, -1 for none (supervisord's own).
	Umask int

	c              *Config
	environment    string         // environment= unexpanded; each process expands it
	common         map[string]any // what each process's expansions start from
	stdout, stderr Log            // the settings read before the processes
}

// program reads section for group, up to its processes.
func (c *Config) program(s *Section, group string) (*Program, error) {
	kind, name, _ := strings.Cut(s.Name, ":")
	p := &Program{Section: s, Kind: kind, Group: group, UID: -1, Umask: -1, c: c}
	var err error
	if p.Name, err = processOrGroupName(name); err != nil {
		return nil, &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: err.Error(), Fix: "name it without spaces, colons or slashes", Err: err}
	}
	p.common = map[string]any{"here": c.Here, "program_name": p.Name, "host_node_name": c.hostname, "group_name": group}
	r := reader{c: c, s: s, expansions: p.common}
	p.Priority = r.integer("priority", "999", "write a number; lower starts first")
	p.Autostart = r.boolean("autostart", "true")
	if v := r.must("autorestart", "unexpected"); r.err == nil {
		if p.Autorestart, err = autoRestart(v); err != nil {
			r.fail("autorestart", err, "write true, false or unexpected")
		}
	}
	p.StartSecs = r.integer("startsecs", "1", "write a number of seconds")
	p.StartRetries = r.integer("startretries", "3", "write a number of retries")
	if v := r.must("stopsignal", "TERM"); r.err == nil {
		if p.StopSignal, err = signalNumber(v); err != nil {
			r.fail("stopsignal", err, "write a signal name such as TERM, INT, QUIT, HUP, KILL, USR1 or USR2")
		}
	}
	p.StopWaitSecs = r.integer("stopwaitsecs", "10", "write a number of seconds")
	p.StopAsGroup = r.boolean("stopasgroup", "false")
	p.KillAsGroup = r.boolean("killasgroup", fmt.Sprint(p.StopAsGroup))
	if v := r.must("exitcodes", "0"); r.err == nil {
		if p.ExitCodes, err = listOfExitcodes(v); err != nil {
			r.fail("exitcodes", err, "write exit codes from 0 to 255 separated by commas, such as 0,2")
		}
	}
	p.RedirectStderr = r.boolean("redirect_stderr", "false")
	p.NumProcs = r.integer("numprocs", "1", "write a number of processes")
	p.NumProcsStart = r.integer("numprocs_start", "0", "write the first process number")
	if v, ok := c.lookup(s, "environment"); ok && r.err == nil {
		p.environment = v.Text
	}
	stdoutCapture := r.byteSize("stdout_capture_maxbytes", "0")
	stdoutEvents := r.boolean("stdout_events_enabled", "false")
	stderrCapture := r.byteSize("stderr_capture_maxbytes", "0")
	stderrEvents := r.boolean("stderr_events_enabled", "false")
	if url, ok := r.get("serverurl", nil); ok && strings.ToUpper(strings.TrimSpace(url)) != "AUTO" {
		p.ServerURL = url
	}
	if u, ok := r.get("user", nil); ok {
		p.User = u
		if p.UID, err = nameToUID(u); err != nil {
			r.fail("user", err, "name a user of this system")
		}
	}
	if u, ok := r.get("umask", nil); ok {
		if p.Umask, err = octalType(u); err != nil {
			r.fail("umask", err, "write an octal number such as 022")
		}
	}
	p.ProcessName = "%(program_name)s"
	if v, ok := c.lookup(s, "process_name"); ok && r.err == nil {
		if p.ProcessName, err = processOrGroupName(v.Text); err != nil {
			r.fail("process_name", err, "leave out spaces, colons and slashes")
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if p.NumProcs > 1 && !strings.Contains(p.ProcessName, "%(process_num)") {
		v, _ := c.lookup(s, "numprocs")
		return nil, c.valueError(s, "numprocs", v, fmt.Errorf("gives processes the same name: process_name=%s has no %%(process_num)", p.ProcessName),
			"write process_name=%(program_name)s_%(process_num)02d")
	}
	if p.StopAsGroup && !p.KillAsGroup {
		v, _ := c.lookup(s, "killasgroup")
		return nil, c.valueError(s, "killasgroup", v, fmt.Errorf("cannot be false when stopasgroup=true"), "remove killasgroup=false")
	}
	p.stdout = Log{CaptureMaxBytes: stdoutCapture, EventsEnabled: stdoutEvents}
	p.stderr = Log{CaptureMaxBytes: stderrCapture, EventsEnabled: stderrEvents}
	return p, nil
}

// Get returns the value of key in the program's section (or [DEFAULT])
// expanded as supervisord expands the keys it reads there, before the
// process-specific ones: here, program_name, group_name, host_node_name
// and ENV_X. It is for keys supervisord ignores and a listener reads,
// such as ordered-startup's.
func (p *Program) Get(key string) (string, bool, error) {
	return p.c.Get(p.Section, key, p.common)
}
