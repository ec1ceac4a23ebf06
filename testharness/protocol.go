package testharness

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

// verdict is what a pool's result handler made of a complete result body.
type verdict int

const (
	verdictOK       verdict = iota // processed: ACKNOWLEDGED
	verdictRejected                // RejectEvent: ACKNOWLEDGED, event rebuffered
	verdictError                   // any other exception: UNKNOWN, event rebuffered
)

// actionKind says what a step of the protocol state machine did.
type actionKind int

const (
	actState   actionKind = iota // the listener state changed (from, to)
	actResult                    // a complete result body was judged (body, verdict)
	actBadLine                   // the result line was not an integer (body = the line)
	actReject                    // the event in flight must be rebuffered and forgotten
	actDone                      // the event in flight was processed and is forgotten
	actCrash                     // the dispatcher raised and was closed; the listener stays BUSY
)

// action is one observable step of protocol.feed, in the order supervisord
// performs it.
type action struct {
	kind     actionKind
	from, to ListenerState
	body     []byte
	verdict  verdict
}

// protocol is supervisord's PEventListenerDispatcher for one spawn of one
// listener: the bytes read from the listener's stdout drive its state. It
// is a pure state machine so that every quirk can be tested byte by byte;
// the supervisor applies the actions it returns.
//
// The quirks it keeps on purpose, because supervisord has them:
//   - the first 7 bytes of a result line are never checked;
//   - the length is parsed by Python's int(), so " 2\r", "+2" and "1_0" work;
//   - the body is measured in bytes;
//   - a complete body is judged only on a pass that starts with unread
//     bytes, so "RESULT 0\n" alone stalls until the listener writes more;
//   - bytes after the body are read in ACKNOWLEDGED, so "RESULT 2\nOKREADY\n"
//     is legal and "RESULT 2\nOK\nREADY\n" is a protocol violation;
//   - a negative length makes supervisord recurse until Python gives up,
//     which closes the dispatcher and leaves the listener BUSY for good.
type protocol struct {
	state     ListenerState
	buf       []byte
	haveLen   bool
	resultLen int64
	result    []byte
	closed    bool
}

// newProtocol returns the dispatcher state of a freshly spawned listener.
func newProtocol() *protocol {
	return &protocol{state: ListenerAcknowledged}
}

// sent records that the pool wrote an event to this listener.
func (p *protocol) sent() action {
	from := p.state
	p.state = ListenerBusy
	return action{kind: actState, from: from, to: ListenerBusy}
}

// feed processes data read from the listener's stdout and returns what
// happened. judge is the pool's result handler.
func (p *protocol) feed(data []byte, judge func(body []byte) verdict) []action {
	if p.closed {
		return nil
	}
	p.buf = append(p.buf, data...)
	var acts []action
	change := func(to ListenerState) {
		acts = append(acts, action{kind: actState, from: p.state, to: to})
		p.state = to
	}
	for len(p.buf) > 0 {
		switch p.state {
		case ListenerUnknown:
			p.buf = nil
			return acts

		case ListenerAcknowledged:
			if len(p.buf) < len(readyToken) {
				return acts
			}
			if bytes.HasPrefix(p.buf, readyToken) {
				change(ListenerReady)
				p.buf = p.buf[len(readyToken):]
			} else {
				change(ListenerUnknown)
				p.buf = nil
			}

		case ListenerReady:
			change(ListenerUnknown)
			p.buf = nil
			return acts

		case ListenerBusy:
			if !p.haveLen {
				pos := bytes.IndexByte(p.buf, '\n')
				if pos < 0 {
					return acts
				}
				line := p.buf[:pos:pos]
				p.buf = p.buf[pos+1:]
				var digits []byte
				if len(line) > resultTokenStart {
					digits = line[resultTokenStart:]
				}
				// Beyond int64 the length saturates: supervisord would
				// wait for a body that long, and so does the harness.
				n, err := pyfmt.AtoiBytes(digits)
				if err != nil && !errors.Is(err, strconv.ErrRange) {
					acts = append(acts, action{kind: actBadLine, body: bytes.Clone(line)})
					change(ListenerUnknown)
					p.buf = nil
					acts = append(acts, action{kind: actReject})
					return acts
				}
				p.haveLen, p.resultLen = true, n
				continue
			}
			if p.resultLen < 0 {
				p.closed = true
				acts = append(acts, action{kind: actCrash})
				return acts
			}
			needed := p.resultLen - int64(len(p.result))
			if needed > 0 {
				take := min(needed, int64(len(p.buf)))
				p.result = append(p.result, p.buf[:take]...)
				p.buf = p.buf[take:]
				needed -= take
			}
			if needed == 0 {
				body := p.result
				p.result, p.haveLen, p.resultLen = nil, false, 0
				v := judge(body)
				acts = append(acts, action{kind: actResult, body: body, verdict: v})
				switch v {
				case verdictOK:
					change(ListenerAcknowledged)
					acts = append(acts, action{kind: actDone})
				case verdictRejected:
					change(ListenerAcknowledged)
					acts = append(acts, action{kind: actReject})
				default:
					change(ListenerUnknown)
					acts = append(acts, action{kind: actReject})
				}
			}
		}
	}
	return acts
}

// defaultJudge is supervisord's default_handler: only the exact body OK
// means the event was processed.
func defaultJudge(body []byte) verdict {
	if string(body) == "OK" {
		return verdictOK
	}
	return verdictRejected
}
