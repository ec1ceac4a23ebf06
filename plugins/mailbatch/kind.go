package mailbatch

import (
	"fmt"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/asctime"
)

// Kind is one of the batch mailers: the process state event it collects,
// how it words each, and its default subject. The three superlance
// plugins differ in nothing else.
type Kind struct {
	// Name is the binary's name.
	Name string
	// Event is the process state event collected.
	Event listener.EventType
	// SkipExpected leaves out EXITED events with expected:1.
	SkipExpected bool
	// DefaultSubject is the subject when -s/--subject is not given; ""
	// sends no Subject header at all.
	DefaultSubject string
	// Word renders one collected event as the line it adds to the batch.
	Word func(ps listener.ProcessStateEvent, at time.Time) string

	short, long string
}

// CrashMailBatch collects unexpected exits into one mail per interval.
var CrashMailBatch = Kind{
	Name:           "crashmailbatch",
	Event:          listener.ProcessStateExited,
	SkipExpected:   true,
	DefaultSubject: "Crash alert from supervisord",
	Word: func(ps listener.ProcessStateEvent, at time.Time) string {
		return fmt.Sprintf("%s -- Process %s:%s (pid %d) died unexpectedly", asctime.Format(at), ps.GroupName, ps.ProcessName, ps.PID)
	},
	short: "Mail a batch of the unexpected process exits every interval",
	long:  "an unexpected exit (PROCESS_STATE_EXITED with expected:0)",
}

// FatalMailBatch collects processes that could not be started (FATAL)
// into one mail per interval.
var FatalMailBatch = Kind{
	Name:           "fatalmailbatch",
	Event:          listener.ProcessStateFatal,
	DefaultSubject: "Fatal start alert from supervisord",
	Word: func(ps listener.ProcessStateEvent, at time.Time) string {
		return fmt.Sprintf("%s -- Process %s:%s failed to start too many times", asctime.Format(at), ps.GroupName, ps.ProcessName)
	},
	short: "Mail a batch of the processes that failed to start every interval",
	long:  "a process that failed to start too many times (PROCESS_STATE_FATAL)",
}

// CrashSMS is CrashMailBatch worded for an SMS gateway: short lines and,
// unless -s gives one, no subject.
var CrashSMS = Kind{
	Name:         "crashsms",
	Event:        listener.ProcessStateExited,
	SkipExpected: true,
	Word: func(ps listener.ProcessStateEvent, at time.Time) string {
		return fmt.Sprintf("[%s:%s](%d) exited unexpectedly %s", ps.GroupName, ps.ProcessName, ps.PID, asctime.Format(at))
	},
	short: "Send a short batch of the unexpected process exits to a mail-to-SMS gateway every interval",
	long:  "an unexpected exit (PROCESS_STATE_EXITED with expected:0), worded briefly for SMS",
}

// Kinds lists the batch mailers.
var Kinds = []Kind{CrashMailBatch, FatalMailBatch, CrashSMS}

// line returns the batch line for ev, and false when ev is not collected
// (another type, an expected exit, a malformed payload).
func (k Kind) line(ev listener.Event, at time.Time) (listener.ProcessStateEvent, string, bool) {
	if ev.EventName != k.Event {
		return listener.ProcessStateEvent{}, "", false
	}
	ps, err := ev.ProcessState()
	if err != nil || (k.SkipExpected && ps.Expected) {
		return ps, "", false
	}
	return ps, k.Word(ps, at), true
}
