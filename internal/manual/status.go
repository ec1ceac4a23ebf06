package manual

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
