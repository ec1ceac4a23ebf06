package outbox

import (
	"encoding/json"
	"fmt"
)

// A Tx collects what one Update makes durable together: items to queue and
// changes to the listener's saved state. It is valid only inside the
// function given to Update.
type Tx struct {
	ob      *Outbox
	items   []Item
	changes map[string][]byte // nil value: deleted
	lists   map[string]*listChange
}

// Enqueue queues it for delivery by its sink.
func (tx *Tx) Enqueue(it Item) { tx.items = append(tx.items, it) }

// Load reads the saved state name into v (JSON), seeing the changes made
// earlier in this Tx; it reports false when there is none.
func (tx *Tx) Load(name string, v any) (bool, error) {
	if b, ok := tx.changes[name]; ok {
		if b == nil {
			return false, nil
		}
		return true, unmarshal(name, b, v)
	}
	return tx.ob.LoadState(name, v)
}

// Save sets the state name to v, encoded as JSON.
func (tx *Tx) Save(name string, v any) error {
	b, err := marshal(name, v)
	if err != nil {
		return err
	}
	tx.changes[name] = b
	return nil
}

// Delete removes the state name.
func (tx *Tx) Delete(name string) { tx.changes[name] = nil }

func marshal(name string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("outbox: cannot encode state %q: %w", name, err)
	}
	return b, nil
}

func unmarshal(name string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("outbox: saved state %q cannot be read (%w); it was written by another version?", name, err)
	}
	return nil
}
