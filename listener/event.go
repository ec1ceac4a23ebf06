package listener

import (
	"strconv"
	"strings"
	"time"
)

// An Event is one notification from supervisord: the header line and the
// payload exactly as received. The typed accessors (ProcessState, Tick,
// ProcessLog, ...) parse the payload on demand and do not allocate.
//
// Event is a value: a Handler may keep it after returning.
type Event struct {
	Header
	Payload string
}

// Fields returns the key:value tokens of the payload's first line, each
// split on its first colon. It returns an empty map for payloads that have
// none (SUPERVISOR_STATE_CHANGE_*).
func (e Event) Fields() map[string]string {
	line, _, _ := strings.Cut(e.Payload, "\n")
	m := make(map[string]string)
	for rest := line; rest != ""; {
		var tok string
		tok, rest, _ = strings.Cut(rest, " ")
		if tok == "" {
			continue
		}
		k, v, _ := strings.Cut(tok, ":")
		m[k] = v
	}
	return m
}

// Data returns the part of the payload after its first newline: the text
// of PROCESS_LOG_*, PROCESS_COMMUNICATION_* and REMOTE_COMMUNICATION events.
// It returns "" for payloads without a newline.
func (e Event) Data() string {
	_, data, _ := strings.Cut(e.Payload, "\n")
	return data
}

// Typed returns the payload parsed into the struct for its type:
// ProcessStateEvent, ProcessLogEvent, ProcessCommunicationEvent,
// RemoteCommunicationEvent, TickEvent, ProcessGroupEvent or
// SupervisorStateChangeEvent. For an event type this package does not know
// it returns nil and no error: such events pass through untyped.
func (e Event) Typed() (any, error) {
	switch {
	case e.EventName.Is(ProcessState):
		return e.ProcessState()
	case e.EventName.Is(ProcessLog):
		return e.ProcessLog()
	case e.EventName.Is(ProcessCommunication):
		return e.ProcessCommunication()
	case e.EventName == RemoteCommunication:
		return e.RemoteCommunication()
	case e.EventName.Is(Tick):
		return e.Tick()
	case e.EventName.Is(ProcessGroup):
		return e.ProcessGroup()
	case e.EventName.Is(SupervisorStateChange):
		return e.SupervisorStateChange()
	}
	return nil, nil
}

// ProcessStateEvent is the payload of PROCESS_STATE_* events:
//
//	processname:cat groupname:cat from_state:RUNNING expected:0 pid:2766
//
// Which of Expected, PID and Tries are present depends on the state
// entered; the others are zero.
type ProcessStateEvent struct {
	ProcessName string
	GroupName   string
	// State is the state the process entered, taken from the event name.
	State     State
	FromState State
	// Expected reports, for EXITED, that the exit code was listed in the
	// program's exitcodes.
	Expected bool
	// PID is present for RUNNING, STOPPING, STOPPED and EXITED. STOPPED
	// after a stop during BACKOFF carries pid 0.
	PID int
	// Tries is supervisord's backoff counter, present for STARTING and
	// BACKOFF. From supervisord 4.2.3 the first BACKOFF says tries:1.
	Tries int
}

// Namespec returns the name supervisord's XML-RPC methods take for the
// process: "name" when group and process share a name, else "group:name".
func (p ProcessStateEvent) Namespec() string { return Namespec(p.GroupName, p.ProcessName) }

// ProcessState parses a PROCESS_STATE_* payload.
func (e Event) ProcessState() (ProcessStateEvent, error) {
	var p ProcessStateEvent
	if !e.EventName.Is(ProcessState) {
		return p, e.wrongType(ProcessState)
	}
	suffix, _ := strings.CutPrefix(string(e.EventName), "PROCESS_STATE_")
	var ok bool
	if p.State, ok = parseStateName(suffix); !ok {
		return p, e.malformed("no process state in the event name")
	}
	var has struct{ name, group, from, expected bool }
	for rest := e.Payload; rest != ""; {
		var k, v string
		k, v, rest, ok = nextToken(rest)
		if !ok {
			return p, e.malformed("token without a colon")
		}
		switch k {
		case "processname":
			p.ProcessName, has.name = v, true
		case "groupname":
			p.GroupName, has.group = v, true
		case "from_state":
			if p.FromState, ok = parseStateName(v); !ok {
				return p, e.malformed("unknown from_state " + strconv.Quote(v))
			}
			has.from = true
		case "expected":
			switch v {
			case "0":
				p.Expected = false
			case "1":
				p.Expected = true
			default:
				return p, e.malformed("expected is " + strconv.Quote(v) + ", not 0 or 1")
			}
			has.expected = true
		case "pid":
			if p.PID, ok = atoi(v); !ok {
				return p, e.malformed("pid " + strconv.Quote(v) + " is not a number")
			}
		case "tries":
			if p.Tries, ok = atoi(v); !ok {
				return p, e.malformed("tries " + strconv.Quote(v) + " is not a number")
			}
		}
	}
	switch {
	case !has.name:
		return p, e.malformed("missing processname")
	case !has.group:
		return p, e.malformed("missing groupname")
	case !has.from:
		return p, e.malformed("missing from_state")
	case p.State == StateExited && !has.expected:
		return p, e.malformed("EXITED without expected")
	}
	return p, nil
}

