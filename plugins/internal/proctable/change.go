package proctable

// Change is one change the table made to a process: another state, pid or
// log file, a process added or one removed.
type Change struct {
	// Before is the process as the table had it, zero (Name "") for a
	// process added; After is the process now, zero for one removed.
	Before, After Process
	// Event reports that a PROCESS_STATE event told the change. Otherwise
	// supervisord's answer to a refresh showed it, and any states the
	// process went through in between are unknown.
	Event bool
}

// Added reports whether the change adds a process to the table.
func (c Change) Added() bool { return c.Before.Name == "" }

// Removed reports whether the change removes a process from the table.
func (c Change) Removed() bool { return c.After.Name == "" }
