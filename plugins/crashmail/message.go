package crashmail

import (
	"fmt"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/mailcli"
)

// Subject returns the mail's subject, worded as superlance's crashmail
// words it so that existing mail filters keep matching:
// "<process> crashed at <asctime>", prefixed with "<header>: " when -o
// gives a header.
func Subject(header, process string, at time.Time) string {
	s := process + " crashed at " + mailcli.AscTime(at)
	if header != "" {
		s = header + ": " + s
	}
	return s
}

// FirstLine returns the body's first line, worded as superlance's:
// "Process <name> in group <group> exited unexpectedly (pid <pid>) from
// state <state>".
func FirstLine(ps listener.ProcessStateEvent) string {
	return fmt.Sprintf("Process %s in group %s exited unexpectedly (pid %d) from state %s",
		ps.ProcessName, ps.GroupName, ps.PID, ps.FromState)
}

// body renders the whole body: superlance's line, then what crashmail
// found out about the process.
func body(ps listener.ProcessStateEvent, at time.Time, host string, d Details, tailLines int) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	line("%s", FirstLine(ps))
	line("")
	line("Host: %s", host)
	line("Time: %s", mailcli.AscTime(at))
	if d.Info == nil {
		// Everything else comes from supervisord too: say why once.
		line("Details unavailable: %v", d.InfoErr)
		return b.String()
	}
	if d.Exit == "" {
		line("Exit status and uptime: unknown (%v)", d.ExitErr)
	} else {
		line("Exit status: %s", d.Exit)
		if d.UptimeKnown {
			line("Uptime: %s", formatUptime(d.Uptime))
		}
	}
	if tailLines > 0 {
		for _, l := range []LogLines{d.Stderr, d.Stdout} {
			line("")
			writeLog(&b, l)
		}
	}
	return b.String()
}

func writeLog(b *strings.Builder, l LogLines) {
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
