// Package eventdump is a listener that writes every event it receives as
// one JSON object per line, so that users can see exactly what supervisord
// sends: the raw payload, its parsed fields and, for log and communication
// events, the text they carry.
package eventdump

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/golance/golance/listener"
	"github.com/golance/golance/plugins/internal/cli"
	"github.com/spf13/cobra"
)

// Record is one line of eventdump's output.
type Record struct {
	EventName  string            `json:"eventname"`
	Serial     uint64            `json:"serial"`
	Pool       string            `json:"pool"`
	PoolSerial uint64            `json:"poolserial"`
	Payload    string            `json:"payload"`
	Fields     map[string]string `json:"fields"`
	// Data is the text after the payload's first line, present only for
	// PROCESS_LOG_*, PROCESS_COMMUNICATION_* and REMOTE_COMMUNICATION.
	Data *string `json:"data,omitempty"`
}

// NewRecord describes ev as eventdump writes it.
func NewRecord(ev listener.Event) Record {
	r := Record{
		EventName:  string(ev.EventName),
		Serial:     ev.Serial,
		Pool:       ev.Pool,
		PoolSerial: ev.PoolSerial,
		Payload:    ev.Payload,
		Fields:     ev.Fields(),
	}
	if ev.EventName.Is(listener.ProcessLog) || ev.EventName.Is(listener.ProcessCommunication) || ev.EventName == listener.RemoteCommunication {
		data := ev.Data()
		r.Data = &data
	}
	return r
}

// A Dumper is the eventdump handler: it writes each event to w as a line
// of JSON, in a single write, and acknowledges the event only once the
// write succeeded.
type Dumper struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// New returns a Dumper writing to w.
func New(w io.Writer) *Dumper {
	d := &Dumper{w: w}
	d.enc = json.NewEncoder(&d.buf)
	d.enc.SetEscapeHTML(false) // keep <!--XSUPERVISOR:BEGIN--> legible
	return d
}

// HandleEvent writes ev. A failed write rejects the event, so that
// supervisord delivers it again rather than it being lost.
func (d *Dumper) HandleEvent(ctx context.Context, ev listener.Event) error {
	d.buf.Reset()
	if err := d.enc.Encode(NewRecord(ev)); err != nil {
		return err
	}
	if _, err := d.w.Write(d.buf.Bytes()); err != nil {
		return fmt.Errorf("writing serial %d: %w", ev.Serial, err)
	}
	return nil
}

// NewCommand returns the eventdump command.
func NewCommand() *cobra.Command {
	var output string
	var byteLengths bool
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
		RunE: func(cmd *cobra.Command, args []string) error {
			var w io.Writer = cmd.ErrOrStderr()
			if output != "" {
				f, err := os.OpenFile(output, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
				if err != nil {
					return fmt.Errorf("cannot open --output file: %w", err)
				}
				defer f.Close()
				w = f
			}
			var opts []listener.Option
			if byteLengths {
				opts = append(opts, listener.WithByteLengths())
			}
			return listener.Run(cmd.Context(), New(w), opts...)
		},
	}
	cli.Setup(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "append events to this `file` (default: standard error)")
	cmd.Flags().BoolVar(&byteLengths, "byte-lengths", false, "read the header's len as bytes, for servers other than supervisord 4 (which counts characters)")
	return cmd
}

// Main runs the eventdump command; it is cmd/eventdump's main.
func Main() { cli.Main(NewCommand()) }
