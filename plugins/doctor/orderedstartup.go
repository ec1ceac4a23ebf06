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
var planLine = regexp.MustCompile(`^  (\S+)(?: \([^)]*\))?: started when (.*); priority`)

// checkOrderedStartup asks ordered-startup itself (its --plan, against the
// running supervisord) how it will start the programs of path, when a
// pool runs it, and reports each program its chain starts although the
// program's section has neither startinorder=true nor dependent_startup=true
// (ordered-startup-supervisord's rule: a program with startinorder=true
// starts the next one in supervisord's order, whatever that one says), and
// each warning of the plan. Asking the plugin keeps the chain's rules in
// one place.
func checkOrderedStartup(ctx context.Context, cfg *supervisorconf.Config, path string, plugins []Plugin) ([]Finding, error) {
	p, ok := pluginNamed(plugins, "ordered-startup")
	if !ok || !runsPlugin(cfg, p.Name) {
		return nil, nil
	}
	var stdout, stderr bytes.Buffer
	if cli.Execute(ctx, p.Command(), []string{"--plan", "-c", path}, &stdout, &stderr) != cli.ExitOK {
		return nil, fmt.Errorf("%s", strings.TrimSpace(stderr.String()))
	}
	var out []Finding
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		if warn, ok := strings.CutPrefix(line, "warning: "); ok {
			out = append(out, Finding{File: path, Problem: "ordered-startup --plan: " + warn, Fix: "see `ordered-startup --plan` and docs/ordered-startup.md"})
			continue
		}
		m := planLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s, ok := cfg.Section("program:" + m[1])
		if !ok || truthy(cfg, s, "startinorder") || truthy(cfg, s, "dependent_startup") {
			continue
		}
		out = append(out, at(s, "priority",
			fmt.Sprintf("the ordered-startup chain starts %s when %s, though it has no startinorder=true: a program with startinorder=true starts the next one in priority order, whatever its keys", m[1], m[2]),
			"add startinorder=true to [program:"+m[1]+"] if the chain should start it; if not, give it a priority= below the chain's first program"))
	}
	return out, nil
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
