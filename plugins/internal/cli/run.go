package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/spf13/cobra"
)

// DrainTimeout is how long a plugin may finish the work still under way
// once it stops serving (restarts in flight, a batch to send, mail in a
// queue): less than the 10 seconds supervisord waits by default
// (stopwaitsecs) before it kills a listener it asked to stop.
const DrainTimeout = 8 * time.Second

// A Shutdowner is a handler with work that may still be under way when
// the listener stops serving. Shutdown finishes it, or gives up when ctx
// ends.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// A Stopper is a handler that retries work it owes an event (a delivery
// that must succeed before the event is answered) and must give up at once
// when the listener is asked to stop, so that the event goes back to
// supervisord and the listener exits well within stopwaitsecs.
type Stopper interface {
	Stop()
}

// Logger returns the logger a plugin's command logs to: lines in
// supervisord's main-log format (package log) on the command's standard
// error, which supervisord keeps as the listener's stderr log.
func Logger(cmd *cobra.Command) *slog.Logger {
	return log.New(cmd.ErrOrStderr())
}

// RunListener serves h as a supervisord event listener with listener.Run,
// logging to logger. When Run returns (supervisord closed the stream, or
// asked the listener to stop) and h is a Shutdowner, it gives h up to
// drain to finish its work under way; work it could not finish is part of
// the error returned, so that the listener's last line says what was
// left undone and its exit status says that something was.
//
// Before serving, it tunes the runtime for one listener and gives back
// the memory only start-up needed, and it keeps giving back what the
// garbage collector touches (settle).
//
// When h is a Stopper, the first SIGTERM or SIGINT also calls its Stop:
// listener.Run lets the event in hand finish, and Stop makes that quick.
func RunListener(cmd *cobra.Command, h listener.Handler, logger *slog.Logger, drain time.Duration, opts ...listener.Option) error {
	if s, ok := h.(Stopper); ok {
		stopping, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		go func() {
			<-stopping.Done()
			s.Stop()
		}()
	}
	settle()
	err := listener.Run(cmd.Context(), h, append([]listener.Option{listener.WithLogger(logger)}, opts...)...)
	if s, ok := h.(Shutdowner); ok {
		ctx, cancel := context.WithTimeout(context.Background(), drain)
		defer cancel()
		if serr := s.Shutdown(ctx); serr != nil {
			err = errors.Join(err, fmt.Errorf("leaving with work unfinished: %w", serr))
		}
	}
	return err
}
