package doctor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/prometheus/procfs"
)

// CompareRunning asks the supervisord that runs cfg (through the endpoint
// supervisorctl would use) which processes it runs, and reports each
// [eventlistener:x] whose running command line, read from
// /proc/<pid>/cmdline under procRoot, differs from the file's, and each
// pool the file and supervisord disagree on: edits that `supervisorctl
// reread` and `update` have not applied yet. It returns an error when
// supervisord cannot be asked.
func CompareRunning(ctx context.Context, cfg *supervisorconf.Config, procRoot string) ([]Finding, error) {
	client, url, err := dial(cfg)
	if err != nil {
		return nil, err
	}
	infos, err := client.GetAllProcessInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervisord at %s: %w", url, err)
	}
	groups, err := cfg.Groups()
	if err != nil {
		return nil, err
	}
	sv, err := cfg.Supervisord()
	if err != nil {
		return nil, err
	}
	apply := fmt.Sprintf("supervisorctl -c %s reread && supervisorctl -c %s update", cfg.Files[0], cfg.Files[0])
	running := map[string]rpc.ProcessInfo{}
	for _, info := range infos {
		running[info.Namespec()] = info
	}
	var out []Finding
	for _, g := range groups {
		if g.Kind != "eventlistener" {
			continue
		}
		for _, proc := range g.Processes {
			info, ok := running[listener.Namespec(g.Name, proc.Name)]
			if !ok {
				out = append(out, Finding{File: g.Section.File, Line: g.Section.Line, Section: g.Section.Name,
					Problem: "supervisord does not run " + listener.Namespec(g.Name, proc.Name) + ", which the file defines: the section was added or renamed after supervisord read the file",
					Fix:     apply})
				break
			}
			if info.PID == 0 {
				continue
			}
			argv, err := cmdline(procRoot, info.PID)
			if err != nil {
				continue // it exited meanwhile
			}
			if want, err := supervisorconf.SplitCommand(proc.Command); err == nil && !slices.Equal(argv, want) {
				out = append(out, at(proc.Program.Section, "command",
					fmt.Sprintf("%s runs as %q (pid %d), not as command= says (%q): the file was changed after supervisord read it", info.Namespec(), strings.Join(argv, " "), info.PID, strings.Join(want, " ")),
					apply))
				break
			}
			// The fix doctor gives for a logged protocol is a key
			// supervisord reads only at reread and update.
			if !sameStdoutLog(proc, info.StdoutLogfile, sv) {
				logs := "no stdout log"
				if info.StdoutLogfile != "" {
					logs = "its stdout logged to " + info.StdoutLogfile
				}
				out = append(out, at(proc.Program.Section, "stdout_logfile",
					fmt.Sprintf("%s runs with %s, not as stdout_logfile=%s says: the file was changed after supervisord read it", info.Namespec(), logs, proc.Stdout.File),
					apply))
				break
			}
		}
	}
	return out, nil
}

// sameStdoutLog reports whether running, the stdout log supervisord
// reports for a process ("" for none), is what the file gives it.
func sameStdoutLog(proc *supervisorconf.Process, running string, sv *supervisorconf.Supervisord) bool {
	switch proc.Stdout.File {
	case supervisorconf.LogNone:
		return running == ""
	case supervisorconf.LogAuto:
		return filepath.Dir(running) == filepath.Clean(sv.Childlogdir) && strings.HasPrefix(filepath.Base(running), autoLogPrefix(proc.Name, sv))
	}
	return running == proc.Stdout.File
}

// dial returns a client of the supervisord that runs cfg, through the
// endpoint supervisorctl would use, and its URL.
func dial(cfg *supervisorconf.Config) (*rpc.Client, string, error) {
	ep, err := cfg.Endpoint(os.LookupEnv)
	if err != nil {
		return nil, "", err
	}
	if ep.URL == "" {
		return nil, "", fmt.Errorf("the configuration serves no XML-RPC")
	}
	opts := []rpc.Option{rpc.WithTimeout(5 * time.Second)}
	if ep.Username != "" {
		opts = append(opts, rpc.WithBasicAuth(ep.Username, ep.Password))
	}
	client, err := rpc.New(ep.URL, opts...)
	return client, ep.URL, err
}

// cmdline reads a process's arguments from the proc filesystem at
// procRoot.
func cmdline(procRoot string, pid int) ([]string, error) {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return nil, err
	}
	p, err := fs.Proc(pid)
	if err != nil {
		return nil, err
	}
	return p.CmdLine()
}
