package doctor

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/golance/golance/internal/supervisorconf"
	"github.com/golance/golance/plugins/internal/cli"
)

// planLine is a program's line in ordered-startup --plan: its name, then
// what starts it.
var planLine = regexp.MustCompile(`^  (\S+)(?: \([^)]*\))?: started (?:when (.*)|first); priority (\S+)`)

// checkOrderedStartup asks ordered-startup itself (its --plan, against the
// running supervisord) how it will start the programs of path, when a
// pool runs it, and reports each warning of the plan as a finding. Each
// program the chain starts although its section has neither
// startinorder=true nor dependent_startup=true gets a note: by
// ordered-startup-supervisord's rule a program with startinorder=true
// starts the next one in supervisord's order whatever that one says, and
// a program without it ends the chain. That is how a chain's last
// program is meant to be written (docs/ordered-startup.md), and how a
// program meant to be started by hand is started at boot; the file cannot
// say which, so the note names the program and how to keep it out, and
// is no problem. (A program pulled in with autostart=true is a warning of
// the plan.) Asking the plugin keeps the chain's rules in one place.
func checkOrderedStartup(ctx context.Context, cfg *supervisorconf.Config, path string, plugins []Plugin) ([]Finding, []string, error) {
	p, ok := pluginNamed(plugins, "ordered-startup")
	if !ok || !runsPlugin(cfg, p.Name) {
		return nil, nil, nil
	}
	var stdout, stderr bytes.Buffer
	if cli.Execute(ctx, p.Command(), []string{"--plan", "-c", path}, &stdout, &stderr) != cli.ExitOK {
		return nil, nil, fmt.Errorf("%s", strings.TrimSpace(stderr.String()))
	}
	var out []Finding
	var notes []string
	first := ""
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		if warn, ok := strings.CutPrefix(line, "warning: "); ok {
			out = append(out, Finding{File: path, Problem: "ordered-startup --plan: " + warn, Fix: "see `ordered-startup --plan` and docs/ordered-startup.md"})
			continue
		}
		m := planLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[2] == "" {
			if first == "" {
				first = fmt.Sprintf("%s's (%s)", m[1], m[3])
			}
			continue
		}
		s, ok := cfg.Section("program:" + m[1])
		if !ok || truthy(cfg, s, "startinorder") || truthy(cfg, s, "dependent_startup") {
			continue
		}
		notes = append(notes, fmt.Sprintf("%s: ordered-startup's chain ends with %s, started when %s though [program:%s] has no startinorder=true (a program with it starts the next one in priority order, whatever its keys); if %s is not meant to start at boot, give it a priority= below %s, the chain's first, and apply it with supervisorctl reread && update",
			position(s), m[1], m[2], m[1], m[1], first))
	}
	return out, notes, nil
}

// position is where a section starts, as a finding's line names it.
func position(s *supervisorconf.Section) string {
	return fmt.Sprintf("%s:%d", s.File, s.Line)
}

// runsPlugin reports whether an [eventlistener:x] of cfg runs the plugin.
func runsPlugin(cfg *supervisorconf.Config, plugin string) bool {
	for _, s := range cfg.Sections() {
		if !strings.HasPrefix(s.Name, "eventlistener:") {
			continue
		}
		v, ok := s.Lookup("command")
		if !ok {
			continue
		}
		if argv, err := supervisorconf.SplitCommand(v.Text); err == nil && len(argv) > 0 && filepath.Base(argv[0]) == plugin {
			return true
		}
	}
	return false
}

// truthy reads a boolean key as supervisord's boolean() would.
func truthy(cfg *supervisorconf.Config, s *supervisorconf.Section, key string) bool {
	v, ok, err := cfg.Get(s, key, nil)
	if err != nil || !ok {
		return false
	}
	b, err := supervisorconf.Boolean(v)
	return err == nil && b
}
