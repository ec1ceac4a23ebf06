package listener

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"
)

// An Option configures Serve and Run.
type Option func(*config)

type config struct {
	byteLengths bool
	maxPayload  int
	timeout     time.Duration
	dedup       int
	logger      *slog.Logger
	stderr      io.Writer // where panic stacks are printed, unescaped
	guard       bool
	// handlerCtx, when set, is the context handlers run under instead of
	// one detached from Serve's. Run uses it so that a second signal can
	// cancel a handler that the first one let finish.
	handlerCtx context.Context
	// busy, when set, is true from the moment an event has been read until
	// its result is written: Run, asked to stop, cancels Serve's context
	// and returns at once if busy is false; if it is true, Serve returns
	// once it has answered.
	busy *atomic.Bool
	// afterResult, when set, runs between writing a result and clearing
	// busy: tests hold that window open with it.
	afterResult func()
}

// DefaultDedupWindow is how many handled serials Serve remembers by default.
const DefaultDedupWindow = 4096

func newConfig(opts []Option) config {
	c := config{dedup: DefaultDedupWindow, guard: true, stderr: os.Stderr}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return c
}

// WithByteLengths makes the header's len count bytes. supervisord 4.x
// counts Unicode code points, which is the default; use this for servers
// that count bytes, such as supervisord 3 on Python 2 or ochinchina's Go
// supervisord.
func WithByteLengths() Option { return func(c *config) { c.byteLengths = true } }

// WithMaxPayload sets the largest payload len accepted (DefaultMaxPayload
// if n <= 0). A larger len stops Serve with ErrPayloadTooLarge.
func WithMaxPayload(n int) Option { return func(c *config) { c.maxPayload = n } }

// WithTimeout bounds the time a handler may take per event. At the
// deadline the handler's context is cancelled and the event is rejected,
// so supervisord redelivers it; a handler that ignores its context keeps
// running in the background and its result is discarded.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithDedupWindow sets how many handled serials Serve remembers (see
// WithoutDedup). n <= 0 turns the memory off.
func WithDedupWindow(n int) Option { return func(c *config) { c.dedup = n } }

// WithoutDedup makes Serve call the handler for every delivery, including
// repeats of a serial it has already handled.
//
// By default Serve remembers the DefaultDedupWindow highest serials it
// acknowledged (supervisord's serials rise, so these are the most recent)
// and acknowledges a repeat without calling the handler.
// supervisord repeats a serial when a listener died before answering (the
// event goes to the respawned listener), when a pool subscribes to
// overlapping types such as TICK and TICK_5, and when another pool with
// the same priority rejects the event (it is rebuffered into every such
// pool). A serial that was rejected is not remembered, so its redelivery
// reaches the handler again.
func WithoutDedup() Option { return WithDedupWindow(0) }

// WithLogger sets where Serve reports rejected events, handler panics and
// deduplicated deliveries. The default logs to standard error.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithoutStdoutGuard makes Run use file descriptors 0 and 1 directly
// instead of private duplicates. Only for programs that manage their own
// descriptors: without the guard one stray write to standard output puts
// the listener in supervisord's UNKNOWN state for good.
func WithoutStdoutGuard() Option { return func(c *config) { c.guard = false } }

// Serve speaks the listener side of the protocol: it writes READY to w,
// reads an event from r, passes it to h and answers with h's verdict,
// until one of these happens:
//
//   - r ends between two events: Serve returns nil;
//   - ctx is done: Serve finishes the event in hand, answers it and
//     returns nil without writing READY again. A read blocked waiting for
//     the next event is interrupted when r has a SetReadDeadline method
//     (as os.Pipe's files and net.Conn do); otherwise Serve returns once
//     the read returns, leaving an event that arrived meanwhile
//     unanswered, for supervisord to redeliver after the listener exits.
//   - the stream is corrupt (a malformed header, a payload longer than the
//     limit, the stream ending inside an event) or r or w fails: Serve
//     returns the error, so that the program exits and supervisord
//     restarts it; the event in hand, if any, is redelivered.
func Serve(ctx context.Context, r io.Reader, w io.Writer, h Handler, opts ...Option) error {
	c := newConfig(opts)
	return c.serve(ctx, r, w, h)
}

type deadliner interface {
	SetReadDeadline(time.Time) error
}

