package supervisorconf

// Autorestart is the autorestart= setting.
type Autorestart int

// The three autorestart policies; the zero value is supervisord's default.
const (
	// RestartUnexpected restarts a process that exits with a code not in
	// its exitcodes.
	RestartUnexpected Autorestart = iota
	// RestartAlways restarts a process whenever it exits.
	RestartAlways
	// RestartNever never restarts it.
	RestartNever
)

// String returns the policy as autorestart= spells it.
func (a Autorestart) String() string {
	switch a {
	case RestartAlways:
		return "true"
	case RestartNever:
		return "false"
	}
	return "unexpected"
}
