package listener

import (
	"io"
	"strconv"
)

// Protocol tokens a listener writes (reference: supervisor/dispatchers.py).
const (
	readyToken = "READY\n"
	okResult   = "RESULT 2\nOK"
	failResult = "RESULT 4\nFAIL"
)

// okReady is the answer to almost every event, ready made.
var okReady = []byte(okResult + readyToken)

// A Writer writes a listener's side of the protocol to the stream
// supervisord reads from the listener's standard output.
//
// Every method writes its whole token in one Write call. supervisord
// tolerates tokens split across writes, but one write per token keeps a
// listener's output legible in supervisord's debug log and costs one
// system call.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, 64)}
}

// Ready writes READY\n, telling supervisord the listener can take an event.
func (w *Writer) Ready() error {
	return w.write(append(w.buf[:0], readyToken...))
}

// OK acknowledges the event in hand (RESULT 2\nOK).
func (w *Writer) OK() error {
	return w.write(append(w.buf[:0], okResult...))
}

// Fail rejects the event in hand (RESULT 4\nFAIL); supervisord puts it
// back at the head of the pool's buffer and sends it again.
func (w *Writer) Fail() error {
	return w.write(append(w.buf[:0], failResult...))
}

// Result answers the event in hand with an arbitrary body. The RESULT
// length counts bytes, as supervisord's reader does. supervisord's
// default result handler accepts only the body OK; any other body is a
// rejection unless the pool configures its own result_handler.
func (w *Writer) Result(body []byte) error {
	return w.write(appendResult(w.buf[:0], body))
}

// ResultReady writes a result and the next READY in one write. supervisord
// parses the bytes after a complete result as the next token, so this is
// the same conversation as Result followed by Ready, in half the system
// calls.
func (w *Writer) ResultReady(body []byte) error {
	if string(body) == "OK" {
		_, err := w.w.Write(okReady)
		return err
	}
	b := appendResult(w.buf[:0], body)
	return w.write(append(b, readyToken...))
}

func appendResult(b, body []byte) []byte {
	b = append(b, "RESULT "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, '\n')
	return append(b, body...)
}

func (w *Writer) write(b []byte) error {
	w.buf = b[:0] // keep any growth for the next token
	_, err := w.w.Write(b)
	return err
}
