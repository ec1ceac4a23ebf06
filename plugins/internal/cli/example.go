package cli

import "strings"

// Example renders supervisord.conf sections as a cobra Example: each
// indented by two spaces, separated by a blank line. Plugins keep their
// sections in files that the documentation embeds and the tests run, so
// that --help, the docs and the tested configuration are one text.
func Example(sections ...string) string {
	var out []string
	for _, s := range sections {
		var lines []string
		for l := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
			lines = append(lines, strings.TrimRight("  "+l, " "))
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n\n")
}
