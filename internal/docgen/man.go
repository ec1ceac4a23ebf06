package docgen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/golance/golance/internal/commands"
	"github.com/golance/golance/internal/manual"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manPage renders cmd's man page in roff (man(7)) directly. cobra's
// GenMan was used before and did not fit: it passes the help texts through
// a Markdown converter, which dropped "<process>" from crashmail's
// description as an HTML tag; it prints every flag's default in Go syntax
// ("[=false]", "=[]") where a man page names the value (--program
// process); and it has no place for ENVIRONMENT, EXIT STATUS or a SEE ALSO
// that names supervisord.
func manPage(cmd *cobra.Command) []byte {
	var b bytes.Buffer
	// A subcommand's page is named as git's are: essential-run(1).
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-")
	guide := manual.GuideOf(cmd)
	fmt.Fprintf(&b, ".TH %q \"1\" %q \"golance\" \"golance manual\"\n", strings.ToUpper(name), manDate.Format("January 2006"))
	b.WriteString(".nh\n.ad l\n")
	b.WriteString(".SH NAME\n" + roff(name) + " \\- " + roff(cmd.Short) + "\n")
	b.WriteString(".SH SYNOPSIS\n.B " + roff(cmd.UseLine()) + "\n")
	b.WriteString(".SH DESCRIPTION\n")
	for _, para := range strings.Split(strings.TrimSpace(cmd.Long), "\n\n") {
		b.WriteString(".PP\n" + roffLines(para) + "\n")
	}
	b.WriteString(".SH OPTIONS\n")
	cmd.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		b.WriteString(".TP\n" + flagSynopsis(f) + "\n" + roff(flagUsage(f)) + "\n")
	})
	if cmd.Example != "" {
		b.WriteString(".SH EXAMPLE\n.PP\n.nf\n.RS 2\n" + roffLines(strings.TrimRight(cmd.Example, "\n")) + "\n.RE\n.fi\n")
	}
	b.WriteString(".SH ENVIRONMENT\n")
	env := manual.EnvironmentOf(cmd)
	if len(env) == 0 {
		b.WriteString(".PP\n" + roff(cmd.CommandPath()) + " reads no environment variable of its own.\n")
	}
	for _, v := range env {
		b.WriteString(".TP\n.B " + roff(v.Name) + "\n" + roff(v.Text) + "\n")
	}
	b.WriteString(".SH EXIT STATUS\n")
	for _, s := range manual.ExitStatusesOf(cmd) {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", s.Code, roff(s.Text))
	}
	b.WriteString(".SH SEE ALSO\n")
	see := []string{"supervisord(1)", "supervisorctl(1)"}
	for _, other := range commands.Binaries() {
		if other.Name != name {
			continue
		}
		// A binary's subcommands have pages of their own (Files).
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() {
				see = append(see, name+"-"+sub.Name()+"(1)")
			}
		}
	}
	for _, other := range commands.Binaries() {
		if other.Name != name {
			see = append(see, other.Name+"(1)")
		}
	}
	for i, s := range see {
		sep := ","
		if i == len(see)-1 {
			sep = ""
		}
		n, sec, _ := strings.Cut(strings.TrimSuffix(s, ")"), "(")
		fmt.Fprintf(&b, ".BR %s (%s)%s\n", roff(n), sec, sep)
	}
	b.WriteString(".PP\nThe guide to " + roff(cmd.CommandPath()) + " is docs/" + roff(guide) + ".md in golance's source tree, " +
		"and docs/migrating-from-superlance.md lists where golance differs from superlance.\n")
	return b.Bytes()
}

// flagSynopsis is a flag as an OPTIONS entry's tag: its names in bold,
// the name of its value (the backquoted word of its usage) in italics.
func flagSynopsis(f *pflag.Flag) string {
	s := `\fB\-\-` + roff(f.Name) + `\fR`
	if f.Shorthand != "" {
		s = `\fB\-` + roff(f.Shorthand) + `\fR, ` + s
	}
	value, _ := pflag.UnquoteUsage(f)
	if f.Value.Type() == "bool" {
		return s
	}
	if value == "" {
		value = "value"
	}
	if f.NoOptDefVal != "" {
		return s + `[=\fI` + roff(value) + `\fR]`
	}
	return s + ` \fI` + roff(value) + `\fR`
}

// flagUsage is a flag's usage without its backquotes, with its default
// when it has one worth saying.
func flagUsage(f *pflag.Flag) string {
	_, usage := pflag.UnquoteUsage(f)
	switch f.DefValue {
	case "", "false", "0", "[]", "0s", "<nil>":
		return usage
	}
	def := f.DefValue
	if f.Value.Type() == "string" {
		def = fmt.Sprintf("%q", def)
	}
	return usage + " (default " + def + ")"
}

// roffLines escapes text line by line, keeping its line breaks.
func roffLines(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = roff(l)
	}
	return strings.Join(lines, "\n")
}

// roff escapes one line of text for troff: backslashes, hyphens (so that
// an option copied from the page is a plain minus), and a leading period
// or apostrophe, which would start a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
