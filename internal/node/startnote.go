package node

import (
	"context"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// noteStoredDuringStart gives the scope, and the views kept from the
// store, what was stored after cursor since while StartNetwork built the
// scope: a follow made through the API then was stored while no network
// was there to note it, and the scope, read before, missed it until its
// next full read (RELIABILITY.md, "Updates lost between a read and a
// keep"). An entry noted twice (stored just before n.net was set, noted
// after) changes nothing the second time.
func (n *Node) noteStoredDuringStart(ctx context.Context, nw *network, since int64) error {
	for {
		page, err := n.store.Find(ctx, store.Query{After: since, Limit: 1000})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		es := make([]*entry.Entry, len(page))
		for i, st := range page {
			es[i] = st.Entry
		}
		since = page[len(page)-1].Cursor
		if n.noteScope(nw, es) {
			select {
			case nw.rescope <- struct{}{}:
			default:
			}
		}
		n.stateChanged(es)
		if len(page) < 1000 {
			return nil
		}
	}
}
