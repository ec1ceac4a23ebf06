// Package protocol is supervisord's side of the event listener protocol
// for one spawn of one listener: the bytes read from the listener's stdout
// drive its State, as in supervisor/dispatchers.py's
// PEventListenerDispatcher. It is a pure state machine, so that every quirk
// can be tested byte by byte; the harness applies the Actions it returns.
//
// The map of the package:
//
//	machine.go  Machine: Feed the listener's output, Sent an event
//	state.go    State: READY, BUSY, ACKNOWLEDGED, UNKNOWN
//	action.go   Action, Kind, Verdict and Cause: what a step did, and why UNKNOWN
package protocol

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/golance/golance/internal/pyfmt"
)

// The two tokens supervisord looks for on a listener's stdout.
var (
	readyToken       = []byte("READY\n")
	resultTokenStart = len("RESULT ")
)

// Machine is supervisord's PEventListenerDispatcher for one spawn of one
// listener. The quirks it keeps on purpose, because supervisord has them:
//
//   - the first 7 bytes of a result line are never checked;
//   - the length is parsed by Python's int(), so " 2\r", "+2" and "1_0" work;
//   - the body is measured in bytes;
//   - a complete body is judged only on a pass that starts with unread
//     bytes, so "RESULT 0\n" alone stalls until the listener writes more;
//   - bytes after the body are read in ACKNOWLEDGED, so "RESULT 2\nOKREADY\n"
//     is legal and "RESULT 2\nOK\nREADY\n" is a protocol violation;
//   - a negative length makes supervisord recurse until Python gives up,
//     which closes the dispatcher and leaves the listener BUSY for good.
type Machine struct {
	state     State
	buf       []byte
	haveLen   bool
	resultLen int64
	result    []byte
	closed    bool
}

// New returns the machine of a freshly spawned listener: ACKNOWLEDGED.
func New() *Machine {
	return &Machine{state: Acknowledged}
}

// State returns the listener's current state.
func (m *Machine) State() State { return m.state }

// Sent records that the pool wrote an event to this listener, which makes
// it BUSY.
func (m *Machine) Sent() Action {
	from := m.state
	m.state = Busy
	return Action{Kind: Changed, From: from, To: Busy}
}

// Feed processes data read from the listener's stdout and returns what
// happened. judge is the pool's result handler.
func (m *Machine) Feed(data []byte, judge func(body []byte) Verdict) []Action {
	if m.closed {
		return nil
	}
	m.buf = append(m.buf, data...)
	var acts []Action
	change := func(to State) {
		acts = append(acts, Action{Kind: Changed, From: m.state, To: to})
		m.state = to
	}
	// fail is the change to UNKNOWN, with why and the bytes supervisord
	// gave up on.
	fail := func(why Cause, data []byte) {
		acts = append(acts, Action{Kind: Changed, From: m.state, To: Unknown, Why: why, Body: bytes.Clone(data)})
		m.state = Unknown
	}
	for len(m.buf) > 0 {
		switch m.state {
		case Unknown:
			m.buf = nil
			return acts

		case Acknowledged:
			if len(m.buf) < len(readyToken) {
				return acts
			}
			if bytes.HasPrefix(m.buf, readyToken) {
				change(Ready)
				m.buf = m.buf[len(readyToken):]
			} else {
				fail(OutputBeforeReady, m.buf)
				m.buf = nil
			}

		case Ready:
			fail(OutputWhileReady, m.buf)
			m.buf = nil
			return acts

		case Busy:
			if !m.haveLen {
				pos := bytes.IndexByte(m.buf, '\n')
				if pos < 0 {
					return acts
				}
				line := m.buf[:pos:pos]
				m.buf = m.buf[pos+1:]
				var digits []byte
				if len(line) > resultTokenStart {
					digits = line[resultTokenStart:]
				}
				// Beyond int64 the length saturates: supervisord would
				// wait for a body that long, and so does the harness.
				n, err := pyfmt.AtoiBytes(digits)
				if err != nil && !errors.Is(err, strconv.ErrRange) {
					acts = append(acts, Action{Kind: BadLine, Body: bytes.Clone(line)})
					fail(BadResultLine, line)
					m.buf = nil
					acts = append(acts, Action{Kind: Reject})
					return acts
				}
				m.haveLen, m.resultLen = true, n
				continue
			}
			if m.resultLen < 0 {
				m.closed = true
				acts = append(acts, Action{Kind: Crash})
				return acts
			}
			needed := m.resultLen - int64(len(m.result))
			if needed > 0 {
				take := min(needed, int64(len(m.buf)))
				m.result = append(m.result, m.buf[:take]...)
				m.buf = m.buf[take:]
				needed -= take
			}
			if needed == 0 {
				body := m.result
				m.result, m.haveLen, m.resultLen = nil, false, 0
				v := judge(body)
				acts = append(acts, Action{Kind: Judged, Body: body, Verdict: v})
				switch v {
				case OK:
					change(Acknowledged)
					acts = append(acts, Action{Kind: Done})
				case Rejected:
					change(Acknowledged)
					acts = append(acts, Action{Kind: Reject})
				default:
					fail(HandlerError, body)
					acts = append(acts, Action{Kind: Reject})
				}
			}
		}
	}
	return acts
}

// DefaultJudge is supervisord's default_handler: only the exact body OK
// means the event was processed.
func DefaultJudge(body []byte) Verdict {
	if string(body) == "OK" {
		return OK
	}
	return Rejected
}
