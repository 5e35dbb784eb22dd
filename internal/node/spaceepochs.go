package node

import (
	"context"

	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// Bounds of what the epoch index keeps of one log: past them the log is
// read again at each view (its author wrote under many epochs, or many of
// its payloads are not held), as every log was before the index.
const (
	maxLogEpochs = 64
	maxLogHoles  = 16
)

// logEpochs is what an author's content log of a space was sealed under
// (keyring.md §4's rule needs the epochs at lower seqs): for each epoch id
// named by a payload at seqs 1..scanned, the lowest such seq. Epoch ids
// are public (the first bytes of a sealed payload), so this holds nothing
// decrypted.
type logEpochs struct {
	scanned uint64
	first   map[seal.ID]uint64
	holes   []uint64 // seqs ≤ scanned whose payload was not held
	wild    bool     // over a bound: not kept
}

// logEpochIndex is the logEpochs of every log a view read, guarded by
// viewCache.mu; a logEpochs itself is changed only under rings.mu (the
// space views hold it).
type logEpochIndex map[store.LogKey]*logEpochs

// outdated applies keyring.md §4 to the entry at seq of an author's log
// sealed under ep: it returns the error of the first epoch named at a
// lower seq that follows ep (nil: none). A nil x is for an ep no epoch
// follows.
func (x *logEpochs) outdated(r *seal.Keyring, seq uint64, ep seal.ID) error {
	if x == nil {
		return nil
	}
	for e, s := range x.first {
		if s < seq {
			if err := r.CheckOrder(e, ep); err != nil {
				return err
			}
		}
	}
	return nil
}

// logEpochsTo returns the epochs of log's entries at seqs 1..upTo (at
// least), extending the index from where it stopped. ring tells the
// epochs that can matter when the log is past the bounds. rings.mu is
// held.
func (n *Node) logEpochsTo(ctx context.Context, log store.LogKey, upTo uint64, ring *seal.Keyring) (*logEpochs, error) {
	c := &n.views
	c.mu.Lock()
	x := c.epochs[log]
	c.mu.Unlock()
	if x == nil {
		x = &logEpochs{first: map[seal.ID]uint64{}}
	}
	if x.wild {
		// Read it all again, keeping only the epochs the keyring knows
		// (only those can follow another).
		y := &logEpochs{first: map[seal.ID]uint64{}}
		err := n.scanEpochs(ctx, log, y, upTo, func(id seal.ID) bool { return ring.Known(id) })
		return y, err
	}
	if err := n.refillHoles(ctx, log, x); err != nil {
		return nil, err
	}
	if err := n.scanEpochs(ctx, log, x, upTo, nil); err != nil {
		return nil, err
	}
	if len(x.first) > maxLogEpochs || len(x.holes) > maxLogHoles {
		x = &logEpochs{wild: true} // what was read is not kept
	}
	c.mu.Lock()
	if c.epochs == nil {
		c.epochs = logEpochIndex{}
	}
	c.epochs[log] = x
	c.mu.Unlock()
	if x.wild {
		return n.logEpochsTo(ctx, log, upTo, ring)
	}
	return x, nil
}

// scanEpochs reads log's payloads from x.scanned+1 to upTo into x,
// recording the epochs keep accepts (nil: all).
func (n *Node) scanEpochs(ctx context.Context, log store.LogKey, x *logEpochs, upTo uint64, keep func(seal.ID) bool) error {
	const chunk = 1000
	for x.scanned < upTo {
		es, err := n.store.LogRaw(ctx, log, x.scanned+1, int(min(chunk, upTo-x.scanned)))
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		for _, e := range es {
			x.scanned = e.Seq
			if e.Payload == nil {
				if keep == nil {
					x.holes = append(x.holes, e.Seq)
				}
				continue
			}
			x.note(e.Seq, e.Payload, keep)
		}
	}
	return nil
}

func (x *logEpochs) note(seq uint64, payload []byte, keep func(seal.ID) bool) {
	ep, err := seal.SealedEpoch(payload)
	if err != nil || (keep != nil && !keep(ep)) {
		return
	}
	if s, ok := x.first[ep]; !ok || seq < s {
		x.first[ep] = seq
	}
}

// refillHoles reads again the entries whose payload was not held at the
// scan: a payload that arrived since joins the index.
func (n *Node) refillHoles(ctx context.Context, log store.LogKey, x *logEpochs) error {
	var still []uint64
	for _, s := range x.holes {
		es, err := n.store.LogRaw(ctx, log, s, 1)
		if err != nil {
			return err
		}
		if len(es) == 1 && es[0].Seq == s && es[0].Payload != nil {
			x.note(s, es[0].Payload, nil)
			continue
		}
		still = append(still, s)
	}
	x.holes = still
	return nil
}
