package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Snippet returns the [eventlistener:x] sections of a plugin's --help
// (its command's Example, where each plugin keeps them and its tests start
// it with them), as supervisord.conf text, each with stdout_logfile=NONE
// unless it says otherwise: supervisord's default AUTO writes the protocol
// into a file (stdoutLogged), and --help is shorter without the line.
func Snippet(p Plugin) string {
	var lines []string
	section, quiet := false, false
	end := func() {
		if !section || quiet {
			return
		}
		// After the section's last key, before the comments that
		// introduce the next one.
		i := len(lines)
		for i > 0 && (lines[i-1] == "" || strings.HasPrefix(lines[i-1], ";")) {
			i--
		}
		lines = slices.Insert(lines, i, "stdout_logfile=NONE")
	}
	for l := range strings.SplitSeq(p.Command().Example, "\n") {
		l = strings.TrimPrefix(l, "  ")
		if strings.HasPrefix(l, "[") {
			end()
			section, quiet = strings.HasPrefix(l, "[eventlistener:"), false
		}
		if strings.HasPrefix(l, "stdout_logfile") {
			quiet = true
		}
		lines = append(lines, l)
	}
	end()
	return fmt.Sprintf("; %s: see `man %s` or `%s --help`.\n%s\n", p.Name, p.Name, p.Name, strings.Join(lines, "\n"))
}

// WriteSnippets writes every plugin's Snippet into dir as <name>.conf, for
// the package's examples.
func WriteSnippets(dir string, plugins []Plugin) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range plugins {
		if err := os.WriteFile(filepath.Join(dir, p.Name+".conf"), []byte(Snippet(p)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func pluginNamed(plugins []Plugin, name string) (Plugin, bool) {
	i := slices.IndexFunc(plugins, func(p Plugin) bool { return p.Name == name })
	if i < 0 {
		return Plugin{}, false
	}
	return plugins[i], true
}

func names(plugins []Plugin) string {
	var out []string
	for _, p := range plugins {
		out = append(out, p.Name)
	}
	return strings.Join(out, ", ")
}
