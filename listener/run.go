package listener

import (
	"context"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// Run serves events to h on the process's standard input and output, as a
// program named in an [eventlistener:x] section's command= does. It
// returns nil when supervisord closes the stream or after a SIGTERM or
// SIGINT, and an error when the stream is corrupt, so that the program
// exits non-zero and supervisord restarts it.
//
// Before serving, Run protects the protocol from stray output: it keeps a
// private duplicate of standard output for the protocol and points file
// descriptor 1 at standard error (and descriptor 0 at /dev/null). A
// fmt.Println in a handler, or a child process the handler runs, then
// writes to supervisord's log of the listener's stderr instead of putting
// the listener in the UNKNOWN state, where supervisord sends it nothing
// until it is restarted. WithoutStdoutGuard turns this off. Output
// before Run is not covered: a program that may print anything first calls
// Guard at the top of main, and Run serves on the streams Guard kept
// (whatever its options say, since descriptor 1 is moved already).
//
// The first SIGTERM or SIGINT (or ctx ending) lets the event in hand
// finish and be answered, then Run returns; if no event is in hand, Run
// returns at once. A second signal also cancels the handler's context.
//
// Run refuses to start, with ErrNotUnderSupervisord, when standard input is
// a terminal: someone started the listener by hand and it would otherwise
// wait silently for events that never come.
func Run(ctx context.Context, h Handler, opts ...Option) error {
	c := newConfig(opts)
	if err := CheckStdin(); err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	var out io.Writer = os.Stdout
	if gin, gout, ok := guarded(); ok {
		defer gin.Close()
		defer gout.Close()
		in, out = gin, newRawPipe(gout)
	} else if c.guard {
		gin, gout, err := guardStdio()
		if err != nil {
			return err
		}
		defer gin.Close()
		defer gout.Close()
		in, out = gin, newRawPipe(gout)
	}

	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	handlerCtx, stopHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHandlers()
	c.handlerCtx = handlerCtx
	c.busy = new(atomic.Bool)

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)

	done := make(chan error, 1)
	go func() { done <- c.serve(serveCtx, in, out, h) }()

	// The first stop request (a signal, or ctx ending) lets the event in
	// hand finish; if none is in hand, Run returns at once and leaves the
	// read of the next event blocked: nothing is in flight, and an event
	// that arrives meanwhile stays unanswered until this process exits,
	// when supervisord redelivers it. With an event in hand, Serve answers
	// it, sees the stop and returns. A second signal cancels the handler.
	parentDone := ctx.Done()
	for {
		select {
		case err := <-done:
			return err
		case <-parentDone:
			parentDone = nil
		case <-signals:
			if serveCtx.Err() != nil {
				stopHandlers()
			}
		}
		stopServing()
		if !c.busy.Load() {
			return nil
		}
	}
}

// CheckStdin returns ErrNotUnderSupervisord when the process's standard
// input is a terminal: a person started the listener by hand, and it would
// otherwise wait silently for events that never come. Run checks this
// itself; programs call it to refuse before doing anything else.
func CheckStdin() error {
	if terminal, ok := guardedTerminal(); ok {
		// Guard moved standard input; it saw what was there.
		if terminal {
			return ErrNotUnderSupervisord
		}
		return nil
	}
	if isTerminal(os.Stdin) {
		return ErrNotUnderSupervisord
	}
	return nil
}

// Self returns the group and process name supervisord gave this process
// (the SUPERVISOR_GROUP_NAME and SUPERVISOR_PROCESS_NAME variables it sets
// for every child), and whether they are set. Plugins use it to leave
// their own process out of "every process".
func Self() (group, name string, ok bool) {
	group, name = os.Getenv("SUPERVISOR_GROUP_NAME"), os.Getenv("SUPERVISOR_PROCESS_NAME")
	return group, name, name != ""
}
