package eventdump

import (
	"fmt"
	"io"
	"os"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/cobra"
)

// NewCommand returns the eventdump command.
func NewCommand() *cobra.Command {
	var cfg config
	cmd := &cobra.Command{
		Use:   "eventdump",
		Short: "Write every event supervisord sends as one JSON object per line",
		Long: `eventdump is a supervisord event listener that writes each event it receives
as one JSON object per line, with the keys eventname, serial, pool,
poolserial, payload (the raw payload), fields (the key:value tokens of the
payload's first line) and, for log and communication events, data (the
text after the first line).

It acknowledges an event only after its line was written; if the write
fails, the event is rejected and supervisord delivers it again.`,
		Example: `  [eventlistener:eventdump]
  command=eventdump --output /var/log/supervisor/events.jsonl
  events=EVENT
  buffer_size=100`,
		RunE: func(cmd *cobra.Command, args []string) error { return run(cmd, cfg) },
	}
	cli.Setup(cmd)
	cmd.Flags().StringVarP(&cfg.output, "output", "o", "", "append events to this `file` (default: standard error)")
	cmd.Flags().BoolVar(&cfg.byteLengths, "byte-lengths", false, "read the header's len as bytes, for servers other than supervisord 4 (which counts characters)")
	return cmd
}

// run writes the events supervisord sends as cfg says, until it stops
// eventdump.
func run(cmd *cobra.Command, cfg config) error {
	var w io.Writer = cmd.ErrOrStderr()
	if cfg.output != "" {
		f, err := os.OpenFile(cfg.output, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("cannot open --output file: %w", err)
		}
		defer f.Close()
		w = f
	}
	var opts []listener.Option
	if cfg.byteLengths {
		opts = append(opts, listener.WithByteLengths())
	}
	logger := cli.Logger(cmd)
	// Without --output the events are the stderr stream, which stays
	// JSON lines only; with it, the start-up line every binary logs.
	if cfg.output != "" {
		logger.Info(fmt.Sprintf("eventdump: appending each event as a JSON line to %s", cfg.output))
	}
	return cli.RunListener(cmd, newHandler(w), logger, cli.DrainTimeout, opts...)
}

// Main runs the eventdump command; it is cmd/eventdump's main.
func Main() { cli.Main(NewCommand()) }
