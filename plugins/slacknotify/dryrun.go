package slacknotify

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// dryRun is a slackPoster that writes each message as one line of JSON instead
// of sending it, so that a configuration can be tried without a Slack
// workspace. With Threaded it behaves like a bot token (its posts get a
// made-up timestamp, so alerts are updated and replied to); without, like
// a webhook.
type dryRun struct {
	W        io.Writer
	Threaded bool
	Channel  string

	mu sync.Mutex
	n  int
}

// dryRunLine is what dryRun writes for each message.
type dryRunLine struct {
	// Method is "webhook", "chat.postMessage" or "chat.update".
	Method   string `json:"method"`
	Channel  string `json:"channel,omitempty"`
	TS       string `json:"ts,omitempty"`
	ThreadTS string `json:"thread_ts,omitempty"`
	// Broadcast is reply_broadcast, for a thread reply also shown in the
	// channel.
	Broadcast bool    `json:"reply_broadcast,omitempty"`
	Message   message `json:"message"`
}

// Post writes m.
func (d *dryRun) Post(ctx context.Context, m message, parent msgRef) (msgRef, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.Threaded {
		return msgRef{}, d.write(dryRunLine{Method: "webhook", Message: m})
	}
	d.n++
	ref := msgRef{Channel: d.Channel, TS: fmt.Sprintf("dry-run.%06d", d.n)}
	line := dryRunLine{Method: "chat.postMessage", Channel: d.Channel, TS: ref.TS, Message: m}
	if !parent.IsZero() {
		line.ThreadTS, line.Broadcast = parent.TS, m.Broadcast
	}
	return ref, d.write(line)
}

// Update writes m as an update of ref.
func (d *dryRun) Update(ctx context.Context, ref msgRef, m message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.write(dryRunLine{Method: "chat.update", Channel: ref.Channel, TS: ref.TS, Message: m})
}

func (d *dryRun) write(line dryRunLine) error {
	b, err := marshal(line)
	if err != nil {
		return err
	}
	_, err = d.W.Write(append(b, '\n'))
	return err
}