// ProcessLogEvent is the payload of PROCESS_LOG_STDOUT and
// PROCESS_LOG_STDERR events, sent for programs with stdout_events_enabled
// or stderr_events_enabled:
//
//	processname:web groupname:web pid:2766 channel:stdout
//	<data>
//
// Data is one chunk as supervisord read it from the pipe (up to 128 KiB),
// not a line. A chunk that was not valid UTF-8 arrives as the text
// "Undecodable: b'...'".
type ProcessLogEvent struct {
	ProcessName string
	GroupName   string
	PID         int
	Channel     string // "stdout" or "stderr"
	Data        string
}

// Namespec returns the process's supervisord name; see ProcessStateEvent.Namespec.
func (p ProcessLogEvent) Namespec() string { return Namespec(p.GroupName, p.ProcessName) }

// ProcessLog parses a PROCESS_LOG_* payload.
func (e Event) ProcessLog() (ProcessLogEvent, error) {
	var p ProcessLogEvent
	if !e.EventName.Is(ProcessLog) || e.EventName == ProcessLog {
		return p, e.wrongType(ProcessLog)
	}
	line, data, found := strings.Cut(e.Payload, "\n")
	if !found {
		return p, e.malformed("no newline between the tokens and the data")
	}
	p.Data = data
	pid, err := e.processTokens(line, &p.ProcessName, &p.GroupName, &p.Channel)
	p.PID = pid
	if err == nil && p.Channel == "" {
		err = e.malformed("missing channel")
	}
	return p, err
}

// ProcessCommunicationEvent is the payload of PROCESS_COMMUNICATION_STDOUT
// and _STDERR events: the text a program wrote between
// <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> on a channel with
// capture_maxbytes set. Channel comes from the event name; the payload
// itself has no channel token.
type ProcessCommunicationEvent struct {
	ProcessName string
	GroupName   string
	PID         int
	Channel     string // "stdout" or "stderr"
	Data        string
}

// Namespec returns the process's supervisord name; see ProcessStateEvent.Namespec.
func (p ProcessCommunicationEvent) Namespec() string { return Namespec(p.GroupName, p.ProcessName) }

// ProcessCommunication parses a PROCESS_COMMUNICATION_* payload.
func (e Event) ProcessCommunication() (ProcessCommunicationEvent, error) {
	var p ProcessCommunicationEvent
	switch e.EventName {
	case ProcessCommunicationStdout:
		p.Channel = "stdout"
	case ProcessCommunicationStderr:
		p.Channel = "stderr"
	default:
		return p, e.wrongType(ProcessCommunication)
	}
	line, data, found := strings.Cut(e.Payload, "\n")
	if !found {
		return p, e.malformed("no newline between the tokens and the data")
	}
	p.Data = data
	var ignored string
	pid, err := e.processTokens(line, &p.ProcessName, &p.GroupName, &ignored)
	p.PID = pid
	return p, err
}

// processTokens parses "processname:x groupname:g pid:n [channel:c]".
func (e Event) processTokens(line string, name, group, channel *string) (pid int, err error) {
	var hasName, hasGroup, hasPID, ok bool
	for rest := line; rest != ""; {
		var k, v string
		k, v, rest, ok = nextToken(rest)
		if !ok {
			return 0, e.malformed("token without a colon")
		}
		switch k {
		case "processname":
			*name, hasName = v, true
		case "groupname":
			*group, hasGroup = v, true
		case "channel":
			*channel = v
		case "pid":
			if pid, ok = atoi(v); !ok {
				return 0, e.malformed("pid " + strconv.Quote(v) + " is not a number")
			}
			hasPID = true
		}
	}
	switch {
	case !hasName:
		return 0, e.malformed("missing processname")
	case !hasGroup:
		return 0, e.malformed("missing groupname")
	case !hasPID:
		return 0, e.malformed("missing pid")
	}
	return pid, nil
}

