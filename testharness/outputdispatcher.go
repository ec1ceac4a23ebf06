package testharness

import "bytes"

// Capture-mode tokens (ProcessCommunicationEvent.BEGIN_TOKEN, END_TOKEN).
var (
	beginToken = []byte("<!--XSUPERVISOR:BEGIN-->")
	endToken   = []byte("<!--XSUPERVISOR:END-->")
)

// outputDispatcher is supervisord's POutputDispatcher for one channel of
// one spawn: it logs output, turns it into PROCESS_LOG events when enabled,
// and cuts PROCESS_COMMUNICATION events out of it in capture mode.
type outputDispatcher struct {
	p             *subprocess
	channel       Channel
	buf           []byte
	capturemode   bool
	captureMax    int
	capture       []byte
	eventsEnabled bool
	log           *logFile
}

func newOutputDispatcher(p *subprocess, ch Channel) *outputDispatcher {
	d := &outputDispatcher{p: p, channel: ch}
	cfg := p.spec.cfg
	if ch == Stdout {
		d.captureMax, d.eventsEnabled, d.log = cfg.StdoutCaptureMaxBytes, cfg.StdoutEvents, p.stdoutLog
	} else {
		d.captureMax, d.eventsEnabled, d.log = cfg.StderrCaptureMaxBytes, cfg.StderrEvents, p.stderrLog
	}
	return d
}

// feed is handle_read_event followed by record_output.
func (d *outputDispatcher) feed(data []byte) {
	d.buf = append(d.buf, data...)
	d.record()
}

// record is POutputDispatcher.record_output. In capture mode output no
// longer than the token it looks for waits for more, and is lost if the
// process exits first — as in supervisord.
func (d *outputDispatcher) record() {
	for {
		if d.captureMax == 0 {
			data := d.buf
			d.buf = nil
			d.emit(data)
			return
		}
		token := beginToken
		if d.capturemode {
			token = endToken
		}
		if len(d.buf) <= len(token) {
			return
		}
		data := d.buf
		d.buf = nil
		before, after, found := bytes.Cut(data, token)
		if !found {
			if n := prefixAtEnd(data, token); n > 0 {
				d.buf = append(d.buf, data[len(data)-n:]...)
				data = data[:len(data)-n]
			}
			d.emit(data)
			return
		}
		d.emit(before)
		d.toggle()
		d.buf = append([]byte(nil), after...)
		if len(after) == 0 {
			return
		}
	}
}

// prefixAtEnd is medusa's find_prefix_at_end: the length of the longest
// proper prefix of token that data ends with.
func prefixAtEnd(data, token []byte) int {
	for l := len(token) - 1; l > 0; l-- {
		if bytes.HasSuffix(data, token[:l]) {
			return l
		}
	}
	return 0
}

// emit is POutputDispatcher._log: write to the current log (the capture
// buffer in capture mode) and notify PROCESS_LOG if enabled — in capture
// mode too, which the documentation says does not happen but does.
func (d *outputDispatcher) emit(data []byte) {
	if len(data) == 0 {
		return
	}
	if d.capturemode {
		// loggers.BoundIO: when a write would overflow, the first len(data)
		// bytes are dropped, not "all but the last captureMax".
		if len(d.capture)+len(data) > d.captureMax {
			if len(data) >= len(d.capture) {
				d.capture = d.capture[:0]
			} else {
				d.capture = d.capture[len(data):]
			}
		}
		d.capture = append(d.capture, data...)
	} else if d.log != nil {
		d.log.write(data)
	}
	if d.eventsEnabled {
		p := d.p
		p.s.notifyLocked(NewProcessLogEvent(d.channel, p.spec.name, p.g.name, p.pid, data))
	}
}

// toggle is toggle_capturemode: leaving capture mode emits the captured
// data as a PROCESS_COMMUNICATION event.
func (d *outputDispatcher) toggle() {
	d.capturemode = !d.capturemode
	if d.capturemode {
		return
	}
	data := d.capture
	d.capture = nil
	p := d.p
	p.s.logf(levelDebug, "'%s' %s emitted a comm event", p.spec.name, d.channel)
	p.s.notifyLocked(NewProcessCommunicationEvent(d.channel, p.spec.name, p.g.name, p.pid, data))
}
