package crashmail

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/asctime"
	"github.com/golance/golance/plugins/internal/crashinfo"
)

// subject returns the mail's subject, worded as superlance's crashmail
// words it so that existing mail filters keep matching:
// "<process> crashed at <asctime>", prefixed with "<header>: " when -o
// gives a header.
func subject(header, process string, at time.Time) string {
	s := process + " crashed at " + asctime.Format(at)
	if header != "" {
		s = header + ": " + s
	}
	return s
}

// firstLine returns the body's first line, worded as superlance's:
// "Process <name> in group <group> exited unexpectedly (pid <pid>) from
// state <state>".
func firstLine(ps listener.ProcessStateEvent) string {
	return fmt.Sprintf("Process %s in group %s exited unexpectedly (pid %d) from state %s",
		ps.ProcessName, ps.GroupName, ps.PID, ps.FromState)
}

// body renders the whole body: superlance's line, then what crashmail
// found out about the process.
func body(ps listener.ProcessStateEvent, at time.Time, host string, d crashinfo.Details) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	line("%s", firstLine(ps))
	line("")
	line("Host: %s", host)
	line("Time: %s", asctime.Format(at))
	if d.Info == nil {
		// Everything else comes from supervisord too: say why once.
		line("Details unavailable: %v", d.InfoErr)
		return b.String()
	}
	switch {
	case d.Exit.IsZero() && d.ExitErr != nil:
		line("Exit status and uptime: unknown (%v)", d.ExitErr)
	case d.Exit.IsZero():
		line("Exit status and uptime: unknown")
	default:
		line("Exit status: %s", exitStatus(d.Exit))
		if d.RanForKnown {
			line("Uptime: %s", formatUptime(d.RanFor))
		}
	}
	for _, l := range d.Logs {
		line("")
		writeLog(&b, l)
	}
	return b.String()
}

// exitStatus is the code a process exited with, or how it died
// ("terminated by SIGSEGV (core dumped)"). Every exit crashmail mails
// about is unexpected, so supervisord's "; not expected" would add
// nothing.
func exitStatus(e crashinfo.Exit) string {
	if n, ok := e.Status(); ok {
		return strconv.Itoa(n)
	}
	return e.Cause
}

func writeLog(b *strings.Builder, l crashinfo.Log) {
	where := ""
	if l.Path != "" {
		where = " (" + l.Path + ")"
	}
	switch {
	case l.NotKept:
		fmt.Fprintf(b, "No %s log is kept for this process.\n", l.Channel)
	case l.Err != nil:
		fmt.Fprintf(b, "The %s log%s is unavailable: %v\n", l.Channel, where, l.Err)
	case len(l.Lines) == 0:
		fmt.Fprintf(b, "The %s log%s is empty.\n", l.Channel, where)
	default:
		fmt.Fprintf(b, "Last %d line(s) of the %s log%s:\n", len(l.Lines), l.Channel, where)
		for _, s := range l.Lines {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
}

// formatUptime writes d the way supervisorctl shows uptimes (Python's
// timedelta): "0:01:05", "1 day, 2:03:04".
func formatUptime(d time.Duration) string {
	s := int64(d / time.Second)
	days, s := s/86400, s%86400
	hms := fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	switch days {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	}
	return fmt.Sprintf("%d days, %s", days, hms)
}
