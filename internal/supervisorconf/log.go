package supervisorconf

// The special values of Log.File; anything else is a path.
const (
	// LogAuto is stdout_logfile=AUTO, the default: a file supervisord
	// names in childlogdir and removes when it restarts.
	LogAuto = "AUTO"
	// LogNone is NONE (or OFF): no log file.
	LogNone = "NONE"
	// LogSyslog is the deprecated SYSLOG, which supervisord reads as NONE
	// with syslog=true (with a warning); it never appears in a Log.
	LogSyslog = "SYSLOG"
)

// A Log is where supervisord sends one output stream of a process, from
// the stdout_* or stderr_* keys of its section.
type Log struct {
	// File is the log file: a path (~ expanded), LogAuto or LogNone.
	File string
	// MaxBytes and Backups are the rotation settings (50MB and 10 by
	// default; MaxBytes 0 means no rotation).
	MaxBytes int64
	Backups  int
	// Syslog also sends the stream to syslog.
	Syslog bool
	// CaptureMaxBytes, when positive, turns on capture mode (output
	// between the XSUPERVISOR tokens becomes a PROCESS_COMMUNICATION
	// event of at most that many bytes).
	CaptureMaxBytes int64
	// EventsEnabled makes every chunk of output a PROCESS_LOG event.
	EventsEnabled bool
}
