package eventdump

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/golance/golance/listener"
)

// handler writes each event to w as a line of JSON, in a single write,
// and acknowledges the event only once the write succeeded.
type handler struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// newHandler returns a handler writing to w.
func newHandler(w io.Writer) *handler {
	h := &handler{w: w}
	h.enc = json.NewEncoder(&h.buf)
	h.enc.SetEscapeHTML(false) // keep <!--XSUPERVISOR:BEGIN--> legible
	return h
}

// HandleEvent writes ev. A failed write rejects the event, so that
// supervisord delivers it again rather than it being lost.
func (h *handler) HandleEvent(ctx context.Context, ev listener.Event) error {
	h.buf.Reset()
	if err := h.enc.Encode(newRecord(ev)); err != nil {
		return err
	}
	if _, err := h.w.Write(h.buf.Bytes()); err != nil {
		return fmt.Errorf("writing serial %d: %w", ev.Serial, err)
	}
	return nil
}

// Shutdown returns at once: every line is written within HandleEvent.
func (h *handler) Shutdown(ctx context.Context) error { return nil }
