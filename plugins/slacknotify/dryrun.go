package slacknotify

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// DryRun is a Poster that writes each message as one line of JSON instead
// of sending it, so that a configuration can be tried without a Slack
// workspace. With Threaded it behaves like a bot token (its posts get a
// made-up timestamp, so alerts are updated and replied to); without, like
// a webhook.
type DryRun struct {
	W        io.Writer
	Threaded bool
	Channel  string

	mu sync.Mutex
	n  int
}

// DryRunLine is what DryRun writes for each message.
type DryRunLine struct {
	// Method is "webhook", "chat.postMessage" or "chat.update".
	Method   string `json:"method"`
	Channel  string `json:"channel,omitempty"`
	TS       string `json:"ts,omitempty"`
	ThreadTS string `json:"thread_ts,omitempty"`
	// Broadcast is reply_broadcast, for a thread reply also shown in the
	// channel.
	Broadcast bool    `json:"reply_broadcast,omitempty"`
	Message   Message `json:"message"`
}

// Post writes m.
func (d *DryRun) Post(ctx context.Context, m Message, parent Ref) (Ref, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.Threaded {
		return Ref{}, d.write(DryRunLine{Method: "webhook", Message: m})
	}
	d.n++
	ref := Ref{Channel: d.Channel, TS: fmt.Sprintf("dry-run.%06d", d.n)}
	line := DryRunLine{Method: "chat.postMessage", Channel: d.Channel, TS: ref.TS, Message: m}
	if !parent.IsZero() {
		line.ThreadTS, line.Broadcast = parent.TS, m.Broadcast
	}
	return ref, d.write(line)
}

// Update writes m as an update of ref.
func (d *DryRun) Update(ctx context.Context, ref Ref, m Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.write(DryRunLine{Method: "chat.update", Channel: ref.Channel, TS: ref.TS, Message: m})
}

func (d *DryRun) write(line DryRunLine) error {
	b, err := marshal(line)
	if err != nil {
		return err
	}
	_, err = d.W.Write(append(b, '\n'))
	return err
}
