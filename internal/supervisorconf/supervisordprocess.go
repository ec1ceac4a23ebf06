package supervisorconf

import (
	"path/filepath"
	"strings"
)

// supervisordProcess is what /proc tells of a running supervisord.
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
	// supervisord's short options that take a value, and its long ones.
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
