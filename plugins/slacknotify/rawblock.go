package slacknotify

import (
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"
)

// A rawBlock is a Block Kit block as slack-notify rendered and stored it,
// sent byte for byte as it was: a message delivered from the outbox is
// the message rendered when its event came, not one decoded and encoded
// again by slack-go.
type rawBlock struct {
	typ slack.MessageBlockType
	id  string
	raw json.RawMessage
}

// rawBlocks splits a JSON array of blocks.
func rawBlocks(b []byte) ([]slack.Block, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, err
	}
	blocks := make([]slack.Block, 0, len(raws))
	for _, r := range raws {
		var head struct {
			Type    slack.MessageBlockType `json:"type"`
			BlockID string                 `json:"block_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil {
			return nil, err
		}
		if head.Type == "" {
			return nil, fmt.Errorf("a block without a type: %.40s", r)
		}
		blocks = append(blocks, rawBlock{typ: head.Type, id: head.BlockID, raw: r})
	}
	return blocks, nil
}

// BlockType returns the block's "type".
func (b rawBlock) BlockType() slack.MessageBlockType { return b.typ }

// ID returns the block's "block_id".
func (b rawBlock) ID() string { return b.id }

// MarshalJSON returns the block as it was rendered.
func (b rawBlock) MarshalJSON() ([]byte, error) { return b.raw, nil }
