package supervisorconf

import (
	"maps"
	"slices"
	"strings"
)

// A Process is one process of a Program as supervisord configures it
// (options.ProcessConfig), its %(process_num)d and the other expansions
// made.
type Process struct {
	*Program
	// Name is the expanded process_name=; Num is %(process_num)d.
	Name string
	Num  int
	// Command is the expanded command= line; SplitCommand splits it as
	// supervisord does when it starts the process.
	Command string
	// Directory is directory=, "" for none.
	Directory string
	// Environment is what supervisord adds to the process's environment,
	// as "KEY=value": [supervisord] environment=, then environment=.
	Environment []string
	Stdout      Log
	Stderr      Log
}

// processes makes the program's processes, from numprocs_start on, as
// supervisord's loop does, sorted by name; with full false, only their
// names and environments. The expansions are one map that every process
// extends: a process sees the ENV_X that the environment= of the process
// before it set, unless supervisord's own environment has X, as in
// supervisord.
func (p *Program) processes(global [][2]string, full bool) ([]*Process, error) {
	c, s := p.c, p.Section
	expansions := maps.Clone(p.common)
	var procs []*Process
	for num := p.NumProcsStart; num < p.NumProcsStart+p.NumProcs; num++ {
		expansions["process_num"] = num
		expansions["numprocs"] = p.NumProcs
		maps.Copy(expansions, c.environ)
		r := reader{c: c, s: s, expansions: expansions}
		proc := &Process{Program: p, Num: num}
		envValue, _ := c.lookup(s, "environment")
		text, err := c.expand(p.environment, expansions, "environment")
		if err != nil {
			return nil, c.valueError(s, "environment", envValue, err, "")
		}
		env, err := dictOfKeyValuePairs(text)
		if err != nil {
			return nil, c.valueError(s, "environment", envValue, err,
				`write KEY=value pairs separated by commas, quoting values that hold anything but letters, digits and _/.+-():`)
		}
		for _, kv := range env {
			expansions["ENV_"+kv[0]] = kv[1]
		}
		proc.Environment = mergeEnv(global, env)
		if full {
			if err := p.readProcess(proc, &r); err != nil {
				return nil, err
			}
		}
		name, err := c.expand(p.ProcessName, expansions, "process_name")
		if err != nil {
			v, _ := c.lookup(s, "process_name")
			return nil, c.valueError(s, "process_name", v, err, "")
		}
		proc.Name = name
		procs = append(procs, proc)
	}
	// programs.sort(): all have the section's priority, so by name, and
	// web_10 comes before web_2.
	slices.SortStableFunc(procs, func(a, b *Process) int { return strings.Compare(a.Name, b.Name) })
	return procs, nil
}

// readProcess reads what supervisord reads to make a process, after its
// environment: directory=, the log files, command=.
func (p *Program) readProcess(proc *Process, r *reader) error {
	c, s := p.c, p.Section
	proc.Directory, _ = r.get("directory", nil)
	proc.Stdout, proc.Stderr = p.stdout, p.stderr
	for _, l := range []struct {
		name string
		log  *Log
	}{{"stdout", &proc.Stdout}, {"stderr", &proc.Stderr}} {
		key := l.name + "_logfile"
		file := LogAuto
		if v, ok := r.get(key, nil); ok {
			// supervisord expands this value a second time.
			if v, err := c.expand(v, r.expansions, key); err != nil {
				r.fail(key, err, "")
			} else {
				file = r.convertString(key, v, c.logfileName, "create the directory or name another")
			}
		}
		l.log.Backups = r.integer(l.name+"_logfile_backups", "10", "write a number of backups")
		l.log.MaxBytes = r.byteSize(l.name+"_logfile_maxbytes", "50MB")
		l.log.Syslog = r.boolean(l.name+"_syslog", "false")
		if file == LogSyslog {
			c.warnf("For [%s], %s=syslog but this is deprecated and will be removed.  Use %s_syslog=true to enable syslog instead.", s.Name, key, l.name)
			file, l.log.Syslog = LogNone, true
		}
		if file == LogAuto && l.log.MaxBytes == 0 && r.err == nil {
			c.warnf("For [%s], AUTO logging used for %s without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally", s.Name, key)
		}
		l.log.File = file
	}
	if p.RedirectStderr {
		if proc.Stderr.File != LogAuto && proc.Stderr.File != LogNone {
			c.warnf("For [%s], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", s.Name)
		}
		proc.Stderr.File = LogNone
	}
	command, ok := r.get("command", nil)
	if r.err != nil {
		return r.err
	}
	if !ok {
		return &Error{File: s.File, Line: s.Line, Section: s.Name, Problem: "has no command= line",
			Fix: "add command=/path/to/program and its arguments"}
	}
	proc.Command = command
	return nil
}

// mergeEnv is the global environment updated with the program's, in
// Python dict order, as "KEY=value".
func mergeEnv(global, own [][2]string) []string {
	var keys []string
	vals := map[string]string{}
	for _, kv := range append(slices.Clone(global), own...) {
		if _, seen := vals[kv[0]]; !seen {
			keys = append(keys, kv[0])
		}
		vals[kv[0]] = kv[1]
	}
	env := make([]string, len(keys))
	for i, k := range keys {
		env[i] = k + "=" + vals[k]
	}
	return env
}
