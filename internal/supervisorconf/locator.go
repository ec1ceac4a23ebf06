package supervisorconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prometheus/procfs"
)

// ErrNoConfig is wrapped by Locator.Find's error when it finds no
// configuration file.
var ErrNoConfig = errors.New("no supervisord configuration found")

// A Locator finds the configuration file of the running supervisord. The
// zero value reads the real /proc and looks at the parent process only,
// as a listener, which supervisord starts, should.
type Locator struct {
	// ProcRoot is where /proc is mounted; "" means "/proc".
	ProcRoot string
	// PPID is the parent's process ID; 0 means os.Getppid().
	PPID int
	// AnyProcess also looks for a supervisord among all processes when
	// the parent is not one, as a command run by hand should.
	AnyProcess bool
	// Dir is where relative search paths start when no supervisord is
	// found; "" means the current directory.
	Dir string
}

// Find returns the configuration file to read and how it was found.
// explicit (a -c flag) wins. Otherwise, once a supervisord is found (the
// parent, or with AnyProcess the only one running), its file: its -c
// argument, resolved against its working directory, or else the first of
// supervisord's search paths that exists, seen from that directory.
// Without a supervisord, the search paths are tried from Dir.
func (l Locator) Find(explicit string) (path, how string, err error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", "", fmt.Errorf("%w: %w", ErrNoConfig, err)
		}
		return explicit, "given on the command line", nil
	}
	sv, found, err := l.supervisord()
	if err != nil {
		return "", "", err
	}
	if found && sv.conf != "" {
		p := sv.resolve(sv.conf)
		if _, err := os.Stat(p); err != nil {
			return "", "", fmt.Errorf("%w: supervisord (pid %d) runs with -c %s, which cannot be read from here (%w); give the path with -c",
				ErrNoConfig, sv.pid, sv.conf, err)
		}
		return p, fmt.Sprintf("from the command line of supervisord (pid %d)", sv.pid), nil
	}
	if !found {
		dir := l.Dir
		if dir == "" {
			dir, _ = os.Getwd()
		}
		sv = supervisordProcess{cwd: dir}
	}
	candidates := sv.searchPaths()
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			if found {
				return p, fmt.Sprintf("found in the search paths of supervisord (pid %d)", sv.pid), nil
			}
			return p, "found in supervisord's default search paths", nil
		}
	}
	return "", "", fmt.Errorf("%w in %s: pass the file supervisord runs with (-c /path/to/supervisord.conf)",
		ErrNoConfig, strings.Join(candidates, ", "))
}

// supervisord finds the supervisord to follow: the parent, or the only
// one among all processes.
func (l Locator) supervisord() (supervisordProcess, bool, error) {
	root := l.ProcRoot
	if root == "" {
		root = procfs.DefaultMountPoint
	}
	fs, err := procfs.NewFS(root)
	if err != nil {
		return supervisordProcess{}, false, nil
	}
	ppid := l.PPID
	if ppid == 0 {
		ppid = os.Getppid()
	}
	if p, err := fs.Proc(ppid); err == nil {
		if sv, ok := readSupervisord(p); ok {
			return sv, true, nil
		}
	}
	if !l.AnyProcess {
		return supervisordProcess{}, false, nil
	}
	procs, err := fs.AllProcs()
	if err != nil {
		return supervisordProcess{}, false, nil
	}
	var found []supervisordProcess
	for _, p := range procs {
		if sv, ok := readSupervisord(p); ok {
			found = append(found, sv)
		}
	}
	switch len(found) {
	case 0:
		return supervisordProcess{}, false, nil
	case 1:
		return found[0], true, nil
	}
	slices.SortFunc(found, func(a, b supervisordProcess) int { return a.pid - b.pid })
	var list []string
	for _, sv := range found {
		conf := sv.conf
		if conf == "" {
			conf = "no -c"
		}
		list = append(list, fmt.Sprintf("pid %d (%s)", sv.pid, conf))
	}
	return supervisordProcess{}, false, fmt.Errorf("%w: %d supervisord processes run: %s; give the file of the one to read with -c",
		ErrNoConfig, len(found), strings.Join(list, ", "))
}

// readSupervisord reads what /proc tells of p if it is supervisord.
func readSupervisord(p procfs.Proc) (supervisordProcess, bool) {
	args, err := p.CmdLine()
	if err != nil {
		return supervisordProcess{}, false
	}
	sv, ok := parseSupervisordArgs(args)
	if !ok {
		return supervisordProcess{}, false
	}
	sv.pid = p.PID
	sv.cwd, _ = p.Cwd()
	return sv, true
}

// searchPaths is supervisord's list of default configuration files, as
// seen from its working directory. The first two are relative to the
// directory above the supervisord script (/usr for /usr/bin/supervisord).
func (s supervisordProcess) searchPaths() []string {
	here := ""
	if filepath.IsAbs(s.script) {
		here = filepath.Dir(filepath.Dir(s.script))
	}
	var out []string
	if here != "" {
		out = append(out, filepath.Join(here, "etc", "supervisord.conf"), filepath.Join(here, "supervisord.conf"))
	}
	for _, p := range []string{"supervisord.conf", "etc/supervisord.conf", "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"} {
		out = append(out, s.resolve(p))
	}
	return out
}
