package main

import (
	"bytes"
	"fmt"

	"golang.org/x/sys/unix"
)

// A dispatcher is supervisord's side of the conversation with one
// listener, and nothing more: it writes each envelope in one write, as
// supervisord does when the pipe has room, and reads the answer with as
// few reads as the listener allows, checking it as supervisord's
// PEventListenerDispatcher does (a result line, a body of the length it
// gives, then READY). Its descriptors are blocking and used with plain
// system calls, so that a delivery costs one write, one read per chunk the
// listener wrote, and nothing else.
type dispatcher struct {
	events  int // the listener's stdin
	answers int // the listener's stdout
	buf     []byte
	have    int
	serial  uint64
}

func newDispatcher(events, answers int) *dispatcher {
	return &dispatcher{events: events, answers: answers, buf: make([]byte, 4096)}
}

var (
	readyToken  = []byte("READY\n")
	resultToken = []byte("RESULT ")
	okBody      = []byte("OK")
)

// ready waits for the listener's first READY.
func (d *dispatcher) ready() error {
	if err := d.fill(len(readyToken)); err != nil {
		return fmt.Errorf("waiting for READY: %w", err)
	}
	return d.expectReady()
}

// deliver sends env with the next serial and reads the listener's answer
// and its next READY.
func (d *dispatcher) deliver(env *envelope) error {
	d.serial++
	b := env.bytes(d.serial, d.serial)
	for len(b) > 0 {
		n, err := unix.Write(d.events, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("writing event %d: %w", d.serial, err)
		}
		b = b[n:]
	}
	if err := d.readResult(); err != nil {
		return fmt.Errorf("event %d: %w", d.serial, err)
	}
	return nil
}

// readResult reads "RESULT n\n", n bytes of body that must be OK, and
// READY\n, with nothing after it.
func (d *dispatcher) readResult() error {
	var nl int
	for {
		if nl = bytes.IndexByte(d.buf[:d.have], '\n'); nl >= 0 {
			break
		}
		if err := d.fill(d.have + 1); err != nil {
			return fmt.Errorf("waiting for a result line: %w", err)
		}
	}
	line := d.buf[:nl]
	if !bytes.HasPrefix(line, resultToken) {
		return fmt.Errorf("result line %q does not start with %q", line, resultToken)
	}
	n, ok := parseLength(line[len(resultToken):])
	if !ok {
		return fmt.Errorf("bad result line %q (supervisord: UNKNOWN)", line)
	}
	start := nl + 1
	if err := d.fill(start + n); err != nil {
		return fmt.Errorf("waiting for a %d-byte result body: %w", n, err)
	}
	if body := d.buf[start : start+n]; !bytes.Equal(body, okBody) {
		return fmt.Errorf("the listener rejected the event with %q", body)
	}
	d.consume(start + n)
	if err := d.fill(len(readyToken)); err != nil {
		return fmt.Errorf("waiting for READY after the result: %w", err)
	}
	return d.expectReady()
}

func (d *dispatcher) expectReady() error {
	if !bytes.Equal(d.buf[:len(readyToken)], readyToken) {
		return fmt.Errorf("%q where READY belongs (supervisord: UNKNOWN)", d.buf[:d.have])
	}
	if d.have > len(readyToken) {
		return fmt.Errorf("%q after READY, before any event (supervisord: UNKNOWN)", d.buf[len(readyToken):d.have])
	}
	d.have = 0
	return nil
}

// parseLength parses the decimal digits a listener writes after RESULT.
// supervisord's int() would also take a sign, spaces and underscores; no
// listener measured here writes them.
func parseLength(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 6 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (d *dispatcher) consume(n int) {
	d.have = copy(d.buf, d.buf[n:d.have])
}

// fill reads until at least n bytes are buffered.
func (d *dispatcher) fill(n int) error {
	if n > len(d.buf) {
		return fmt.Errorf("answer longer than %d bytes, beginning %q", len(d.buf), d.buf[:64])
	}
	for d.have < n {
		m, err := unix.Read(d.answers, d.buf[d.have:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if m == 0 {
			return fmt.Errorf("the listener closed its stdout after %q", d.buf[:d.have])
		}
		d.have += m
	}
	return nil
}