// RemoteCommunicationEvent is the payload of REMOTE_COMMUNICATION, sent
// when a client calls supervisor.sendRemoteCommEvent(type, data).
type RemoteCommunicationEvent struct {
	Type string
	Data string
}

// RemoteCommunication parses a REMOTE_COMMUNICATION payload. The type is
// everything after "type:" on the first line, spaces included, because
// sendRemoteCommEvent does not restrict it.
func (e Event) RemoteCommunication() (RemoteCommunicationEvent, error) {
	var r RemoteCommunicationEvent
	if e.EventName != RemoteCommunication {
		return r, e.wrongType(RemoteCommunication)
	}
	line, data, found := strings.Cut(e.Payload, "\n")
	typ, ok := strings.CutPrefix(line, "type:")
	if !found || !ok {
		return r, e.malformed("want type:<type> then a newline")
	}
	r.Type, r.Data = typ, data
	return r, nil
}

// TickEvent is the payload of TICK_5, TICK_60 and TICK_3600. When is the
// start of the period that just began (supervisord computes
// now - now % period), not the moment the event was sent, which is
// typically up to a second later.
type TickEvent struct {
	Period time.Duration
	When   time.Time
}

// Tick parses a TICK_* payload ("when:1700000000").
func (e Event) Tick() (TickEvent, error) {
	var t TickEvent
	period, ok := e.EventName.TickPeriod()
	if !ok {
		return t, e.wrongType(Tick)
	}
	t.Period = period
	v, ok := strings.CutPrefix(e.Payload, "when:")
	if !ok {
		return t, e.malformed("want when:<unix seconds>")
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return t, e.malformed("when " + strconv.Quote(v) + " is not a number")
	}
	t.When = time.Unix(secs, 0)
	return t, nil
}

// ProcessGroupEvent is the payload of PROCESS_GROUP_ADDED and
// PROCESS_GROUP_REMOVED ("groupname:web\n"; unlike the other token
// payloads it ends with a newline).
type ProcessGroupEvent struct {
	GroupName string
}

// ProcessGroup parses a PROCESS_GROUP_* payload.
func (e Event) ProcessGroup() (ProcessGroupEvent, error) {
	var g ProcessGroupEvent
	if e.EventName != ProcessGroupAdded && e.EventName != ProcessGroupRemoved {
		return g, e.wrongType(ProcessGroup)
	}
	line, _, _ := strings.Cut(e.Payload, "\n")
	name, ok := strings.CutPrefix(line, "groupname:")
	if !ok || name == "" {
		return g, e.malformed("want groupname:<name>")
	}
	g.GroupName = name
	return g, nil
}

// SupervisorStateChangeEvent reports supervisord itself entering the
// RUNNING or STOPPING state. Its payload is empty (len:0).
type SupervisorStateChangeEvent struct {
	Stopping bool
}

// SupervisorStateChange parses a SUPERVISOR_STATE_CHANGE_* event.
func (e Event) SupervisorStateChange() (SupervisorStateChangeEvent, error) {
	switch e.EventName {
	case SupervisorStateChangeRunning:
		return SupervisorStateChangeEvent{}, nil
	case SupervisorStateChangeStopping:
		return SupervisorStateChangeEvent{Stopping: true}, nil
	}
	return SupervisorStateChangeEvent{}, e.wrongType(SupervisorStateChange)
}

func (e Event) wrongType(want EventType) error {
	return &PayloadError{Err: ErrWrongEventType, EventName: e.EventName, Reason: "not a " + string(want) + " event", Payload: e.Payload}
}

func (e Event) malformed(reason string) error {
	return &PayloadError{Err: ErrMalformedPayload, EventName: e.EventName, Reason: reason, Payload: e.Payload}
}

// nextToken splits "key:value rest..." at the first space, and the token
// at its first colon. An empty token (from a doubled or trailing space)
// gives an empty key, which callers ignore.
func nextToken(s string) (key, value, rest string, ok bool) {
	tok, rest, _ := strings.Cut(s, " ")
	if tok == "" {
		return "", "", rest, true
	}
	key, value, ok = strings.Cut(tok, ":")
	return key, value, rest, ok
}

// atoi parses a non-negative decimal int.
func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}