func (c *config) serve(ctx context.Context, r io.Reader, w io.Writer, h Handler) error {
	rd := NewReader(r)
	rd.ByteLengths = c.byteLengths
	rd.MaxPayload = c.maxPayload
	wr := NewWriter(w)
	s := session{config: c, handler: h}
	if c.dedup > 0 {
		s.seen = newSerialSet(c.dedup)
	}
	s.hctx = c.handlerCtx
	if s.hctx == nil {
		s.hctx = context.WithoutCancel(ctx)
	}
	after := new(afterAnswer)
	s.hctx = context.WithValue(s.hctx, afterAnswerKey{}, after)
	if d, ok := r.(deadliner); ok {
		stop := context.AfterFunc(ctx, func() { d.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}

	if err := wr.Ready(); err != nil {
		return fmt.Errorf("listener: writing READY: %w", err)
	}
	for answered := 1; ; answered++ {
		if answered%yieldEvery == 0 {
			runtime.Gosched()
		}
		ev, err := rd.ReadEvent()
		if err != nil {
			if err == io.EOF || ctx.Err() != nil {
				return nil
			}
			return err
		}
		// Mark the event in hand before looking at ctx: Run cancels ctx and
		// then looks at busy, so either Run sees this event and waits for
		// its answer, or this sees the stop and leaves the event
		// unanswered, for supervisord to redeliver once this listener has
		// exited. Never both missed.
		if c.busy != nil {
			c.busy.Store(true)
		}
		if ctx.Err() != nil {
			return nil
		}
		body := s.handle(ev)
		if ctx.Err() != nil {
			err := wr.Result(body)
			after.runAll()
			if err != nil {
				return fmt.Errorf("listener: writing result for serial %d: %w", ev.Serial, err)
			}
			return nil
		}
		err = wr.ResultReady(body)
		after.runAll()
		if err != nil {
			return fmt.Errorf("listener: writing result for serial %d: %w", ev.Serial, err)
		}
		if c.afterResult != nil {
			c.afterResult()
		}
		if c.busy != nil {
			c.busy.Store(false)
		}
		// Clear busy before looking at ctx, for the same reason as above:
		// either Run sees no event in hand and returns, or this sees the
		// stop and returns. Run needs no signal per answer.
		if ctx.Err() != nil {
			return nil
		}
	}
}

// yieldEvery is how often, in events, Serve passes through the scheduler.
//
// Serve's goroutine otherwise never does: Run's reads block in the kernel
// and its answers are raw writes. The runtime's monitor takes a goroutine
// that has not been rescheduled for 10 ms for a runaway; when it finds it
// blocked reading, it takes its processor, hands it to a new thread and
// then polls every 20 µs for a while. At a high event rate that costs a
// Go listener a quarter of its CPU (make bench, pinned to one CPU). A
// yield every 64 events keeps the monitor asleep at any rate where 64
// events take less than 10 ms; below that, each read blocks long enough
// for the monitor to take the processor anyway.
const yieldEvery = 64

var (
	okBody   = []byte("OK")
	failBody = []byte("FAIL")
)

// session is the state of one Serve call.
type session struct {
	*config
	handler Handler
	hctx    context.Context
	seen    *serialSet
}

// handle runs the handler for ev and returns the result body to send.
func (s *session) handle(ev Event) []byte {
	if s.seen != nil && s.seen.contains(ev.Serial) {
		if s.logger.Enabled(s.hctx, slog.LevelDebug) {
			s.logger.Debug("acknowledging a repeated delivery without handling it",
				"serial", ev.Serial, "event", string(ev.EventName), "pool", ev.Pool)
		}
		return okBody
	}
	err := s.call(ev)
	if err == nil {
		if s.seen != nil {
			s.seen.add(ev.Serial)
		}
		return okBody
	}
	var reply *ReplyError
	if errors.As(err, &reply) {
		if s.seen != nil {
			s.seen.add(ev.Serial)
		}
		return reply.Body
	}
	var p *PanicError
	if errors.As(err, &p) {
		s.logger.Error("handler panicked; event rejected for redelivery",
			"serial", ev.Serial, "event", string(ev.EventName), "panic", fmt.Sprint(p.Value))
		fmt.Fprintf(s.stderr, "panic handling serial %d (%s): %v\n\n%s\n", ev.Serial, ev.EventName, p.Value, p.Stack)
	} else {
		s.logger.Error("event rejected for redelivery",
			"serial", ev.Serial, "event", string(ev.EventName), "error", err.Error())
	}
	return failBody
}

func (s *session) call(ev Event) error {
	if s.timeout <= 0 {
		return invoke(s.hctx, s.handler, ev)
	}
	ctx, cancel := context.WithTimeout(s.hctx, s.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- invoke(ctx, s.handler, ev) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
			return fmt.Errorf("%w (limit %s)", ErrHandlerTimeout, s.timeout)
		}
	}
}

func invoke(ctx context.Context, h Handler, ev Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return h.HandleEvent(ctx, ev)
}

// serialSet remembers the highest serials added to it, up to a fixed
// number, in constant memory.
//
// supervisord's serials grow by one with each event it dispatches, so a
// serial is almost always above every one remembered: that case costs a
// comparison and an append. A lower one (a redelivery) is found by binary
// search; a lower one added (an event rejected, then acknowledged after
// later ones) is inserted in order, which moves memory but is rare.
type serialSet struct {
	max     int
	serials []uint64 // ascending; the set is serials[start:]
	start   int
}

func newSerialSet(n int) *serialSet {
	return &serialSet{max: n, serials: make([]uint64, 0, 2*n)}
}

func (s *serialSet) contains(serial uint64) bool {
	w := s.serials[s.start:]
	if len(w) == 0 || serial > w[len(w)-1] || serial < w[0] {
		return false
	}
	_, found := slices.BinarySearch(w, serial)
	return found
}

func (s *serialSet) add(serial uint64) {
	if w := s.serials[s.start:]; len(w) == 0 || serial > w[len(w)-1] {
		s.serials = append(s.serials, serial)
	} else {
		i, found := slices.BinarySearch(w, serial)
		if found {
			return
		}
		s.serials = slices.Insert(s.serials, s.start+i, serial)
	}
	if len(s.serials)-s.start > s.max {
		s.start++ // forget the lowest
	}
	if len(s.serials) == cap(s.serials) {
		// Move the set to the front, once every max additions.
		s.serials = append(s.serials[:0], s.serials[s.start:]...)
		s.start = 0
	}
}
