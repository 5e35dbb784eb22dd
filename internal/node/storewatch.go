package node

import (
	"context"
	"errors"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// watchStore offers the peers of this node, live, what other processes
// store in a store they share with it (several hub processes on one
// PostgreSQL database, doc/config.md [store]): the entries are announced
// to the sync sessions and to subscribers as if this node had stored
// them. A watch that fails (the database restarted) is started again
// after a pause, until the network stops.
func (n *Node) watchStore(ctx context.Context, nw *network, w store.Watcher) {
	for {
		err := w.Watch(ctx, func(es []*entry.Entry) {
			nw.engine.Added(es)
			n.afterAdded(nw, es)
			n.emitEntries(es, false)
		})
		if ctx.Err() != nil || errors.Is(err, store.ErrClosed) {
			return
		}
		nw.log.Warn("watching the shared store for other processes' writes failed; trying again in 5 s", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}
