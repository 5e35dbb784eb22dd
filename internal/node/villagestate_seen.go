package node

import (
	"bytes"
	"io"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/village"
)

// A state's seen list travels as a blob (village.md §4): the node keeps
// the lists of its own states, fetches those of other locals' states as it
// fetches proofs (referencedBlobs), and audits with the ones it holds.

// keepSeenList stores the seen list of a state this node is about to
// publish.
func (n *Node) keepSeenList(p *village.StatePayload) error {
	list, err := village.EncodeSeen(p.Seen)
	if err != nil {
		return err
	}
	return n.blobs.PutExpected(bytes.NewReader(list), blob.ID(p.SeenList), int64(len(list)))
}

// seenLists finds seen lists in the node's blob store.
func (n *Node) seenLists() village.SeenLists {
	return func(id [32]byte) ([]village.Seen, bool) {
		rc, _, err := n.blobs.Open(blob.ID(id))
		if err != nil {
			return nil, false
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return nil, false
		}
		seen, err := village.DecodeSeen(b)
		return seen, err == nil
	}
}
