package supervisorconf

import "strings"

// Supervisord is the [supervisord] section as supervisord reads it, with
// its defaults.
type Supervisord struct {
	Section *Section

	Logfile         string // supervisord.log (relative to supervisord's directory); "syslog" is syslog
	LogfileMaxBytes int64  // 50MB
	LogfileBackups  int    // 10
	Loglevel        string // info: critical, error, warn, info, debug, trace or blather
	Pidfile         string // supervisord.pid
	Umask           int    // 022
	Nodaemon        bool
	Silent          bool
	Minfds          int // 1024
	Minprocs        int // 200
	Nocleanup       bool
	Childlogdir     string // the temporary directory, $TMPDIR or /tmp
	User            string // "" for none; UID is its number, -1 for none
	UID             int
	Directory       string // "" for none
	StripAnsi       bool
	Identifier      string // supervisor
	// Environment is environment=, as "KEY=value", which every process
	// gets and %(ENV_KEY)s of the program sections sees.
	Environment []string
}

// Supervisord reads the [supervisord] section as supervisord does, with
// only %(here)s (and %(ENV_X)s) to expand. Its environment= then extends
// the %(ENV_X)s of every program section, as in supervisord.
func (c *Config) Supervisord() (*Supervisord, error) {
	s, ok := c.Section("supervisord")
	if !ok {
		return nil, &Error{File: c.Path, Problem: "there is no [supervisord] section, which supervisord requires (.ini file does not include supervisord section)",
			Fix: "add one, even empty: [supervisord]"}
	}
	r := reader{c: c, s: s, expansions: map[string]any{"here": c.Here}}
	sv := &Supervisord{Section: s, UID: -1}
	sv.Minfds = r.integer("minfds", "1024", "write a number of file descriptors")
	sv.Minprocs = r.integer("minprocs", "200", "write a number of processes")
	if dir, ok := r.get("directory", nil); ok {
		sv.Directory = r.convertString("directory", dir, c.existingDirectory, "create it or name an existing directory")
	}
	sv.User, _ = r.get("user", nil)
	sv.Umask = r.octal("umask", "022")
	sv.Logfile = r.path("logfile", "supervisord.log")
	sv.LogfileMaxBytes = r.byteSize("logfile_maxbytes", "50MB")
	sv.LogfileBackups = r.integer("logfile_backups", "10", "write a number of backups")
	sv.Loglevel = r.convertString("loglevel", r.must("loglevel", "info"), loggingLevel, "write critical, error, warn, info, debug, trace or blather")
	sv.Pidfile = r.path("pidfile", "supervisord.pid")
	sv.Identifier = r.must("identifier", "supervisor")
	sv.Nodaemon = r.boolean("nodaemon", "false")
	sv.Silent = r.boolean("silent", "false")
	sv.Childlogdir = r.convertString("childlogdir", r.must("childlogdir", c.tempDir()), c.existingDirectory, "create it or name an existing directory")
	sv.Nocleanup = r.boolean("nocleanup", "false")
	sv.StripAnsi = r.boolean("strip_ansi", "false")
	if r.err != nil {
		return nil, r.err
	}
	env, err := c.globalEnvironment()
	if err != nil {
		return nil, err
	}
	for _, kv := range env {
		sv.Environment = append(sv.Environment, kv[0]+"="+kv[1])
	}
	if sv.User != "" {
		if sv.UID, err = nameToUID(sv.User); err != nil {
			v, _ := c.lookup(s, "user")
			return nil, c.valueError(s, "user", v, err, "name a user of this system")
		}
	}
	return sv, nil
}

// globalEnvironment reads [supervisord] environment= as supervisord
// does, expanding it twice (once as a value, once more on its own), and
// adds it to the %(ENV_X)s of what is read next.
func (c *Config) globalEnvironment() ([][2]string, error) {
	s, ok := c.Section("supervisord")
	if !ok {
		return nil, nil
	}
	r := reader{c: c, s: s, expansions: map[string]any{"here": c.Here}}
	text := r.must("environment", "")
	if r.err != nil {
		return nil, r.err
	}
	v, _ := c.lookup(s, "environment")
	text, err := c.expand(text, map[string]any{"here": c.Here, "host_node_name": c.hostname}, "environment")
	if err != nil {
		return nil, c.valueError(s, "environment", v, err, "")
	}
	env, err := dictOfKeyValuePairs(text)
	if err != nil {
		return nil, c.valueError(s, "environment", v, err, `write KEY=value pairs separated by commas, quoting values that hold anything but letters, digits and _/.+-():`)
	}
	for _, kv := range env {
		c.environ["ENV_"+kv[0]] = kv[1]
	}
	return env, nil
}

// tempDir is Python's tempfile.gettempdir() on Linux, near enough: $TMPDIR,
// $TEMP or $TMP if it is a directory, else /tmp.
func (c *Config) tempDir() string {
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if d := c.getenv(k); d != "" && isDir(d) {
			return strings.TrimRight(d, "/")
		}
	}
	return "/tmp"
}
