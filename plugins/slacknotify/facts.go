package slacknotify

import (
	"strings"
	"time"

	"github.com/golance/golance/plugins/internal/crashinfo"
)

// facts are what supervisord told about a failure beyond its event, as
// the messages show them, in a form the outbox can keep: errors become the
// words the small print shows.
type facts struct {
	Exit        crashinfo.Exit `json:"exit,omitzero"`
	RanFor      time.Duration  `json:"ran_for,omitempty"`
	RanForKnown bool           `json:"ran_for_known,omitempty"`
	SpawnErr    string         `json:"spawn_err,omitempty"`
	// Log is the first log with lines in it, nil if none.
	Log *logTail `json:"log,omitempty"`
	// Missing names each detail supervisord could not give, and why:
	// "process info: dial unix /run/supervisor.sock: connection refused".
	Missing []string `json:"missing,omitempty"`
}

// logTail is the end of one of a process's logs.
type logTail struct {
	Channel string   `json:"channel"` // "stderr" or "stdout"
	Lines   []string `json:"lines"`
}

// factsOf keeps of d what the messages show.
func factsOf(d crashinfo.Details) facts {
	f := facts{Exit: d.Exit, RanFor: d.RanFor, RanForKnown: d.RanForKnown, SpawnErr: d.SpawnErr}
	for _, l := range d.Logs {
		if len(l.Lines) > 0 {
			f.Log = &logTail{Channel: l.Channel, Lines: l.Lines}
			break
		}
	}
	if d.InfoErr != nil {
		f.Missing = append(f.Missing, "process info: "+oneLine(d.InfoErr))
	}
	if d.ExitErr != nil {
		f.Missing = append(f.Missing, "exit status: "+oneLine(d.ExitErr))
	}
	for _, l := range d.Logs {
		if l.Err != nil {
			f.Missing = append(f.Missing, "log: "+oneLine(l.Err))
		}
	}
	return f
}

// oneLine keeps an error message on one line, for the small print.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
