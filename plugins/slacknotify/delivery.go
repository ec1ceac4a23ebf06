package slacknotify

import (
	"encoding/json"
	"fmt"
)

// op is what the sink does with a delivery.
type op string

const (
	// opPost posts a new message in the channel. With an Alert, the
	// message is that alert, and where it went is kept under
	// refName(Alert) for the edits and replies that follow.
	opPost op = "post"
	// opUpdate edits the alert in place (chat.update). An alert Slack
	// never took (a bound dropped it, or Slack refused it) or that was
	// deleted since is posted anew instead, and becomes the alert.
	opUpdate op = "update"
	// opReply replies in the alert's thread, or in the channel when there
	// is no alert to reply to.
	opReply op = "reply"
)

// A delivery is the payload of one of slack-notify's outbox items: what
// to do, for which alert, and the message as it was rendered when the
// event came, with the facts of that moment.
type delivery struct {
	Op op `json:"op"`
	// Alert identifies the incident's alert (incident.Alert); "" with a
	// webhook, whose messages cannot be edited or replied to.
	Alert string `json:"alert,omitempty"`
	// Process is the namespec the message is about, for log lines.
	Process   string          `json:"process,omitempty"`
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	Broadcast bool            `json:"broadcast,omitempty"`
}

// newDelivery returns the delivery of m by o.
func newDelivery(o op, alert, process string, m message) (delivery, error) {
	d := delivery{Op: o, Alert: alert, Process: process, Text: m.Text, Broadcast: m.Broadcast}
	if len(m.Blocks) > 0 {
		b, err := marshal(m.Blocks)
		if err != nil {
			return delivery{}, fmt.Errorf("cannot encode the message about %s: %w", process, err)
		}
		d.Blocks = b
	}
	return d, nil
}

// message returns the message to send, its blocks exactly as rendered.
func (d delivery) message() (message, error) {
	m := message{Text: d.Text, Broadcast: d.Broadcast}
	if len(d.Blocks) == 0 {
		return m, nil
	}
	blocks, err := rawBlocks(d.Blocks)
	if err != nil {
		return message{}, err
	}
	m.Blocks = blocks
	return m, nil
}
