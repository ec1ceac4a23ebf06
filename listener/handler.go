package listener

import (
	"context"
	"errors"
	"fmt"
)

// A Handler acts on one event. Returning nil acknowledges the event
// (RESULT 2\nOK). Returning an error rejects it (RESULT 4\nFAIL):
// supervisord puts it back at the head of the pool's buffer and delivers it
// again, to this or another listener of the pool. Return an error only
// when trying again can help, and return nil only once the event's work is
// done or safely handed off, so that nothing is lost.
//
// The context is not cancelled when the listener is asked to stop: the
// event in hand is finished first. It carries the per-event deadline when
// WithTimeout is set.
type Handler interface {
	HandleEvent(ctx context.Context, ev Event) error
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, ev Event) error

// HandleEvent calls f(ctx, ev).
func (f HandlerFunc) HandleEvent(ctx context.Context, ev Event) error { return f(ctx, ev) }

// Reply returns a value a Handler can return to answer with a custom
// result body instead of OK or FAIL. supervisord's default result handler
// treats every body except OK as a rejection; custom bodies are for pools
// that configure their own result_handler.
func Reply(body []byte) error {
	return &ReplyError{Body: body}
}

// ReplyError carries a custom result body; see Reply. It is not a failure.
type ReplyError struct {
	Body []byte
}

func (r *ReplyError) Error() string { return fmt.Sprintf("listener: reply %q", r.Body) }

// A PanicError is what Serve reports when a Handler panics: the event is
// rejected, the stack goes to the log, and the listener keeps serving.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", p.Value) }

// ErrHandlerTimeout is wrapped by the error Serve records when a handler
// outlives the per-event timeout (WithTimeout).
var ErrHandlerTimeout = errors.New("handler did not finish in time")

// A Mux dispatches events to handlers by type. A handler registered for a
// base type receives its subtypes too; the most specific registration
// wins. Events no handler is registered for are acknowledged, since no
// work is owed for them.
//
// Register handlers before serving; a Mux is not safe to change while in use.
type Mux struct {
	handlers map[EventType]Handler
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{handlers: make(map[EventType]Handler)} }

// Handle registers h for events of type t and its subtypes.
func (m *Mux) Handle(t EventType, h Handler) { m.handlers[t] = h }

// HandleFunc registers f for events of type t and its subtypes.
func (m *Mux) HandleFunc(t EventType, f func(ctx context.Context, ev Event) error) {
	m.Handle(t, HandlerFunc(f))
}

// HandleEvent calls the most specific handler registered for ev's type.
func (m *Mux) HandleEvent(ctx context.Context, ev Event) error {
	for t := ev.EventName; t != ""; t = t.Base() {
		if h, ok := m.handlers[t]; ok {
			return h.HandleEvent(ctx, ev)
		}
	}
	return nil
}
