package mailbatch

import (
	"fmt"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/asctime"
)

// kind is one of the batch mailers: the process state event it collects,
// how it words each, and its default subject. The three superlance
// plugins differ in nothing else.
type kind struct {
	// name is the binary's name.
	name string
	// event is the process state event collected.
	event listener.EventType
	// skipExpected leaves out EXITED events with expected:1.
	skipExpected bool
	// defaultSubject is the subject when -s/--subject is not given; ""
	// sends no Subject header at all.
	defaultSubject string
	// word renders one collected event as the line it adds to the batch.
	word func(ps listener.ProcessStateEvent, at time.Time) string

	// short is the command's one-line summary; long, the middle of its
	// help's first sentence: "<name> is a supervisord event listener that
	// <long> as one batch per interval".
	short, long string
}

// crashMailBatch collects unexpected exits into one mail per interval.
var crashMailBatch = kind{
	name:           "crashmailbatch",
	event:          listener.ProcessStateExited,
	skipExpected:   true,
	defaultSubject: "Crash alert from supervisord",
	word: func(ps listener.ProcessStateEvent, at time.Time) string {
		return fmt.Sprintf("%s -- Process %s:%s (pid %d) died unexpectedly", asctime.Format(at), ps.GroupName, ps.ProcessName, ps.PID)
	},
	short: "Mail a batch of the unexpected process exits every interval",
	long:  "collects the unexpected exits of the processes it watches (PROCESS_STATE_EXITED events with expected:0), one line each, and mails them",
}

// fatalMailBatch collects processes that could not be started (FATAL)
// into one mail per interval.
var fatalMailBatch = kind{
	name:           "fatalmailbatch",
	event:          listener.ProcessStateFatal,
	defaultSubject: "Fatal start alert from supervisord",
	word: func(ps listener.ProcessStateEvent, at time.Time) string {
		return fmt.Sprintf("%s -- Process %s:%s failed to start too many times", asctime.Format(at), ps.GroupName, ps.ProcessName)
	},
	short: "Mail a batch of the processes that failed to start every interval",
	long:  "collects the processes it watches that failed to start too many times (PROCESS_STATE_FATAL events), one line each, and mails them",
}

// crashSMS is crashMailBatch worded for an SMS gateway: short lines and,
// unless -s gives one, no subject.
var crashSMS = kind{
	name:         "crashsms",
	event:        listener.ProcessStateExited,
	skipExpected: true,
	word: func(ps listener.ProcessStateEvent, at time.Time) string {
		return fmt.Sprintf("[%s:%s](%d) exited unexpectedly %s", ps.GroupName, ps.ProcessName, ps.PID, asctime.Format(at))
	},
	short: "Send a short batch of the unexpected process exits to a mail-to-SMS gateway every interval",
	long:  "collects the unexpected exits of the processes it watches (PROCESS_STATE_EXITED events with expected:0), one short line each for an SMS, and mails them",
}

// kinds lists the batch mailers.
var kinds = []kind{crashMailBatch, fatalMailBatch, crashSMS}

// kindNamed returns the batch mailer called name.
func kindNamed(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// line returns the batch line for ev, and false when ev is not collected
// (another type, an expected exit). A payload of the kind's event that
// cannot be read is the error.
func (k kind) line(ev listener.Event, at time.Time) (listener.ProcessStateEvent, string, bool, error) {
	if ev.EventName != k.event {
		return listener.ProcessStateEvent{}, "", false, nil
	}
	ps, err := ev.ProcessState()
	if err != nil || (k.skipExpected && ps.Expected) {
		return ps, "", false, err
	}
	return ps, k.word(ps, at), true, nil
}
