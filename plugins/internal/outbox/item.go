package outbox

import "time"

// An Item is one notification, stored with everything needed to send it
// later: the sink's rendered content, not a pointer to state that may be
// gone by then.
type Item struct {
	// Key identifies the notification across redeliveries of the event
	// that caused it, listener restarts and replays: an item whose Key the
	// outbox already holds, or delivered recently, is not stored or sent
	// again. EventKey gives the key of a supervisord event.
	Key string `json:"key"`
	// Sink names the Sink that delivers the item (Config.Sinks).
	Sink string `json:"sink"`
	// Subject says in one line what the notification is about, for log
	// lines and for the summary that replaces dropped items.
	Subject string `json:"subject"`
	// At is when the facts the notification reports were taken: the time
	// of the crash, not of the delivery.
	At time.Time `json:"at"`
	// Payload is the notification as its sink encodes it.
	Payload []byte `json:"payload"`

	// Queued is when the outbox stored the item; the age bound counts
	// from it. Set by the outbox.
	Queued time.Time `json:"queued"`
	// Dropped, on a summary item, is what it stands for; a summary that is
	// itself dropped folds into the next one.
	Dropped *Dropped `json:"dropped,omitempty"`
}
