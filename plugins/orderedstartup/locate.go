package orderedstartup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoConf is wrapped by Locator.Find's error when no configuration file
// is found.
var ErrNoConf = errors.New("no supervisord configuration found")

// A Locator finds the supervisord configuration a listener should read.
// The zero value looks at the real /proc and the current directory.
type Locator struct {
	// ProcRoot is where /proc is mounted; "" means "/proc". Tests point
	// it at a fake tree.
	ProcRoot string
	// PPID is the parent's process ID; 0 means os.Getppid().
	PPID int
	// Dir is the directory relative paths are resolved against when the
	// parent is unknown; "" means the current directory.
	Dir string
}

// Find returns the configuration file to read and how it was found.
// explicit (a -c flag or the positional argument) wins. Otherwise, when
// the parent process is supervisord, as it is for a listener, the file it
// was started with (-c/--configuration, resolved against its working
// directory) is used, or else the first of supervisord's own search paths
// that exists, seen from supervisord's working directory. Without a
// supervisord parent the search paths are tried from Dir.
func (l Locator) Find(explicit string) (path, how string, err error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", "", fmt.Errorf("%w: %v", ErrNoConf, err)
		}
		return explicit, "given on the command line", nil
	}
	sv, isSupervisord := l.parent()
	if isSupervisord && sv.conf != "" {
		p := sv.resolve(sv.conf)
		if _, err := os.Stat(p); err != nil {
			return "", "", fmt.Errorf("%w: supervisord (pid %d) runs with -c %s, which cannot be read from here (%v); give the path with -c",
				ErrNoConf, sv.pid, sv.conf, err)
		}
		return p, fmt.Sprintf("from the command line of supervisord (pid %d)", sv.pid), nil
	}
	var candidates []string
	if isSupervisord {
		candidates = sv.searchPaths()
	} else {
		dir := l.Dir
		if dir == "" {
			dir, _ = os.Getwd()
		}
		sv = supervisordProcess{cwd: dir}
		for _, p := range searchPaths("") {
			candidates = append(candidates, sv.resolve(p))
		}
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, "found in supervisord's default search paths", nil
		}
	}
	return "", "", fmt.Errorf("%w in %s: pass the file supervisord runs with (-c /path/to/supervisord.conf)",
		ErrNoConf, strings.Join(candidates, ", "))
}

// searchPaths is supervisord's list of default configuration files. here
// is the directory above the one holding the supervisord script (/usr for
// /usr/bin/supervisord); relative entries are relative to supervisord's
// working directory.
func searchPaths(here string) []string {
	var out []string
	if here != "" {
		out = append(out, filepath.Join(here, "etc", "supervisord.conf"), filepath.Join(here, "supervisord.conf"))
	}
	return append(out, "supervisord.conf", "etc/supervisord.conf", "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf")
}

// supervisordProcess is what /proc tells about the supervisord that
// started this listener.
type supervisordProcess struct {
	pid    int
	script string // the supervisord program as started: /usr/bin/supervisord
	conf   string // its -c argument, "" if none
	cwd    string
}

func (s supervisordProcess) resolve(p string) string {
	if filepath.IsAbs(p) || s.cwd == "" {
		return p
	}
	return filepath.Join(s.cwd, p)
}

func (s supervisordProcess) searchPaths() []string {
	here := ""
	if filepath.IsAbs(s.script) {
		here = filepath.Dir(filepath.Dir(s.script))
	}
	var out []string
	for _, p := range searchPaths(here) {
		out = append(out, s.resolve(p))
	}
	return out
}

// parent reads the parent process's command line and reports whether it
// is supervisord.
func (l Locator) parent() (supervisordProcess, bool) {
	root := l.ProcRoot
	if root == "" {
		root = "/proc"
	}
	pid := l.PPID
	if pid == 0 {
		pid = os.Getppid()
	}
	dir := filepath.Join(root, strconv.Itoa(pid))
	raw, err := os.ReadFile(filepath.Join(dir, "cmdline"))
	if err != nil {
		return supervisordProcess{}, false
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	sv, ok := parseSupervisordArgs(args)
	if !ok {
		return supervisordProcess{}, false
	}
	sv.pid = pid
	sv.cwd, _ = os.Readlink(filepath.Join(dir, "cwd"))
	return sv, true
}

// parseSupervisordArgs finds supervisord in a command line ("supervisord
// -c x", "python3 /usr/bin/supervisord -n -c x", "python3 -m
// supervisor.supervisord") and its -c/--configuration value, reading the
// options the way supervisord's getopt does.
func parseSupervisordArgs(args []string) (supervisordProcess, bool) {
	start := -1
	for i, a := range args {
		if i > 0 && args[i-1] == "-c" {
			break // sh -c or python -c: a command string, not supervisord
		}
		base := filepath.Base(a)
		if base == "supervisord" || strings.HasPrefix(base, "supervisord.") || a == "supervisor.supervisord" {
			start = i
			break
		}
		if i > 0 && !strings.HasPrefix(a, "-") && args[i-1] != "-m" {
			break // the interpreter's script is something else
		}
	}
	if start < 0 {
		return supervisordProcess{}, false
	}
	sv := supervisordProcess{script: args[start]}
	// Short options of supervisord that take a value, and long ones.
	const withValue = "cumdlyzejiqa"
	longWithValue := []string{"configuration", "user", "umask", "directory", "logfile", "logfile_maxbytes",
		"logfile_backups", "loglevel", "pidfile", "identifier", "childlogdir", "minfds", "minprocs", "profile_options"}
	rest := args[start+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			return sv, true
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			// getopt accepts any unambiguous prefix of a long option.
			var match []string
			for _, l := range longWithValue {
				if l == name {
					match = []string{l}
					break
				}
				if strings.HasPrefix(l, name) {
					match = append(match, l)
				}
			}
			if len(match) != 1 {
				continue // a flag, or ambiguous: supervisord would have refused it
			}
			if !hasValue && i+1 < len(rest) {
				i++
				value = rest[i]
			}
			if match[0] == "configuration" {
				sv.conf = value
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				if !strings.ContainsRune(withValue, rune(a[j])) {
					continue
				}
				value := a[j+1:]
				if value == "" && i+1 < len(rest) {
					i++
					value = rest[i]
				}
				if a[j] == 'c' {
					sv.conf = value
				}
				break
			}
		default:
			return sv, true // getopt stops at the first argument that is not an option
		}
	}
	return sv, true
}
