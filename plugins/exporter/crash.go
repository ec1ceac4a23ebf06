package exporter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/alertmanager"
	"github.com/golance/golance/plugins/internal/crashinfo"
)

// crashAlert returns the alert for a failure event: an unexpected exit
// (alertExited) or FATAL (alertFatal), with the crash's facts, taken at
// event time, as annotations: summary, description, exit_status, uptime
// and log_tail.
func crashAlert(labels map[string]string, ps listener.ProcessStateEvent, at time.Time, d crashinfo.Details) alertmanager.Alert {
	host := labels["host"]
	ns := ps.Namespec()
	ann := map[string]string{}
	var what string
	if ps.State == listener.StateFatal {
		what = fmt.Sprintf("%s on %s is FATAL: supervisord gave up starting it", ns, host)
		if d.SpawnErr != "" {
			what += " (" + d.SpawnErr + ")"
		}
	} else {
		what = fmt.Sprintf("%s on %s exited unexpectedly", ns, host)
	}
	var desc strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&desc, format+"\n", args...) }
	if ps.State == listener.StateFatal {
		line("Process %s in group %s entered FATAL from state %s.", ps.ProcessName, ps.GroupName, ps.FromState)
	} else {
		line("Process %s in group %s exited unexpectedly (pid %d) from state %s.", ps.ProcessName, ps.GroupName, ps.PID, ps.FromState)
	}
	line("Host: %s", host)
	line("Time: %s", at.Format(time.RFC3339))
	switch {
	case d.Info == nil && d.InfoErr != nil:
		line("Details unavailable: %v", d.InfoErr)
	case !d.Exit.IsZero():
		status := d.Exit.Cause
		if n, ok := d.Exit.Status(); ok {
			status = strconv.Itoa(n)
		}
		ann["exit_status"] = status
		line("Exit status: %s", status)
		if d.RanForKnown {
			ann["uptime"] = d.RanFor.String()
			line("Uptime: %s", d.RanFor)
			what += fmt.Sprintf(" (%s after %s)", d.Exit.Cause, d.RanFor)
		} else if ps.State != listener.StateFatal {
			what += fmt.Sprintf(" (%s)", d.Exit.Cause)
		}
	case d.ExitErr != nil:
		line("Exit status and uptime: unknown (%v)", d.ExitErr)
	}
	if d.SpawnErr != "" {
		line("supervisord: %s", d.SpawnErr)
	}
	var tail []string
	for _, l := range d.Logs {
		if len(l.Lines) == 0 {
			continue
		}
		line("")
		line("Last %d line(s) of the %s log (%s):", len(l.Lines), l.Channel, l.Path)
		for _, s := range l.Lines {
			line("%s", s)
		}
		tail = append(tail, l.Lines...)
	}
	if len(tail) > 0 {
		ann["log_tail"] = strings.Join(tail, "\n")
	}
	ann["summary"] = what
	ann["description"] = strings.TrimRight(desc.String(), "\n")
	name := alertExited
	if ps.State == listener.StateFatal {
		name = alertFatal
	}
	l := make(map[string]string, len(labels)+3)
	for k, v := range labels {
		l[k] = v
	}
	l["alertname"], l["group"], l["process"] = name, ps.GroupName, ps.ProcessName
	return alertmanager.Alert{Labels: l, Annotations: ann, StartsAt: at.UTC()}
}
