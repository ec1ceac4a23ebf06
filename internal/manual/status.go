package manual

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses every golance binary shares. supervisord restarts a
// listener that exits non-zero when its autorestart allows, so a mistake
// on the command line is worth a different status than a runtime failure
// only for the operator reading the log.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// A Status is an exit status and what it means, for a man page.
type Status struct {
	Code int
	Text string
}

// ExitStatuses says what each exit status means for the binary name.
func ExitStatuses(name string) []Status {
	return []Status{
		{ExitOK, "supervisord closed the event stream or asked " + name + " to stop, and all its work was done; or --help or --version was given."},
		{ExitError, name + " could not start or keep serving (the line before it says why), or it stopped with work it could not finish. supervisord restarts it if the section's autorestart allows."},
		{ExitUsage, "A mistake on the command line: one line on standard error names it and what to write instead."},
	}
}

// statusAnnotation keys the exit statuses recorded on a command.
const statusAnnotation = "golance/exit-statuses"

// SetExitStatuses records on cmd the exit statuses of a command that is
// not a listener (essential run), in place of ExitStatuses'.
func SetExitStatuses(cmd *cobra.Command, statuses ...Status) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	var lines []string
	for _, s := range statuses {
		lines = append(lines, strconv.Itoa(s.Code)+"\t"+s.Text)
	}
	cmd.Annotations[statusAnnotation] = strings.Join(lines, "\n")
}

// ExitStatusesOf returns what each exit status of cmd means: those
// recorded with SetExitStatuses, else ExitStatuses' for its name.
func ExitStatusesOf(cmd *cobra.Command) []Status {
	recorded := cmd.Annotations[statusAnnotation]
	if recorded == "" {
		return ExitStatuses(cmd.Name())
	}
	var out []Status
	for l := range strings.SplitSeq(recorded, "\n") {
		code, text, _ := strings.Cut(l, "\t")
		n, _ := strconv.Atoi(code)
		out = append(out, Status{n, text})
	}
	return out
}
