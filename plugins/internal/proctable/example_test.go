package proctable_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/listener/rpc"
	"github.com/golance/golance/plugins/internal/log"
	"github.com/golance/golance/plugins/internal/proctable"
)

// A listener with the table: every event goes through Observe first;
// on a TICK the table has just been checked, and the handler reads it
// without calling supervisord.
func Example() {
	client, err := rpc.FromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logger := log.New(os.Stderr)
	table, err := proctable.New(proctable.Config{Supervisor: client, Log: logger})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer table.Close()
	failing := log.NewRecurring(logger, slog.LevelError, nil)
	handler := listener.HandlerFunc(func(ctx context.Context, ev listener.Event) error {
		changes, err := table.Observe(ctx, ev)
		if err != nil {
			failing.Fail("cannot follow supervisord's processes: " + err.Error())
			return nil // the next tick tries again
		}
		failing.Recover("following supervisord's processes again")
		for _, c := range changes {
			if c.Event && c.After.State == listener.StateExited {
				logger.Info(c.After.Namespec() + " exited")
			}
		}
		if ev.EventName.Is(listener.Tick) {
			for _, p := range table.Processes() {
				if p.State == listener.StateRunning {
					_ = p.PID // measure it in /proc, probe it...
				}
			}
		}
		return nil
	})
	if err := listener.Run(context.Background(), handler); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
