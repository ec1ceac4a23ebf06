package docgen

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// superlanceFlag is one option of a superlance plugin: its short letter
// ("" for none) and long name, as superlance's getopt/optparse code
// defines them (see the superlance reference notes).
type superlanceFlag struct{ short, long string }

var batchFlags = []superlanceFlag{
	{"i", "interval"}, {"t", "toEmail"}, {"f", "fromEmail"}, {"s", "subject"}, {"H", "smtpHost"},
	{"e", "tickEvent"}, {"u", "userName"}, {"p", "password"}, {"", "tls"}, {"h", "help"},
}

// superlanceFlags lists the options of each superlance 2.0 plugin.
var superlanceFlags = map[string][]superlanceFlag{
	"crashmail":      {{"p", "program"}, {"a", "any"}, {"o", "optionalheader"}, {"s", "sendmail_program"}, {"m", "email"}, {"h", "help"}},
	"crashmailbatch": batchFlags,
	"fatalmailbatch": batchFlags,
	"crashsms":       batchFlags,
	"httpok": {{"p", "program"}, {"a", "any"}, {"t", "timeout"}, {"c", "code"}, {"b", "body"}, {"s", "sendmail_program"},
		{"m", "email"}, {"g", "gcore"}, {"d", "coredir"}, {"e", "eager"}, {"E", "not-eager"}, {"n", "name"}, {"h", "help"}},
	"memmon": {{"c", "cumulative"}, {"p", "program"}, {"g", "group"}, {"a", "any"}, {"s", "sendmail_program"},
		{"m", "email"}, {"u", "uptime"}, {"n", "name"}, {"h", "help"}},
}

// SuperlanceFlagProblems lists every superlance option that a golance
// binary of the same name lacks or spells with another short letter: each
// would break a supervisord.conf line written for superlance.
func SuperlanceFlagProblems(cmds map[string]*cobra.Command) []string {
	var out []string
	for name, flags := range superlanceFlags {
		cmd, ok := cmds[name]
		if !ok {
			out = append(out, fmt.Sprintf("superlance's %s has no golance binary", name))
			continue
		}
		cmd.InitDefaultHelpFlag()
		for _, sf := range flags {
			f := cmd.Flags().Lookup(sf.long)
			switch {
			case f == nil:
				out = append(out, fmt.Sprintf("%s lacks superlance's --%s", name, sf.long))
			case f.Shorthand != sf.short:
				out = append(out, fmt.Sprintf("%s spells superlance's -%s/--%s as -%s", name, sf.short, sf.long, f.Shorthand))
			}
		}
	}
	return out
}

var superlanceBlock = regexp.MustCompile(`(?s)(<!-- superlance-flags: ([\w-]+) -->\n).*?(<!-- /superlance-flags -->)`)

// fillSuperlanceFlags renders, for each marker, a table of the plugin's
// options in superlance and in golance.
func fillSuperlanceFlags(text string, cmds map[string]*cobra.Command, page string) (string, error) {
	var err error
	text = superlanceBlock.ReplaceAllStringFunc(text, func(block string) string {
		m := superlanceBlock.FindStringSubmatch(block)
		flags, ok := superlanceFlags[m[2]]
		cmd, ok2 := cmds[m[2]]
		if !ok || !ok2 {
			err = fmt.Errorf("%s: superlance-flags marker names %q, which is not a superlance plugin with a golance binary", page, m[2])
			return block
		}
		cmd.InitDefaultHelpFlag()
		cmd.InitDefaultVersionFlag()
		var b strings.Builder
		b.WriteString("| superlance | golance | |\n|---|---|---|\n")
		known := map[string]bool{}
		for _, sf := range flags {
			known[sf.long] = true
			f := cmd.Flags().Lookup(sf.long)
			status := "same"
			switch {
			case f == nil:
				status = "**missing**"
			case f.Shorthand != sf.short:
				status = "**short letter differs**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", spell(sf.short, sf.long), spellFlag(f), status)
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !known[f.Name] && f.Name != "version" {
				fmt.Fprintf(&b, "| | %s | added |\n", spellFlag(f))
			}
		})
		return m[1] + b.String() + m[3]
	})
	return text, err
}

func spell(short, long string) string {
	if short == "" {
		return "`--" + long + "`"
	}
	return "`-" + short + "`, `--" + long + "`"
}

func spellFlag(f *pflag.Flag) string {
	if f == nil {
		return "—"
	}
	return spell(f.Shorthand, f.Name)
}

var sectionBlock = regexp.MustCompile(`(?s)(<!-- section: ([^ ]+) "([^"]+)" -->\n).*?(<!-- /section -->)`)

// fillSections copies, for each marker, the body of a "## <title>"
// section of another page, so that a fact is written in one place.
func fillSections(text, root, page string, read func(string) ([]byte, error)) (string, error) {
	var err error
	text = sectionBlock.ReplaceAllStringFunc(text, func(block string) string {
		m := sectionBlock.FindStringSubmatch(block)
		src, e := read(m[2])
		if e != nil {
			err = fmt.Errorf("%s: section: %w", page, e)
			return block
		}
		body, ok := sectionBody(string(src), m[3])
		if !ok {
			err = fmt.Errorf("%s: %s has no section %q", page, m[2], m[3])
			return block
		}
		return m[1] + body + m[4]
	})
	return text, err
}

// sectionBody returns what follows "## title" up to the next "## " heading.
func sectionBody(doc, title string) (string, bool) {
	start := strings.Index(doc, "\n## "+title+"\n")
	if start < 0 {
		return "", false
	}
	body := doc[start+len("\n## "+title+"\n"):]
	if end := strings.Index(body, "\n## "); end >= 0 {
		body = body[:end+1]
	}
	return strings.TrimLeft(body, "\n"), true
}
