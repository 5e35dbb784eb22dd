package node

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// fullScopeEvery is how often, at most, a recomputation of the scope
// reads every follow and block statement again (scope.Refresh) instead of
// only what Note told it (scope.Recompute): the statements whose payload
// a peer filled in after the header, which the sync engine does not
// report, count from then on.
const fullScopeEvery = 10 * time.Minute

// scopeKeeping is when the scope last read every statement.
type scopeKeeping struct {
	mu   sync.Mutex
	full time.Time
}

// noteScope gives the scope the entries just stored (scope.Note) and
// reports whether the follows or blocks it holds changed, a delete of a
// statement that counted included.
func (n *Node) noteScope(nw *network, es []*entry.Entry) bool {
	changed, err := nw.scope.Note(nw.ctx, es)
	if err != nil && nw.ctx.Err() == nil {
		nw.log.Warn("note entries in the replication scope; recomputing it in full", "err", err)
		nw.scopeKept.mu.Lock()
		nw.scopeKept.full = time.Time{}
		nw.scopeKept.mu.Unlock()
		return true
	}
	return changed
}

// noteScopeFilled gives the scope the entries this node stored that it
// held already and whose payload the store may have filled in.
func (n *Node) noteScopeFilled(nw *network, es []*entry.Entry, res []store.Result) {
	var filled []*entry.Entry
	for i, e := range es {
		if i < len(res) && res[i].Outcome == store.Known && e.Payload != nil {
			filled = append(filled, e)
		}
	}
	if len(filled) > 0 && n.noteScope(nw, filled) {
		select {
		case nw.rescope <- struct{}{}:
		default:
		}
	}
}

// recomputeScope recomputes the scope from what Note told it, or from
// every statement again when the last full read is fullScopeEvery old.
func (n *Node) recomputeScope(ctx context.Context, nw *network) error {
	k := &nw.scopeKept
	k.mu.Lock()
	full := time.Since(k.full) >= fullScopeEvery
	if full {
		k.full = time.Now()
	}
	k.mu.Unlock()
	if full {
		return nw.scope.Refresh(ctx)
	}
	return nw.scope.Recompute(ctx)
}

// ownRelationsOf is relationsOf for this node's account: from the
// statements the scope keeps while the network runs, which Note keeps up
// to date, instead of reading every statement again (the message loop asks
// after every follow).
func (n *Node) ownRelationsOf(ctx context.Context, devices []identity.PublicKey) (relations, error) {
	nw := n.net.Load()
	if nw == nil {
		return n.relationsOf(ctx, devices)
	}
	follows, blocks, err := nw.scope.RelationsOf(ctx, n.account, devices)
	if err != nil {
		return relations{}, err
	}
	return relations{follows: follows, blocks: blocks, blocked: maps.Clone(blocks)}, nil
}

// logsDropped tells the running network's scope that logs were dropped
// from the store (scope.LogsDropped).
func (n *Node) logsDropped() {
	if nw := n.net.Load(); nw != nil && nw.scope != nil {
		nw.scope.LogsDropped()
	}
}
