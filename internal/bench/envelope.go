package main

import (
	"strconv"
	"unicode/utf8"
)

// An envelope is one event as supervisord 4.2 writes it to a listener
// (EventListenerPool._eventEnvelope), with the two serials left to fill in
// for each delivery:
//
//	ver:3.0 server:S serial:N pool:P poolserial:M eventname:E len:L\nPAYLOAD
//
// L counts the payload's Unicode code points, as len() of a Python str
// does; the payload follows in UTF-8 with nothing after it.
type envelope struct {
	head []byte // "ver:3.0 server:S serial:"
	mid  []byte // " pool:P poolserial:"
	tail []byte // " eventname:E len:L\n" and the payload
	buf  []byte
}

func newEnvelope(server, pool, eventName, payload string) *envelope {
	tail := []byte(" eventname:" + eventName + " len:")
	tail = strconv.AppendInt(tail, int64(utf8.RuneCountInString(payload)), 10)
	tail = append(tail, '\n')
	tail = append(tail, payload...)
	return &envelope{
		head: []byte("ver:3.0 server:" + server + " serial:"),
		mid:  []byte(" pool:" + pool + " poolserial:"),
		tail: tail,
	}
}

// bytes returns the envelope for one delivery. The slice is reused by the
// next call.
func (e *envelope) bytes(serial, poolSerial uint64) []byte {
	b := append(e.buf[:0], e.head...)
	b = strconv.AppendUint(b, serial, 10)
	b = append(b, e.mid...)
	b = strconv.AppendUint(b, poolSerial, 10)
	b = append(b, e.tail...)
	e.buf = b
	return b
}
